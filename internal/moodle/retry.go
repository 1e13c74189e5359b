package moodle

import (
	"context"
	"strings"
	"time"

	"github.com/magistere/bridge/internal/failure"
)

// ReadRetry is how a read (a function that only reads: *_get_*, *_search_*)
// is repeated after a transient failure: a 5xx, a timeout, a reset
// connection, a database or lock error Moodle reports as such (the error's
// Retryable verdict, errors.go). Permanent errors (bad token, missing
// function, invalid parameter) are never retried. Reads are safe to repeat;
// writes are not retried here (their callers look the object up first).
// The delays are failure.Backoff's: full jitter, doubling from Base up to
// Max.
type ReadRetry struct {
	Attempts int           // calls in all, including the first; default 8
	Base     time.Duration // bound of the first delay; default 200ms
	Max      time.Duration // bound of any delay; default 5s
	Rand     func() float64
}

func (r ReadRetry) withDefaults() ReadRetry {
	if r.Attempts <= 0 {
		r.Attempts = 8
	}
	if r.Base <= 0 {
		r.Base = 200 * time.Millisecond
	}
	if r.Max <= 0 {
		r.Max = 5 * time.Second
	}
	return r
}

type readRetryKey struct{}

// WithReadRetry makes every read called with the returned context (or one
// derived from it) retry transient failures under policy r. Planning (the
// CLI's `bridge enrol`, `domains bootstrap`, a job's plan step) reads a
// great deal before it writes anything: one 503 must not fail it.
func WithReadRetry(ctx context.Context, r ReadRetry) context.Context {
	return context.WithValue(ctx, readRetryKey{}, r.withDefaults())
}

// IsRead reports whether a web-service function only reads.
func IsRead(function string) bool {
	return strings.Contains(function, "_get_") || strings.Contains(function, "_search_") || function == FnFindUsers
}

// idempotentWrites are the writes Moodle itself makes idempotent: sending
// one again after an answer was lost (a 500 after the commit, a reset)
// changes nothing more. Enrolling someone already enrolled the same way
// updates nothing; adding a member again is a no-op (groups.go);
// local_bridge_create_enrol_users finds the accounts it made by username
// and leaves their enrolments alone (bulk.go).
var idempotentWrites = map[string]bool{fnEnrolUsers: true, fnAddGroupMembers: true, FnCreateEnrolUsers: true}

// IsRepeatable reports whether a function may be sent again after a
// transient failure without a look-up first: a read, or an idempotent
// write.
func IsRepeatable(function string) bool { return IsRead(function) || idempotentWrites[function] }

// Call runs one web-service function and decodes its JSON answer into out
// (nil to ignore it). Moodle exceptions come back as *Error. Under
// WithReadRetry a read, or an idempotent write, is repeated after a
// transient failure.
func (c *Client) Call(ctx context.Context, function string, params Params, out any) error {
	if _, ok := ctx.Value(readRetryKey{}).(ReadRetry); !ok || !IsRepeatable(function) {
		return c.callOnce(ctx, function, params, out)
	}
	return c.RetryTransient(ctx, function, func(int) error { return c.callOnce(ctx, function, params, out) })
}

// RetryTransient runs fn, a unit of work safe to repeat (a read, an
// idempotent write, a creation that looks its objects up by natural key
// before making the missing ones), again after a transient failure, under
// ctx's WithReadRetry policy; without one, once. fn receives its attempt
// number (1 the first time); the last error is returned. Each repetition
// is logged as a warning naming what (a function, a chunk): operators see
// a site failing even when the retry hides it.
func (c *Client) RetryTransient(ctx context.Context, what string, fn func(attempt int) error) error {
	r, ok := ctx.Value(readRetryKey{}).(ReadRetry)
	if !ok {
		return fn(1)
	}
	for attempt := 1; ; attempt++ {
		err := fn(attempt)
		if err == nil || !failure.IsRetryable(err) || attempt >= r.Attempts || ctx.Err() != nil {
			return err
		}
		c.log.Warn().Str("function", what).Int("attempt", attempt).Str("error", c.redact(err.Error())).
			Msg("moodle call failed, sending it again")
		timer := time.NewTimer(failure.Backoff(attempt, r.Base, r.Max, r.Rand))
		select {
		case <-ctx.Done():
			timer.Stop()
			return err
		case <-timer.C:
		}
	}
}
