package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/metrics"
	"github.com/magistere/bridge/internal/store"
)

// instrument wraps a handler so each run is counted by kind, domain and
// outcome, and timed (metrics.JobRun). The outcome says what the pool will
// make of the run: retried while attempts remain for a retryable error,
// failed otherwise.
func instrument(h Handler) Handler {
	return func(ctx context.Context, run *Run) (result any, err error) {
		start := time.Now()
		panicked := true
		defer func() {
			outcome := runOutcome(ctx, run, err, panicked)
			metrics.JobRun(run.Kind(), run.Domain(), outcome, time.Since(start))
		}()
		result, err = h(ctx, run)
		panicked = false
		return result, err
	}
}

func runOutcome(ctx context.Context, run *Run, err error, panicked bool) string {
	cause := context.Cause(ctx)
	switch {
	case panicked:
		return metrics.OutcomeFailed
	case errors.Is(cause, store.ErrCancelled):
		return metrics.OutcomeCancelled
	case errors.Is(cause, store.ErrLeaseLost), errors.Is(err, store.ErrLeaseLost):
		return metrics.OutcomeLeaseLost
	case err == nil:
		return metrics.OutcomeSucceeded
	case errors.Is(cause, errShutdown):
		return metrics.OutcomeReleased
	case failure.IsRetryable(err) && run.Job().Attempts < run.Job().MaxAttempts:
		return metrics.OutcomeRetried
	}
	return metrics.OutcomeFailed
}
