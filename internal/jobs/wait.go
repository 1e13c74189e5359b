package jobs

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/magistere/bridge/internal/store"
)

// Wait reads a job until it ends, calling seen with each state read (for
// progress), and fails when it ends failed or cancelled. The state is read
// every 5 ms at first, doubling to 100 ms, and at once when wake fires (a
// pool of this process settled a run of it): a short job (a tracking sync
// from the database takes tens of milliseconds) must not wait a polling
// period. Another process may run the job: the reads still see that. One
// loop for the CLI's inline jobs and the demo.
func Wait(ctx context.Context, st *store.Store, id int64, wake <-chan struct{}, seen func(store.Job)) (store.Job, error) {
	wait := 5 * time.Millisecond
	for {
		j, err := st.GetJob(ctx, id)
		if err != nil {
			return j, err
		}
		if seen != nil {
			seen(j)
		}
		switch j.State {
		case store.JobSucceeded:
			return j, nil
		case store.JobFailed, store.JobCancelled:
			if j.Refusal != nil { // the refusal itself: callers show its code and reasons
				return j, fmt.Errorf("job %d %s: %w", j.ID, j.State, j.Refusal)
			}
			return j, &EndedError{ID: j.ID, State: j.State, LastError: j.LastError}
		}
		select {
		case <-ctx.Done():
			return j, ctx.Err()
		case <-time.After(wait):
		case <-wake: // this process ran it: read its outcome now
		}
		wait = min(2*wait, 100*time.Millisecond)
	}
}

// ProgressBar draws done/total as a bar of width cells and a percentage.
func ProgressBar(done, total, width int) string {
	if total <= 0 {
		return ""
	}
	done = max(0, min(done, total))
	full := done * width / total
	return fmt.Sprintf("[%s%s] %3d%%", strings.Repeat("#", full), strings.Repeat("-", width-full), done*100/total)
}

// EndedError is a job Wait saw end failed or cancelled without a refusal:
// its last error is the worker's text, for the log and `jobs show`.
type EndedError struct {
	ID        int64
	State     store.JobState
	LastError string
}

func (e *EndedError) Error() string { return fmt.Sprintf("job %d %s: %s", e.ID, e.State, e.LastError) }
