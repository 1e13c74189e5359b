package store_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
)

// TestJobFiles: a job's result files are stored in pieces and read back
// whole, replaced by name, refused to a worker whose lease was taken
// over, and deleted with the job.
func TestJobFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		c := newClock()
		s.SetClock(c.Now)
		j := enqueue(t, s, store.NewJob{Kind: "tracking.certificates"})
		first := leaseOne(t, s, "w1").Lease()
		big := bytes.Repeat([]byte("%PDF-1.7 "), store.UploadChunkSize/4) // more than two pieces
		if err := s.PutJobFile(ctx, first, "a.pdf", "application/pdf", []byte("old")); err != nil {
			t.Fatal(err)
		}
		// The lease expires and another worker takes the job over.
		c.Advance(time.Minute)
		second := leaseOne(t, s, "w2").Lease()
		if err := s.PutJobFile(ctx, first, "stale.pdf", "application/pdf", []byte("x")); !errors.Is(err, store.ErrFenced) {
			t.Fatalf("a write under a superseded lease: %v, want ErrFenced", err)
		}
		if err := s.PutJobFile(ctx, second, "a.pdf", "application/pdf", big); err != nil {
			t.Fatal(err)
		}
		if err := s.PutJobFile(ctx, second, "all.zip", "application/zip", []byte{}); err != nil {
			t.Fatal(err)
		}
		files, err := s.JobFiles(ctx, j.ID)
		if err != nil || len(files) != 2 || files[0].Name != "a.pdf" || files[0].Size != len(big) || files[1].Name != "all.zip" {
			t.Fatalf("files %+v %v", files, err)
		}
		f, err := s.GetJobFile(ctx, j.ID, "a.pdf")
		if err != nil || !bytes.Equal(f.Data, big) || f.ContentType != "application/pdf" {
			t.Fatalf("a.pdf: %d bytes, %q, %v", len(f.Data), f.ContentType, err)
		}
		if _, err := s.GetJobFile(ctx, j.ID, "stale.pdf"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the fenced file exists: %v", err)
		}
		if err := s.CompleteJob(ctx, second, nil); err != nil {
			t.Fatal(err)
		}
		c.Advance(time.Hour)
		if n, err := s.DeleteFinishedJobs(ctx, c.Now()); err != nil || n != 1 {
			t.Fatalf("deleted %d jobs, %v", n, err)
		}
		if _, err := s.GetJobFile(ctx, j.ID, "a.pdf"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a deleted job's file is still there: %v", err)
		}
		if files, _ := s.JobFiles(ctx, j.ID); len(files) != 0 {
			t.Fatalf("a deleted job still lists %v", files)
		}
	})
}
