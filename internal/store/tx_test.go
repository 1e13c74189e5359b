package store_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/refusal"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
)

// A course change is its state, its trail entry and its audit entry:
// when any of the three cannot be written, none is.
func TestCourseChangeIsOneTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		ok := store.CourseChange{State: store.CourseState{Domain: "ac-a", CourseID: 5, State: "gabarit"},
			Trail: store.CourseTransition{Actor: "t", Transition: "adopt"},
			Audit: &store.AuditEntry{Actor: "t", Domain: "ac-a", Action: "workflow.adopt", Target: "course:5", Outcome: "gabarit"}}
		if err := s.ChangeCourse(ctx, ok); err != nil {
			t.Fatal(err)
		}
		// The audit entry is invalid (no actor): the state must stay
		// gabarit and the trail keep one entry.
		bad := store.CourseChange{State: store.CourseState{Domain: "ac-a", CourseID: 5, State: "parcours_construction"},
			Trail: store.CourseTransition{Actor: "t", Transition: "create-parcours", From: "gabarit"},
			Audit: &store.AuditEntry{Action: "workflow.create-parcours"}}
		if err := s.ChangeCourse(ctx, bad); err == nil {
			t.Fatal("a change with an invalid audit entry was accepted")
		}
		if cs, err := s.GetCourseState(ctx, "ac-a", 5); err != nil || cs.State != "gabarit" {
			t.Fatalf("state after a failed change = %+v, %v; want gabarit", cs, err)
		}
		if trail, err := s.ListTransitions(ctx, "ac-a", 5); err != nil || len(trail) != 1 || trail[0].To != "gabarit" {
			t.Fatalf("trail after a failed change = %+v, %v; want the adopt entry only", trail, err)
		}
		// An invalid trail entry (no transition) keeps the state and writes no audit.
		bad = store.CourseChange{State: store.CourseState{Domain: "ac-a", CourseID: 5, State: "corbeille"},
			Audit: &store.AuditEntry{Actor: "t", Action: "workflow.trash"}}
		if err := s.ChangeCourse(ctx, bad); err == nil {
			t.Fatal("a change without a trail entry was accepted")
		}
		if cs, _ := s.GetCourseState(ctx, "ac-a", 5); cs.State != "gabarit" {
			t.Fatalf("state = %s, want gabarit", cs.State)
		}
		if a, err := s.ListAudit(ctx, store.AuditFilter{Target: "course:5"}); err != nil || len(a) != 1 {
			t.Fatalf("audit = %+v, %v; want the adopt entry only", a, err)
		}
	})
}

// A step's store writes and its checkpoint are one transaction, fenced by
// the lease: a worker whose job was leased again writes nothing at all.
func TestTxStepIsFenced(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		enqueue(t, s, store.NewJob{Kind: "workflow.open", Domain: "ac-a"})
		first := leaseOne(t, s, "w1")
		write := func(l store.Lease, state string) error {
			return s.InTx(ctx, "step", func(tx *store.Tx) error {
				if err := tx.ChangeCourse(ctx, store.CourseChange{State: store.CourseState{Domain: "ac-a", CourseID: 9, State: state},
					Trail: store.CourseTransition{Actor: "t", Transition: "open", JobID: l.JobID},
					Audit: &store.AuditEntry{Actor: "t", Action: "workflow.open", Target: "course:9", JobID: l.JobID}}); err != nil {
					return err
				}
				return tx.SaveStep(ctx, l, "record", json.RawMessage(`"`+state+`"`))
			})
		}
		// The first lease expires; another worker takes the job over.
		s.SetClock(func() time.Time { return time.Now().Add(time.Minute) })
		defer s.SetClock(nil)
		second := leaseOne(t, s, "w2")
		if err := write(first.Lease(), "stale"); !errors.Is(err, store.ErrFenced) {
			t.Fatalf("stale holder's step: err = %v, want ErrFenced", err)
		}
		if _, err := s.GetCourseState(ctx, "ac-a", 9); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the fenced step wrote a state: %v", err)
		}
		if a, _ := s.ListAudit(ctx, store.AuditFilter{Target: "course:9"}); len(a) != 0 {
			t.Fatalf("the fenced step wrote %d audit entries", len(a))
		}
		if err := write(second.Lease(), "session_en_cours"); err != nil {
			t.Fatal(err)
		}
		steps, err := s.Steps(ctx, second.ID)
		if err != nil || string(steps["record"]) != `"session_en_cours"` {
			t.Fatalf("steps = %v, %v", steps, err)
		}
		if cs, _ := s.GetCourseState(ctx, "ac-a", 9); cs.State != "session_en_cours" {
			t.Fatalf("state = %+v", cs)
		}
	})
}

