package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/fence"
	"github.com/magistere/bridge/internal/metrics"
	"github.com/magistere/bridge/internal/refusal"
	"github.com/magistere/bridge/internal/store"
	"github.com/rs/zerolog"
)

// PoolOptions configure a Pool. Zero values take the documented defaults.
type PoolOptions struct {
	Owner            string        // lease owner id; default hostname-pid-random
	Concurrency      int           // handlers running at once; default 4
	LeaseDuration    time.Duration // default 30s, renewed every third of it
	PollInterval     time.Duration // idle polling period; default 1s
	BaseBackoff      time.Duration // first retry delay bound; default 2s
	MaxBackoff       time.Duration // retry delay bound; default 10m
	ShutdownGrace    time.Duration // time running handlers get to finish at shutdown; default 10s
	ProgressInterval time.Duration // minimum time between progress writes; default 250ms
	ErrorLogPeriod   time.Duration // identical loop errors logged once per period; default 30s
	Kinds            []string      // kinds to lease; default every registered kind
	Logger           zerolog.Logger
	Now              func() time.Time // clock for retry times; default the store's clock
	Rand             func() float64   // jitter source in [0,1); default math/rand
	// Settled, when set, is called with a job's id once this pool has
	// recorded the outcome of one of its runs (succeeded, failed, retry
	// planned, released): a CLI running a job in its own process learns
	// it at once instead of at its next read of the job.
	Settled func(jobID int64)
	// CrashAt, for tests only, simulates the worker's death: it is asked
	// before and after each step's checkpoint and before the job's
	// completion; when it answers true the attempt stops there and writes
	// nothing more, as a killed process would. Its lease stays until it
	// expires (advance the store's clock) and the job is rescued.
	CrashAt func(j store.Job, at CrashPoint) bool
}

func (o *PoolOptions) setDefaults(st *store.Store) {
	if o.Owner == "" {
		o.Owner = DefaultOwner()
	}
	setDefault(&o.Concurrency, 4)
	setDefault(&o.LeaseDuration, 30*time.Second)
	setDefault(&o.PollInterval, time.Second)
	setDefault(&o.BaseBackoff, 2*time.Second)
	setDefault(&o.MaxBackoff, 10*time.Minute)
	setDefault(&o.ShutdownGrace, 10*time.Second)
	setDefault(&o.ProgressInterval, 250*time.Millisecond)
	setDefault(&o.ErrorLogPeriod, 30*time.Second)
	if o.Now == nil {
		o.Now = st.Now
	}
	if o.Rand == nil {
		o.Rand = defaultRand
	}
}

func setDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// DefaultOwner names this process uniquely: hostname-pid-random.
func DefaultOwner() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// errShutdown is the cancellation cause of handlers cut off at shutdown.
var errShutdown = failure.Retryable(errors.New("jobs: worker shutting down"))

// loopBackoffMax bounds the wait between polls while the store fails.
const loopBackoffMax = 30 * time.Second

// Pool leases jobs from the store and runs their handlers.
type Pool struct {
	st      *store.Store
	reg     *Registry
	opts    PoolOptions
	log     zerolog.Logger
	wake    chan struct{}
	slots   chan struct{}
	stats   counters
	limiter *logLimiter
	running atomic.Bool
}

// NewPool returns a pool; call Run to start it.
func NewPool(st *store.Store, reg *Registry, opts PoolOptions) *Pool {
	opts.setDefaults(st)
	return &Pool{
		st: st, reg: reg, opts: opts,
		log:     opts.Logger.With().Str("component", "jobs").Str("owner", opts.Owner).Logger(),
		wake:    make(chan struct{}, 1),
		slots:   make(chan struct{}, opts.Concurrency),
		limiter: newLogLimiter(opts.ErrorLogPeriod, time.Now),
	}
}

// Owner is the lease owner id of this pool.
func (p *Pool) Owner() string { return p.opts.Owner }

// Notify wakes the poller early, e.g. after a local Submit.
func (p *Pool) Notify() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Stats returns a snapshot of the pool's counters.
func (p *Pool) Stats() Stats { return p.stats.snapshot(len(p.slots)) }

