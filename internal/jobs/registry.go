package jobs

import (
	"context"
	"fmt"
	"sort"
	"sync"
)

// Handler runs one job. Its result is stored as JSON when it returns nil.
// A returned error is retried (with backoff, up to the job's max attempts)
// only when failure.IsRetryable says so; anything else fails the job.
// Handlers must honour ctx: it is cancelled when the job is cancelled, its
// lease is lost, or the pool shuts down past its grace period.
type Handler func(ctx context.Context, run *Run) (result any, err error)

// Registry maps job kinds to handlers.
type Registry struct {
	mu       sync.RWMutex
	handlers map[string]Handler
	jobCtx   func(context.Context) context.Context
	retry    StepRetry
}

// SetStepRetry sets how every job's steps are run again in place after a
// retryable error (StepRetry), whichever pool runs them.
func (r *Registry) SetStepRetry(p StepRetry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.retry = p
}

func (r *Registry) stepRetry() StepRetry {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.retry
}

// SetJobContext sets what every job's context carries, whichever pool runs
// it (the daemon's or a CLI command's own): e.g. the Moodle read retry
// policy, so a served job and the same job run inline meet transient
// failures alike.
func (r *Registry) SetJobContext(fn func(context.Context) context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.jobCtx = fn
}

// jobContext derives a job's context from the pool's.
func (r *Registry) jobContext(ctx context.Context) context.Context {
	r.mu.RLock()
	fn := r.jobCtx
	r.mu.RUnlock()
	if fn == nil {
		return ctx
	}
	return fn(ctx)
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{handlers: map[string]Handler{}} }

// Register adds the handler of a kind. Registering a kind twice, an empty
// kind or a nil handler is a programming error and panics (like net/http).
func (r *Registry) Register(kind string, h Handler) {
	if kind == "" || h == nil {
		panic("jobs: Register needs a kind and a handler")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.handlers[kind]; dup {
		panic(fmt.Sprintf("jobs: handler for kind %q registered twice", kind))
	}
	r.handlers[kind] = instrument(h) // counted and timed for /metrics
}

// Lookup returns the handler of a kind.
func (r *Registry) Lookup(kind string) (Handler, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	h, ok := r.handlers[kind]
	return h, ok
}

// Kinds lists the registered kinds, sorted.
func (r *Registry) Kinds() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.handlers))
	for k := range r.handlers {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
