// Package failure gives every error that crosses a system boundary a verdict:
// retryable (try again later, the same request may succeed) or permanent
// (retrying cannot help; fail fast and say why).
//
// An error carries its verdict by implementing Retryable() bool anywhere in
// its chain (errors.As). Errors without a verdict are treated as permanent,
// so an unclassified bug never loops forever in the job queue.
package failure

import (
	"context"
	"errors"
)

// Classified is implemented by errors that know whether a retry may succeed.
type Classified interface {
	error
	Retryable() bool
}

// IsRetryable reports whether err, or an error it wraps, is retryable.
// A context deadline is retryable (the next attempt gets a fresh deadline);
// a cancellation is not (someone asked us to stop).
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	var c Classified
	if errors.As(err, &c) {
		return c.Retryable()
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	return false
}

// IsPermanent is the negation of IsRetryable for non-nil errors.
func IsPermanent(err error) bool { return err != nil && !IsRetryable(err) }

type verdict struct {
	err       error
	retryable bool
}

func (v *verdict) Error() string   { return v.err.Error() }
func (v *verdict) Unwrap() error   { return v.err }
func (v *verdict) Retryable() bool { return v.retryable }

// Retryable marks err as worth retrying. nil stays nil.
func Retryable(err error) error {
	if err == nil {
		return nil
	}
	return &verdict{err: err, retryable: true}
}

// Permanent marks err as not worth retrying. nil stays nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &verdict{err: err, retryable: false}
}