// Run leases and runs jobs until ctx is cancelled, then shuts down
// gracefully: no new leases; running handlers get ShutdownGrace to finish,
// then their context is cancelled and their jobs are released to the queue
// so another replica takes them at once. Run returns nil after a graceful
// stop, or an error if the pool cannot start.
func (p *Pool) Run(ctx context.Context) error {
	if !p.running.CompareAndSwap(false, true) {
		return errors.New("jobs: pool already running")
	}
	defer p.running.Store(false)
	kinds := p.opts.Kinds
	if len(kinds) == 0 {
		kinds = p.reg.Kinds()
	}
	if len(kinds) == 0 {
		return errors.New("jobs: no handler registered")
	}
	// Handlers outlive ctx by the grace period, so their context is separate.
	workCtx, cancelWork := context.WithCancelCause(context.WithoutCancel(ctx))
	defer cancelWork(nil)
	var wg sync.WaitGroup
	p.log.Info().Strs("kinds", kinds).Int("concurrency", p.opts.Concurrency).Msg("worker pool started")
	p.poll(ctx, workCtx, &wg, kinds)
	p.drain(&wg, cancelWork)
	p.log.Info().Msg("worker pool stopped")
	return nil
}

// poll is the leasing loop; it returns when ctx is done.
func (p *Pool) poll(ctx, workCtx context.Context, wg *sync.WaitGroup, kinds []string) {
	failures := 0
	for ctx.Err() == nil {
		wait := p.opts.PollInterval
		if free := cap(p.slots) - len(p.slots); free > 0 {
			leasedAt := p.opts.Now() // before the request: the lease's expiry is later than this plus its duration
			jobs, err := p.st.LeaseJobs(ctx, p.opts.Owner, free, p.opts.LeaseDuration, kinds)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				failures++
				p.stats.loopError()
				p.logLoopError(err)
				wait = backoff(failures, p.opts.PollInterval, loopBackoffMax, p.opts.Rand)
			} else {
				failures = 0
				for _, j := range jobs {
					p.start(workCtx, wg, j, leasedAt)
				}
				if len(jobs) == free {
					continue // probably more waiting
				}
			}
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-p.wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

func (p *Pool) logLoopError(err error) {
	ok, suppressed := p.limiter.allow(err.Error())
	if !ok {
		return
	}
	ev := p.log.Error().Err(err).Bool("retryable", failure.IsRetryable(err))
	if suppressed > 0 {
		ev = ev.Int("suppressed", suppressed)
	}
	ev.Msg("cannot lease jobs")
}

func (p *Pool) start(workCtx context.Context, wg *sync.WaitGroup, j store.Job, leasedAt time.Time) {
	p.slots <- struct{}{}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer func() {
			<-p.slots
			p.Notify() // a slot is free: lease again without waiting a poll
		}()
		p.execute(workCtx, j, leasedAt)
	}()
}

// drain waits for running handlers, cancels them after the grace period,
// and gives up waiting on handlers that ignore cancellation after one
// lease duration (their leases expire and another replica rescues them).
func (p *Pool) drain(wg *sync.WaitGroup, cancelWork context.CancelCauseFunc) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return
	case <-time.After(p.opts.ShutdownGrace):
	}
	p.log.Warn().Int("running", len(p.slots)).Msg("grace period over: cancelling running jobs")
	cancelWork(errShutdown)
	select {
	case <-done:
	case <-time.After(p.opts.LeaseDuration):
		p.log.Error().Int("running", len(p.slots)).Msg("handlers ignore cancellation: leaving their leases to expire")
	}
}

