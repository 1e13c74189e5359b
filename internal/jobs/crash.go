package jobs

import (
	"errors"
	"fmt"
)

// CrashPoint is a place where a test may make a worker die (see
// PoolOptions.CrashAt): around each step's checkpoint, and before the
// job's completion is recorded.
type CrashPoint struct {
	// Step is the step's name; "" is the job's completion.
	Step string
	// Saved: after the step's checkpoint was saved. Otherwise the step's
	// effects are done (or, for StepTx, not committed) and its checkpoint
	// is not saved yet.
	Saved bool
}

func (c CrashPoint) String() string {
	switch {
	case c.Step == "":
		return "before completion"
	case c.Saved:
		return "after checkpoint " + c.Step
	}
	return "before checkpoint " + c.Step
}

// ErrCrashed is matched (errors.Is) by a simulated worker death.
var ErrCrashed = errors.New("jobs: simulated crash")

// crashedError is the simulated death of a worker at a crash point. It is
// retryable, so a handler that stops on retryable errors to resume later
// (a batch) passes it up instead of treating it as the course's failure.
type crashedError struct{ at CrashPoint }

func (e *crashedError) Error() string        { return fmt.Sprintf("jobs: simulated crash %s", e.at) }
func (e *crashedError) Is(target error) bool { return target == ErrCrashed }
func (e *crashedError) Retryable() bool      { return true }

func crashedAt(err error) bool { return errors.Is(err, ErrCrashed) }

// crash asks the test's hook whether the worker dies at this point. When
// it does, the run stops as its process would: the handler's context is
// cancelled, every later lease check and step fails, and the pool writes
// nothing more about this attempt (no progress, no outcome): the lease
// stays until it expires and the job is rescued.
func (r *Run) crash(at CrashPoint) error {
	if r.crashAt == nil || !r.crashAt(r.job, at) {
		return nil
	}
	err := &crashedError{at: at}
	r.fenceMu.Lock()
	if r.lost == nil {
		r.lost = err
	}
	r.fenceMu.Unlock()
	r.stop(err)
	return err
}
