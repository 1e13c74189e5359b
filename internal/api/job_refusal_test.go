package api_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/refusal"
	"github.com/magistere/bridge/internal/store"
)

// A job that failed on a refusal answers GET /api/v1/jobs/{id} with the
// refusal's code and both reasons beside the error text, as a synchronous
// refusal's 409 does.
func TestFailedJobShowsItsRefusal(t *testing.T) {
	e := newEnv(t, nil)
	st := e.app.Store
	// A kind no pool handles: the test leases and fails it itself.
	j, _, err := st.EnqueueJob(e.ctx, store.NewJob{Kind: "test.refused", Domain: "ac-a", MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	leased, err := st.LeaseJobs(e.ctx, "test", 1, time.Minute, []string{"test.refused"})
	if err != nil || len(leased) != 1 {
		t.Fatalf("lease: %v, %d", err, len(leased))
	}
	r := refusal.New("metadata_incomplete", "métadonnées incomplètes : %s", "metadata incomplete: %s", "public")
	if err := st.FailJobRefused(e.ctx, leased[0].Lease(), r.Error(), r,
		store.AuditEntry{Actor: "test", Action: "job.failed", Target: j.Kind, JobID: j.ID, Outcome: "failed"}); err != nil {
		t.Fatal(err)
	}
	a := e.call("GET", fmt.Sprintf("/api/v1/jobs/%d", j.ID), "ac-a", secretA, 0, "", nil)
	if a.status != 200 {
		t.Fatalf("job status: %d %s", a.status, a.body)
	}
	m := a.json(t)
	got, _ := m["refusal"].(map[string]any)
	if m["state"] != "failed" || got["code"] != "metadata_incomplete" ||
		got["fr"] != "métadonnées incomplètes : public" || got["en"] != "metadata incomplete: public" || m["error"] == "" {
		t.Fatalf("failed job's status lacks its refusal: %s", a.body)
	}
}