// execute runs one leased job to an outcome.
func (p *Pool) execute(workCtx context.Context, j store.Job, leasedAt time.Time) {
	log := p.log.With().Int64("job_id", j.ID).Str("kind", j.Kind).Str("domain", j.Domain).
		Int("attempt", j.Attempts).Int64("lease_token", j.LeaseToken).Logger()
	if j.PreviousOwner != "" {
		p.stats.add(j.Kind, func(k *KindStats) { k.TakenOver++ })
		metrics.LeaseTakeover(j.Kind)
		log.Warn().Str("previous_owner", j.PreviousOwner).Msg("took the job over: its previous worker's lease expired")
	}
	h, ok := p.reg.Lookup(j.Kind)
	if !ok {
		p.fail(log, j, fmt.Sprintf("no handler for job kind %q", j.Kind), nil)
		return
	}
	if j.Attempts > j.MaxAttempts {
		// Rescued from an expired lease once too often: the job probably
		// crashes or hangs its worker; stop feeding it to workers.
		p.fail(log, j, fmt.Sprintf("gave up after %d attempts: its worker stopped renewing the lease (crash or hang)", j.MaxAttempts), nil)
		return
	}
	jobCtx, stop := context.WithCancelCause(p.reg.jobContext(workCtx))
	defer stop(nil)
	steps, err := p.st.Steps(jobCtx, j.ID)
	run := newRun(jobCtx, stop, p.st, j, runLease{lease: j.Lease(), duration: p.opts.LeaseDuration, takenAt: leasedAt, now: p.opts.Now},
		steps, log, p.opts.ProgressInterval)
	run.onLost = func(op string, err error) { p.lost(log, j, op, err) }
	run.crashAt = p.opts.CrashAt
	run.stepRetry = p.reg.stepRetry()
	// The Moodle client checks the lease before each request it sends.
	jobCtx = fence.With(jobCtx, run.CheckLease)
	run.ctx = jobCtx
	p.stats.add(j.Kind, func(k *KindStats) { k.Started++ })
	log.Debug().Msg("job started")
	var result any
	if err != nil {
		err = fmt.Errorf("jobs: load checkpoints: %w", err)
	} else {
		result, err = p.runHandler(jobCtx, h, run)
	}
	if err == nil {
		err = run.crash(CrashPoint{})
	}
	if crashedAt(err) || crashedAt(context.Cause(jobCtx)) {
		// A simulated death: the process is gone, it records nothing.
		log.Info().Err(err).Msg("simulated crash: the attempt stops without writing")
		return
	}
	run.flushProgress(context.WithoutCancel(jobCtx))
	p.settle(log, run, result, err, context.Cause(jobCtx))
	if p.opts.Settled != nil {
		p.opts.Settled(j.ID)
	}
}

// runHandler calls the handler while a supervisor renews the lease and
// flushes progress; a panic becomes a permanent error.
func (p *Pool) runHandler(ctx context.Context, h Handler, run *Run) (result any, err error) {
	done := make(chan struct{})
	supervised := make(chan struct{})
	go func() {
		defer close(supervised)
		p.supervise(ctx, run, done)
	}()
	defer func() {
		close(done)
		<-supervised
	}()
	defer func() {
		if r := recover(); r != nil {
			p.stats.add(run.Kind(), func(k *KindStats) { k.Panicked++ })
			run.log.Error().Str("stack", string(debug.Stack())).Msgf("handler panicked: %v", r)
			err = failure.Permanent(fmt.Errorf("jobs: handler of %s panicked: %v", run.Kind(), r))
		}
	}()
	return h(ctx, run)
}

// supervise renews the lease every third of its duration and flushes
// throttled progress. A lost lease or a cancelled job stops the handler.
func (p *Pool) supervise(ctx context.Context, run *Run, done <-chan struct{}) {
	renew := time.NewTicker(p.opts.LeaseDuration / 3)
	defer renew.Stop()
	flush := time.NewTicker(p.opts.ProgressInterval)
	defer flush.Stop()
	lastRenewed := time.Now()
	for {
		select {
		case <-done:
			return
		case <-flush.C:
			run.flushProgress(ctx)
		case <-renew.C:
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.opts.LeaseDuration/3)
			start := p.opts.Now()
			err := p.st.RenewLease(rctx, run.lease, p.opts.LeaseDuration)
			cancel()
			switch {
			case err == nil:
				lastRenewed = time.Now()
				run.renewed(start)
			case lostLease(err):
				run.lose("lease renewal", err)
				return
			case time.Since(lastRenewed) >= p.opts.LeaseDuration:
				run.stop(fmt.Errorf("lease not renewed in time (%v): %w", err, store.ErrLeaseLost))
				return
			default:
				run.log.Warn().Err(err).Msg("lease renewal failed, will retry")
			}
		}
	}
}

// settle records the outcome of a run.
func (p *Pool) settle(log zerolog.Logger, run *Run, result any, herr, cause error) {
	j := run.job
	switch {
	case errors.Is(cause, store.ErrCancelled):
		p.stats.add(j.Kind, func(k *KindStats) { k.Cancelled++ })
		log.Info().Msg("job cancelled while running: stopped")
	case errors.Is(cause, store.ErrLeaseLost):
		p.stats.add(j.Kind, func(k *KindStats) { k.LeaseLost++ })
		if run.Lost() == nil { // otherwise lost() logged it
			log.Warn().Msg("lease lost: another worker owns the job now; result dropped")
		}
	case herr == nil:
		p.succeed(log, j, result)
	case errors.Is(cause, errShutdown):
		p.release(log, j)
	case lostLease(herr):
		// The handler met the loss itself (a fenced checkpoint or lease
		// check) before the context's cause was set: nothing to record.
		p.stats.add(j.Kind, func(k *KindStats) { k.LeaseLost++ })
	case failure.IsRetryable(herr) && j.Attempts < j.MaxAttempts:
		p.retryLater(log, j, herr)
	default:
		ref, _ := refusal.As(herr)
		p.fail(log, j, herr.Error(), ref)
	}
}

