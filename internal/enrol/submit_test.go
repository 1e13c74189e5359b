package enrol

import (
	"context"
	"testing"

	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/store"
)

// fakeQueue keeps jobs by key like the store: a key is unique forever.
type fakeQueue struct {
	byKey map[string]store.Job
	next  int64
}

func (q *fakeQueue) Submit(_ context.Context, spec jobs.Spec) (store.Job, bool, error) {
	if j, ok := q.byKey[spec.Key]; ok {
		return j, false, nil
	}
	q.next++
	j := store.Job{ID: q.next, IdempotencyKey: spec.Key, State: store.JobQueued}
	q.byKey[spec.Key] = j
	return j, true, nil
}

func (q *fakeQueue) finish(id int64, st store.JobState) {
	for k, j := range q.byKey {
		if j.ID == id {
			j.State = st
			q.byKey[k] = j
		}
	}
}

func TestSubmitApplyReusesOnlyUnfinishedJobs(t *testing.T) {
	ctx := context.Background()
	q := &fakeQueue{byKey: map[string]store.Job{}}
	spec := jobs.Spec{Kind: KindApply, Key: "k"}
	first, created, err := SubmitApply(ctx, q, spec)
	if err != nil || !created || first.ID != 1 {
		t.Fatalf("first submission: %+v %v %v", first, created, err)
	}
	// Submitted again while queued: the same job.
	if j, created, _ := SubmitApply(ctx, q, spec); created || j.ID != 1 {
		t.Fatalf("while queued: %+v created=%v", j, created)
	}
	// Once it succeeded, the same file with work pending is a new job,
	// and so on after that one finishes (failed or cancelled too).
	q.finish(1, store.JobSucceeded)
	second, created, _ := SubmitApply(ctx, q, spec)
	if !created || second.ID != 2 || second.IdempotencyKey != "k#after-1" {
		t.Fatalf("after success: %+v created=%v", second, created)
	}
	q.finish(2, store.JobCancelled)
	third, created, _ := SubmitApply(ctx, q, spec)
	if !created || third.ID != 3 || third.IdempotencyKey != "k#after-2" {
		t.Fatalf("after a cancelled rerun: %+v created=%v", third, created)
	}
	if j, created, _ := SubmitApply(ctx, q, spec); created || j.ID != 3 {
		t.Fatalf("the rerun while queued: %+v created=%v", j, created)
	}
}
