package jobs

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
)

// A simulated crash stops the attempt where it is and writes nothing
// more: the job stays running under its lease, keeps the checkpoints
// saved before the crash, and is resumed after them once the lease
// expires. A StepTx's writes die with it when it crashes before its
// commit.
func TestCrashAtACheckpointIsResumedAfterTheLease(t *testing.T) {
	st := storetest.SQLite(t)
	var skew atomic.Int64
	st.SetClock(func() time.Time { return time.Now().Add(time.Duration(skew.Load())) })
	var crashed atomic.Bool
	runsA, runsB := atomic.Int32{}, atomic.Int32{}
	reg := NewRegistry()
	reg.Register("crashy", func(ctx context.Context, run *Run) (any, error) {
		if err := run.Step("a", func(context.Context) (any, error) { runsA.Add(1); return "a", nil }, nil); err != nil {
			return nil, err
		}
		err := run.StepTx("b", func(ctx context.Context, tx *store.Tx) (any, error) {
			runsB.Add(1)
			_, err := tx.RecordAudit(ctx, store.AuditEntry{Actor: "t", Action: "crashy.b", JobID: run.ID()})
			return "b", err
		}, nil)
		return "done", err
	})
	opts := testOptions("w")
	opts.CrashAt = func(j store.Job, at CrashPoint) bool {
		// Dies twice: after a's checkpoint, then inside b's transaction.
		switch {
		case at == CrashPoint{Step: "a", Saved: true} && runsB.Load() == 0 && !crashed.Load():
			crashed.Store(true)
			return true
		case at == CrashPoint{Step: "b"} && runsB.Load() == 1:
			return true
		}
		return false
	}
	p := NewPool(st, reg, opts)
	q := NewQueue(st)
	q.OnSubmit(p.Notify)
	startPool(t, p)
	j := submit(t, q, Spec{Kind: "crashy"})
	expire := func(after string) {
		got, _ := st.GetJob(context.Background(), j.ID)
		if got.State != store.JobRunning {
			t.Fatalf("after the crash %s: job %s, want still running under its lease", after, got.State)
		}
		skew.Add(int64(opts.LeaseDuration + time.Second)) // the lease expires: the job is rescued
	}
	eventually(t, "crash after a's checkpoint", func() bool { return crashed.Load() && runsA.Load() == 1 })
	expire("after a's checkpoint")
	eventually(t, "b's first try", func() bool { return runsB.Load() == 1 })
	expire("inside b's transaction")
	done := waitJob(t, st, j.ID, store.JobSucceeded)
	if runsA.Load() != 1 || runsB.Load() != 2 || done.Attempts != 3 {
		t.Fatalf("step a ran %d times, b %d times, %d attempts; want 1, 2 (one rolled back) and 3", runsA.Load(), runsB.Load(), done.Attempts)
	}
	audits, err := st.ListAudit(context.Background(), store.AuditFilter{Action: "crashy.b"})
	if err != nil || len(audits) != 1 {
		t.Fatalf("step b's audit entries: %d (%v), want 1: the crashed transaction's is rolled back", len(audits), err)
	}
	if n, _ := st.ListAudit(context.Background(), store.AuditFilter{Action: "job.succeeded", JobID: j.ID}); len(n) != 1 {
		t.Fatalf("%d completion audit entries, want 1", len(n))
	}
}
