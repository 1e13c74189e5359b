// Package fence carries a job's lease check in a context, so that code deep
// inside a handler (the Moodle client, before each call it sends) can refuse
// to act for a worker whose job was taken over by another one.
//
// Package jobs installs the check in every handler's context; package
// moodle calls Check before sending a request. The check is cheap while
// the lease is known to be fresh (a clock comparison) and asks the store
// only when it may have expired (a paused or slow worker).
package fence

import "context"

// Checker returns nil while the caller may still act for its job, and an
// error (wrapping store.ErrFenced when the job was leased again) otherwise.
type Checker func(ctx context.Context) error

type key struct{}

// With returns a context carrying check.
func With(ctx context.Context, check Checker) context.Context {
	return context.WithValue(ctx, key{}, check)
}

// Check runs the context's checker; nil when there is none (code running
// outside a job: the CLI, tests).
func Check(ctx context.Context) error {
	if check, ok := ctx.Value(key{}).(Checker); ok && check != nil {
		return check(ctx)
	}
	return nil
}
