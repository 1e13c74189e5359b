package store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
)

func TestUploadsRoundTripInChunks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		big := bytes.Repeat([]byte("Nom;Mail;Fonction;Grade\r\nDUPONT Jean;jean.dupont@ac-a.fr;ENS;CE\r\n"), 60000) // ~3.8 MiB: 4 chunks
		key, err := s.PutUpload(ctx, big)
		if err != nil {
			t.Fatal(err)
		}
		again, err := s.PutUpload(ctx, big)
		if err != nil || again != key {
			t.Fatalf("second put: %s %v", again, err)
		}
		got, err := s.GetUpload(ctx, key)
		if err != nil || !bytes.Equal(got, big) {
			t.Fatalf("get: %d bytes, %v", len(got), err)
		}
		empty, err := s.PutUpload(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.GetUpload(ctx, empty); err != nil || len(got) != 0 {
			t.Fatalf("empty file: %q %v", got, err)
		}
		if _, err := s.GetUpload(ctx, "0000"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing upload: %v", err)
		}
		n, err := s.PurgeUploads(ctx, time.Now().Add(time.Hour))
		if err != nil || n != 2 {
			t.Fatalf("purge: %d %v", n, err)
		}
		if _, err := s.GetUpload(ctx, key); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("purged upload still readable: %v", err)
		}
	})
}
