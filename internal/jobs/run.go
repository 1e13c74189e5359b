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
	lease store.Lease
	ctx   context.Context
	stop  context.CancelCauseFunc
	log   zerolog.Logger

	// The lease check (CheckLease): validUntil is when, by this process's
	// clock, the lease may have expired; lost is set once the lease is
	// known lost (fenced or cancelled), and every later check returns it.
	fenceMu    sync.Mutex
	now        func() time.Time // the pool's clock (the store's by default)
	leaseDur   time.Duration
	validUntil time.Time
	lost       error
	onLost     func(op string, err error)

	stepsMu   sync.Mutex
	steps     map[string]json.RawMessage
	stepRetry StepRetry

	progress progress

	// crashAt is PoolOptions.CrashAt (tests only).
	crashAt func(store.Job, CrashPoint) bool
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

// runLease is how a Run holds its job: the lease, its duration, and when
// it was taken (by this process's clock, before the lease request left).
type runLease struct {
	lease    store.Lease
	duration time.Duration
	takenAt  time.Time
	now      func() time.Time
}

func newRun(ctx context.Context, stop context.CancelCauseFunc, st *store.Store, job store.Job, rl runLease,
	steps map[string]json.RawMessage, log zerolog.Logger, progressInterval time.Duration) *Run {
	if steps == nil {
		steps = map[string]json.RawMessage{}
	}
	r := &Run{job: job, st: st, lease: rl.lease, ctx: ctx, stop: stop, steps: steps, log: log,
		leaseDur: rl.duration, now: rl.now, progress: progress{interval: progressInterval}}
	if r.now == nil {
		r.now = time.Now
	}
	r.renewed(rl.takenAt)
	return r
}

// leaseMargin is kept between the lease's expiry by this process's clock
// and the last moment CheckLease trusts it without asking the store: the
// other replicas' clocks may run a little ahead.
func leaseMargin(d time.Duration) time.Duration { return d / 5 }

// renewed records a successful lease or renewal requested at start.
func (r *Run) renewed(start time.Time) {
	r.fenceMu.Lock()
	defer r.fenceMu.Unlock()
	if until := start.Add(r.leaseDur - leaseMargin(r.leaseDur)); until.After(r.validUntil) {
		r.validUntil = until
	}
}

// CheckLease returns nil while this worker still holds the job's lease. It
// is a clock comparison while the lease is fresh; once it may have expired
// (the process was paused, or the store was slow to answer renewals) it
// renews the lease in the store, conditionally on its fencing token. When
// the job was leased again meanwhile the error wraps ErrFenced (and
// store.ErrLeaseLost); when an operator cancelled it, store.ErrCancelled.
// Either way the handler's context is cancelled, the event logged once,
// and every later check fails the same way. Other errors (store down) are
// returned as they are: act only on nil.
//
// The handler's context carries this check (package fence), so the
// Moodle client runs it before every request; Step runs it before each
// step. Handlers call it before any other effect outside the store.
func (r *Run) CheckLease(ctx context.Context) error {
	r.fenceMu.Lock()
	defer r.fenceMu.Unlock()
	if r.lost != nil {
		return r.lost
	}
	if r.now().Before(r.validUntil) {
		return nil
	}
	start := r.now()
	rctx, cancel := context.WithTimeout(ctx, max(r.leaseDur/3, time.Second))
	err := r.st.RenewLease(rctx, r.lease, r.leaseDur)
	cancel()
	if err == nil {
		if until := start.Add(r.leaseDur - leaseMargin(r.leaseDur)); until.After(r.validUntil) {
			r.validUntil = until
		}
		return nil
	}
	if lostLease(err) {
		r.loseLocked("lease check", err)
		return r.lost
	}
	return fmt.Errorf("jobs: job %d: cannot check the lease: %w", r.job.ID, err)
}

// lostLease reports a store answer meaning the lease is gone for good.
func lostLease(err error) bool {
	return errors.Is(err, store.ErrLeaseLost) || errors.Is(err, store.ErrCancelled)
}

// lose records that the lease is gone (err from the store: fenced, lost or
// cancelled) and stops the handler.
func (r *Run) lose(op string, err error) {
	r.fenceMu.Lock()
	defer r.fenceMu.Unlock()
	r.loseLocked(op, err)
}

func (r *Run) loseLocked(op string, err error) {
	if r.lost != nil {
		return
	}
	if errors.Is(err, store.ErrCancelled) {
		r.lost = err
	} else {
		r.lost = &FencedError{JobID: r.job.ID, Kind: r.job.Kind, Token: r.lease.Token, Op: op, Err: err}
	}
	r.stop(r.lost)
	if r.onLost != nil {
		r.onLost(op, err)
	}
}

