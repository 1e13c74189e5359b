package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/store"
	"github.com/rs/zerolog"
)

// Run is a handler's view of the job it runs.
type Run struct {
	job   store.Job
	st    *store.Store
	owner string
	ctx   context.Context
	stop  context.CancelCauseFunc
	log   zerolog.Logger

	stepsMu sync.Mutex
	steps   map[string]json.RawMessage

	progress progress
}

// progress keeps the latest reported values and writes them at most once
// per interval: handlers may report every row of a 10,000-row CSV.
type progress struct {
	mu        sync.Mutex
	writeMu   sync.Mutex // one write at a time, in order
	interval  time.Duration
	lastWrite time.Time
	pending   bool
	done      int
	total     int
	msg       string
}

func newRun(ctx context.Context, stop context.CancelCauseFunc, st *store.Store, job store.Job, owner string,
	steps map[string]json.RawMessage, log zerolog.Logger, progressInterval time.Duration) *Run {
	if steps == nil {
		steps = map[string]json.RawMessage{}
	}
	return &Run{job: job, st: st, owner: owner, ctx: ctx, stop: stop, steps: steps, log: log,
		progress: progress{interval: progressInterval}}
}

// Job returns the job as leased (attempts include this run).
func (r *Run) Job() store.Job { return r.job }

// ID, Kind, Domain and Attempt describe the job.
func (r *Run) ID() int64           { return r.job.ID }
func (r *Run) Kind() string        { return r.job.Kind }
func (r *Run) Domain() string      { return r.job.Domain }
func (r *Run) Attempt() int        { return r.job.Attempts }
func (r *Run) RequestedBy() string { return r.job.RequestedBy }

// Context is the handler's context (also passed to the handler).
func (r *Run) Context() context.Context { return r.ctx }

// Logger is a logger carrying the job's id, kind, domain and attempt.
func (r *Run) Logger() *zerolog.Logger { return &r.log }

// Decode unmarshals the job's payload into v. A payload that does not fit
// is a permanent error: retrying cannot fix it.
func (r *Run) Decode(v any) error {
	if err := json.Unmarshal(r.job.Payload, v); err != nil {
		return failure.Permanent(fmt.Errorf("jobs: decode payload of job %d (%s): %w", r.job.ID, r.job.Kind, err))
	}
	return nil
}

// Step runs fn once per job, checkpointed under name. If an earlier attempt
// already finished the step, fn is skipped and the saved result is decoded
// into out (out may be nil). Otherwise fn runs, its result is saved, and
// decoded into out the same way, so both paths give identical values.
// Steps must be idempotent up to their checkpoint: a crash between fn and
// the save re-runs fn on the next attempt.
func (r *Run) Step(name string, fn func(ctx context.Context) (any, error), out any) error {
	r.stepsMu.Lock()
	saved, done := r.steps[name]
	r.stepsMu.Unlock()
	if done {
		r.log.Debug().Str("step", name).Msg("step already done, skipped")
		return decodeStep(name, saved, out)
	}
	if err := r.ctx.Err(); err != nil {
		return fmt.Errorf("jobs: step %s: %w", name, context.Cause(r.ctx))
	}
	res, err := fn(r.ctx)
	if err != nil {
		return fmt.Errorf("jobs: step %s: %w", name, err)
	}
	raw, err := json.Marshal(res)
	if err != nil {
		return failure.Permanent(fmt.Errorf("jobs: step %s: encode result: %w", name, err))
	}
	if err := r.st.SaveStep(r.ctx, r.job.ID, name, raw); err != nil {
		return fmt.Errorf("jobs: step %s: checkpoint: %w", name, err)
	}
	r.stepsMu.Lock()
	r.steps[name] = raw
	r.stepsMu.Unlock()
	return decodeStep(name, raw, out)
}

func decodeStep(name string, raw json.RawMessage, out any) error {
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return failure.Permanent(fmt.Errorf("jobs: step %s: decode saved result: %w", name, err))
	}
	return nil
}

// Progress reports how far the job went. Writes are throttled; the last
// values are always written before the job finishes. If the job was
// cancelled or its lease lost, the handler's context is cancelled.
func (r *Run) Progress(done, total int, msg string) {
	p := &r.progress
	p.mu.Lock()
	p.done, p.total, p.msg, p.pending = done, total, msg, true
	due := time.Since(p.lastWrite) >= p.interval
	p.mu.Unlock()
	if due {
		r.flushProgress(r.ctx)
	}
}

// flushProgress writes pending progress, if any.
func (r *Run) flushProgress(ctx context.Context) {
	p := &r.progress
	p.writeMu.Lock()
	defer p.writeMu.Unlock()
	p.mu.Lock()
	if !p.pending {
		p.mu.Unlock()
		return
	}
	done, total, msg := p.done, p.total, p.msg
	p.pending, p.lastWrite = false, time.Now()
	p.mu.Unlock()
	err := r.st.UpdateProgress(ctx, r.job.ID, r.owner, done, total, msg)
	switch {
	case err == nil:
	case errors.Is(err, store.ErrCancelled), errors.Is(err, store.ErrLeaseLost):
		r.stop(err)
	default:
		r.log.Warn().Err(err).Msg("progress not saved")
	}
}
