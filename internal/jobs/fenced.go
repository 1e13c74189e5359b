package jobs

import (
	"errors"
	"fmt"

	"github.com/magistere/bridge/internal/store"
)

// ErrFenced is what a worker gets once its job was leased again by another
// worker (its lease expired while it was paused, slow or cut off from the
// store): every write it tries for the job is refused and it must stop.
// It is store.ErrFenced, so errors.Is matches either name, and also
// store.ErrLeaseLost.
var ErrFenced = store.ErrFenced

// FencedError says which job and which write was fenced. It unwraps to the
// store's error, so errors.Is(err, ErrFenced) and errors.Is(err,
// store.ErrLeaseLost) hold.
type FencedError struct {
	JobID int64
	Kind  string
	Token int64  // the fencing token this worker held
	Op    string // what was refused: "lease check", "checkpoint NAME", "progress", "complete"...
	Err   error
}

func (e *FencedError) Error() string {
	return fmt.Sprintf("jobs: job %d (%s) taken over by another worker (lease token %d superseded): %s refused, the worker stops: %v",
		e.JobID, e.Kind, e.Token, e.Op, e.Err)
}

func (e *FencedError) Unwrap() error { return e.Err }

// Retryable is false: this worker must not try again; the job's new holder
// carries on.
func (e *FencedError) Retryable() bool { return false }

// IsFenced reports whether err means the worker lost its job to another
// worker (a fenced write, or a lease found taken over).
func IsFenced(err error) bool { return errors.Is(err, store.ErrFenced) }
