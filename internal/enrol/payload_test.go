package enrol_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/magistere/bridge/internal/enrol"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
)

// The job names the file kept in the store: the jobs table never holds
// a large CSV, and every replica reads the same bytes.
func TestStoredPayloadKeepsTheFileOutOfTheJob(t *testing.T) {
	st := storetest.SQLite(t)
	ctx := context.Background()
	file := bytes.Repeat([]byte("Nom;Mail\r\nDUPONT Jean;jean.dupont@ac-a.fr\r\n"), 5000)
	p, err := enrol.StoredPayload(ctx, st, file, enrol.PlanOptions{CourseIDs: []int64{7}})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(p)
	if len(raw) > 500 || p.FileSHA256 != enrol.FileSHA256(file) {
		t.Fatalf("payload is %d bytes (sha %s): the file travels in the job", len(raw), p.FileSHA256)
	}
	back, err := st.GetUpload(ctx, p.FileSHA256)
	if err != nil || !bytes.Equal(back, file) {
		t.Fatalf("stored file: %d bytes, %v", len(back), err)
	}
	if _, err := st.GetUpload(ctx, enrol.FileSHA256([]byte("other"))); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown file: %v", err)
	}
}
