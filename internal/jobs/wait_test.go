package jobs_test

import (
	"context"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
)

// TestWaitSeesTheEnd: Wait reports each state read and returns the
// outcome; a cancelled job is an error naming it.
func TestWaitSeesTheEnd(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite(t)
	q := jobs.NewQueue(st)
	j, _, err := q.Submit(ctx, jobs.Spec{Kind: "test.wait"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.Cancel(ctx, j.ID, "test"); err != nil {
		t.Fatal(err)
	}
	seen := 0
	got, err := jobs.Wait(ctx, st, j.ID, nil, func(store.Job) { seen++ })
	if err == nil || !strings.Contains(err.Error(), "cancelled") || got.State != store.JobCancelled || seen != 1 {
		t.Errorf("Wait: %v, state %s, %d read(s)", err, got.State, seen)
	}
	for _, c := range []struct {
		done, total int
		want        string
	}{{0, 4, "[--------]   0%"}, {1, 4, "[##------]  25%"}, {9, 4, "[########] 100%"}} {
		if b := jobs.ProgressBar(c.done, c.total, 8); b != c.want {
			t.Errorf("ProgressBar(%d, %d) = %q, want %q", c.done, c.total, b, c.want)
		}
	}
}