// A job's success (or failure) and its audit entry are one transaction,
// under the lease's fencing condition: both or neither.
func TestJobOutcomeAndAuditAreOneTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		audit := func(j store.Job, action string) store.AuditEntry {
			return store.AuditEntry{Actor: "w", Action: action, Target: j.Kind, JobID: j.ID, Outcome: "ok"}
		}
		count := func(id int64, action string) int {
			a, err := s.ListAudit(ctx, store.AuditFilter{JobID: id, Action: action})
			if err != nil {
				t.Fatal(err)
			}
			return len(a)
		}
		enqueue(t, s, store.NewJob{Kind: "noop", IdempotencyKey: "a"})
		a := leaseOne(t, s, "w")
		// An audit entry that cannot be written keeps the job running.
		if err := s.CompleteJobAudited(ctx, a.Lease(), nil, store.AuditEntry{}); err == nil {
			t.Fatal("completion with an invalid audit entry was accepted")
		}
		if j, _ := s.GetJob(ctx, a.ID); j.State != store.JobRunning {
			t.Fatalf("job %s after a failed completion, want running", j.State)
		}
		if err := s.CompleteJobAudited(ctx, a.Lease(), json.RawMessage(`1`), audit(a, "job.succeeded")); err != nil {
			t.Fatal(err)
		}
		if j, _ := s.GetJob(ctx, a.ID); j.State != store.JobSucceeded || count(a.ID, "job.succeeded") != 1 {
			t.Fatalf("job %s with %d completion audits, want succeeded with 1", j.State, count(a.ID, "job.succeeded"))
		}
		// A second completion (a stale retry) writes no second entry.
		if err := s.CompleteJobAudited(ctx, a.Lease(), nil, audit(a, "job.succeeded")); !errors.Is(err, store.ErrLeaseLost) {
			t.Fatalf("second completion: err = %v, want ErrLeaseLost", err)
		}
		if n := count(a.ID, "job.succeeded"); n != 1 {
			t.Fatalf("%d completion audits after a second completion, want 1", n)
		}

		enqueue(t, s, store.NewJob{Kind: "noop", IdempotencyKey: "b"})
		b := leaseOne(t, s, "w")
		s.SetClock(func() time.Time { return time.Now().Add(time.Minute) })
		defer s.SetClock(nil)
		b2 := leaseOne(t, s, "w2")
		for op, err := range map[string]error{
			"complete": s.CompleteJobAudited(ctx, b.Lease(), nil, audit(b, "job.succeeded")),
			"fail":     s.FailJobAudited(ctx, b.Lease(), "boom", audit(b, "job.failed")),
		} {
			if !errors.Is(err, store.ErrFenced) {
				t.Errorf("stale %s: err = %v, want ErrFenced", op, err)
			}
		}
		if count(b.ID, "") != 0 {
			t.Fatalf("fenced outcomes wrote audit entries")
		}
		if err := s.FailJobAudited(ctx, b2.Lease(), "boom", audit(b2, "job.failed")); err != nil {
			t.Fatal(err)
		}
		if j, _ := s.GetJob(ctx, b.ID); j.State != store.JobFailed || count(b.ID, "job.failed") != 1 {
			t.Fatalf("job %s with %d failure audits, want failed with 1", j.State, count(b.ID, "job.failed"))
		}
	})
}

// A job failed on a refusal keeps the refusal (code and both reasons)
// with its failure, in the same transaction as its audit entry; a retry
// forgets it.
func TestFailedJobKeepsItsRefusal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		enqueue(t, s, store.NewJob{Kind: "noop"})
		j := leaseOne(t, s, "w")
		r := refusal.New("wrong_state", "pas depuis « %s »", "not from %s", "Gabarit")
		if err := s.FailJobRefused(ctx, j.Lease(), r.Error(), r,
			store.AuditEntry{Actor: "w", Action: "job.failed", Target: j.Kind, JobID: j.ID, Outcome: "failed"}); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetJob(ctx, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != store.JobFailed || got.Refusal == nil || *got.Refusal != *r {
			t.Fatalf("failed job: state %s, refusal %+v, want %+v", got.State, got.Refusal, r)
		}
		if list, _ := s.ListJobs(ctx, store.JobFilter{}); len(list) != 1 || list[0].Refusal == nil || list[0].Refusal.Code != "wrong_state" {
			t.Fatalf("listed jobs lose the refusal: %+v", list)
		}
		if _, err := s.RetryJob(ctx, j.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ = s.GetJob(ctx, j.ID); got.Refusal != nil {
			t.Fatalf("a retried job still carries its refusal: %+v", got.Refusal)
		}
	})
}