// Lost returns why the run lost its lease (nil while it holds it).
func (r *Run) Lost() error {
	r.fenceMu.Lock()
	defer r.fenceMu.Unlock()
	return r.lost
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

// Lease is the lease the job runs under (its fencing token included).
func (r *Run) Lease() store.Lease { return r.lease }

// Step runs fn once per job, checkpointed under name. If an earlier attempt
// already finished the step, fn is skipped and the saved result is decoded
// into out (out may be nil). Otherwise fn runs, its result is saved, and
// decoded into out the same way, so both paths give identical values.
// Steps must be idempotent up to their checkpoint: a crash between fn and
// the save re-runs fn on the next attempt.
func (r *Run) Step(name string, fn func(ctx context.Context) (any, error), out any) error {
	if done, err := r.startStep(name, out); done || err != nil {
		return err
	}
	res, err := r.runStep(name, fn)
	if err != nil {
		return fmt.Errorf("jobs: step %s: %w", name, err)
	}
	raw, err := json.Marshal(res)
	if err != nil {
		return failure.Permanent(fmt.Errorf("jobs: step %s: encode result: %w", name, err))
	}
	if err := r.crash(CrashPoint{Step: name}); err != nil {
		return fmt.Errorf("jobs: step %s: %w", name, err)
	}
	if err := r.st.SaveStep(r.ctx, r.lease, name, raw); err != nil {
		if lostLease(err) {
			r.lose("checkpoint "+name, err)
			return fmt.Errorf("jobs: step %s: checkpoint: %w", name, r.Lost())
		}
		return fmt.Errorf("jobs: step %s: checkpoint: %w", name, err)
	}
	return r.finishStep(name, raw, out)
}

// startStep is how Step and StepTx begin: a step an earlier attempt
// finished is skipped (done, its saved result decoded into out); a
// cancelled run, or a worker whose job was taken over, stops here, before
// the step's effects.
func (r *Run) startStep(name string, out any) (done bool, err error) {
	r.stepsMu.Lock()
	saved, ok := r.steps[name]
	r.stepsMu.Unlock()
	if ok {
		r.log.Debug().Str("step", name).Msg("step already done, skipped")
		return true, decodeStep(name, saved, out)
	}
	if err := r.ctx.Err(); err != nil {
		return false, fmt.Errorf("jobs: step %s: %w", name, context.Cause(r.ctx))
	}
	if err := r.CheckLease(r.ctx); err != nil {
		return false, fmt.Errorf("jobs: step %s: %w", name, err)
	}
	return false, nil
}

// finishStep is how Step and StepTx end once the checkpoint is saved: the
// result is remembered for this attempt and decoded into out, so a fresh
// and a skipped step give identical values.
func (r *Run) finishStep(name string, raw json.RawMessage, out any) error {
	r.stepsMu.Lock()
	r.steps[name] = raw
	r.stepsMu.Unlock()
	if err := r.crash(CrashPoint{Step: name, Saved: true}); err != nil {
		return fmt.Errorf("jobs: step %s: %w", name, err)
	}
	return decodeStep(name, raw, out)
}

// StepTx is Step for a step whose effects are writes to the store: fn
// makes them through tx, and its checkpoint is saved in the same
// transaction, fenced by the lease. A crash leaves the writes and the
// checkpoint together or neither, so the step happens exactly once. fn
// must touch the store only through tx (see store.Tx).
func (r *Run) StepTx(name string, fn func(ctx context.Context, tx *store.Tx) (any, error), out any) error {
	if done, err := r.startStep(name, out); done || err != nil {
		return err
	}
	var raw json.RawMessage
	err := r.st.InTx(r.ctx, "step "+name, func(tx *store.Tx) error {
		res, err := fn(r.ctx, tx)
		if err != nil {
			return err
		}
		if raw, err = json.Marshal(res); err != nil {
			return failure.Permanent(fmt.Errorf("encode result: %w", err))
		}
		// A crash here dies before the commit: nothing of the step stays.
		if err := r.crash(CrashPoint{Step: name}); err != nil {
			return err
		}
		return tx.SaveStep(r.ctx, r.lease, name, raw)
	})
	if err != nil {
		if lostLease(err) {
			r.lose("checkpoint "+name, err)
			return fmt.Errorf("jobs: step %s: checkpoint: %w", name, r.Lost())
		}
		return fmt.Errorf("jobs: step %s: %w", name, err)
	}
	return r.finishStep(name, raw, out)
}

// StepRetry is how a step that failed with a retryable error is run
// again in place, before the job's own retry (which costs an attempt and
// waits the job's backoff): steps are idempotent up to their checkpoint
// (Step), so running one again is what the next attempt would do, minus
// the wait. Zero Attempts: no retry in place.
type StepRetry struct {
	Attempts int           // runs of fn in all, including the first
	Base     time.Duration // bound of the first delay
	Max      time.Duration // bound of any delay
}

// runStep runs fn, again while it fails with a retryable error, the
// policy allows, and the lease still holds.
func (r *Run) runStep(name string, fn func(ctx context.Context) (any, error)) (any, error) {
	p := r.stepRetry
	for try := 1; ; try++ {
		res, err := fn(r.ctx)
		if err == nil || !failure.IsRetryable(err) || try >= p.Attempts || r.ctx.Err() != nil || crashedAt(err) {
			return res, err
		}
		delay := failure.Backoff(try, p.Base, p.Max, nil)
		r.log.Warn().Str("step", name).Int("try", try).Dur("retry_in", delay).Str("error", err.Error()).
			Msg("step failed, running it again in place")
		select {
		case <-r.ctx.Done():
			return res, err
		case <-time.After(delay):
		}
		if lerr := r.CheckLease(r.ctx); lerr != nil {
			return nil, lerr
		}
	}
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
	err := r.st.UpdateProgress(ctx, r.lease, done, total, msg)
	switch {
	case err == nil:
	case lostLease(err):
		r.lose("progress", err)
	default:
		r.log.Warn().Err(err).Msg("progress not saved")
	}
}