func (p *Pool) succeed(log zerolog.Logger, j store.Job, result any) {
	raw, err := json.Marshal(result)
	if err != nil {
		p.fail(log, j, fmt.Sprintf("encode result: %v", err), nil)
		return
	}
	// The success and its audit entry are one transaction: a crash
	// between them cannot keep one without the other.
	if err := p.store(func(ctx context.Context) error {
		return p.st.CompleteJobAudited(ctx, j.Lease(), raw, auditOf(j, "job.succeeded", "ok", ""))
	}); err != nil {
		if lostLease(err) {
			p.lost(log, j, "complete", err)
			return
		}
		log.Error().Err(err).Msg("job done but not recorded")
		return
	}
	p.stats.add(j.Kind, func(k *KindStats) { k.Succeeded++ })
	log.Info().Msg("job succeeded")
}

func (p *Pool) release(log zerolog.Logger, j store.Job) {
	if err := p.store(func(ctx context.Context) error { return p.st.ReleaseJob(ctx, j.Lease()) }); err != nil {
		if lostLease(err) {
			p.lost(log, j, "release", err)
			return
		}
		log.Error().Err(err).Msg("job not released: its lease will expire")
		return
	}
	p.stats.add(j.Kind, func(k *KindStats) { k.Released++ })
	log.Info().Msg("job released at shutdown")
}

func (p *Pool) retryLater(log zerolog.Logger, j store.Job, herr error) {
	delay := backoff(j.Attempts, p.opts.BaseBackoff, p.opts.MaxBackoff, p.opts.Rand)
	runAt := p.opts.Now().Add(delay)
	if err := p.store(func(ctx context.Context) error {
		return p.st.RetryJobLater(ctx, j.Lease(), runAt, herr.Error())
	}); err != nil {
		if lostLease(err) {
			p.lost(log, j, "retry", err)
			return
		}
		log.Error().Err(err).Msg("retry not recorded: the lease will expire and the job be rescued")
		return
	}
	p.stats.add(j.Kind, func(k *KindStats) { k.Retried++ })
	log.Warn().Err(herr).Dur("retry_in", delay).Msg("job failed, will retry")
}

func (p *Pool) fail(log zerolog.Logger, j store.Job, msg string, ref *refusal.Refusal) {
	if err := p.store(func(ctx context.Context) error {
		return p.st.FailJobRefused(ctx, j.Lease(), msg, ref, auditOf(j, "job.failed", "failed", msg))
	}); err != nil {
		if lostLease(err) {
			p.lost(log, j, "fail", err)
			return
		}
		log.Error().Err(err).Msg("failure not recorded")
		return
	}
	p.stats.add(j.Kind, func(k *KindStats) { k.Failed++ })
	log.Error().Str("error", msg).Msg("job failed")
}

// lost logs and counts a write refused because the job is no longer this
// worker's: fenced (leased again by another worker, or by this pool
// again) or cancelled by an operator.
func (p *Pool) lost(log zerolog.Logger, j store.Job, op string, err error) {
	switch {
	case errors.Is(err, store.ErrCancelled):
		log.Debug().Str("refused", op).Msg("job cancelled while running: stopping without writing")
	case errors.Is(err, store.ErrFenced):
		p.stats.add(j.Kind, func(k *KindStats) { k.Fenced++ })
		metrics.FencedWrite(j.Kind)
		log.Warn().Str("refused", op).Str("reason", err.Error()).
			Msg("fenced: another worker took the job over; this worker stops without writing")
	default:
		log.Warn().Str("refused", op).Str("reason", err.Error()).Msg("lease lost: this worker stops without writing")
	}
}

// store runs a bookkeeping write with its own deadline (the job's context
// may be cancelled), retrying briefly on retryable errors.
func (p *Pool) store(fn func(ctx context.Context) error) error {
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = fn(ctx)
		cancel()
		if err == nil || !failure.IsRetryable(err) {
			return err
		}
		time.Sleep(time.Duration(attempt) * 200 * time.Millisecond)
	}
	return err
}

// auditOf is a job's outcome as an audit entry.
func auditOf(j store.Job, action, outcome, detail string) store.AuditEntry {
	return store.AuditEntry{Actor: actorOf(j.RequestedBy), Domain: j.Domain, Action: action, Target: j.Kind,
		Outcome: outcome, JobID: j.ID, Detail: detail}
}
