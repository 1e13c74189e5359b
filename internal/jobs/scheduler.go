package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/magistere/bridge/internal/failure"
	"github.com/robfig/cron/v3"
	"github.com/rs/zerolog"
)

// PayloadFunc builds the payload of a scheduled job for the period that
// starts at the given tick.
type PayloadFunc func(period time.Time) (any, error)

// Entry is a scheduled job.
type Entry struct {
	Spec        string // cron spec, seconds optional: "0 2 * * *", "*/30 * * * * *", "@hourly"
	Kind        string
	Domain      string
	Payload     PayloadFunc // nil: no payload
	KeyPrefix   string      // idempotency key is KeyPrefix + ":" + tick in UTC RFC3339
	MaxAttempts int
	// TicksOnly: only the cron's own ticks enqueue it, never FireAll (the
	// catch-up at Start): housekeeping that can wait for its next period.
	TicksOnly bool
}

type scheduled struct {
	Entry
	schedule cron.Schedule
}

// Scheduler turns cron specs into jobs. A tick only enqueues a job whose
// idempotency key names the period, so any number of replicas running the
// same schedule create the job once; the pools run it once.
type Scheduler struct {
	q       *Queue
	log     zerolog.Logger
	loc     *time.Location
	now     func() time.Time
	catchUp bool
	cron    *cron.Cron

	mu      sync.Mutex
	entries []*scheduled
	ctx     context.Context
	cancel  context.CancelFunc
}

// SchedulerOption configures a Scheduler.
type SchedulerOption func(*Scheduler)

// WithCatchUp makes Start enqueue the latest period of every entry if no
// job exists for it yet (the bridge was down at the tick).
func WithCatchUp() SchedulerOption { return func(s *Scheduler) { s.catchUp = true } }

// WithLocation sets the time zone in which specs are read (default
// time.Local; Europe/Paris for a French deployment). Replicas must agree.
func WithLocation(loc *time.Location) SchedulerOption { return func(s *Scheduler) { s.loc = loc } }

// WithClock replaces the clock used to name periods (tests).
func WithClock(now func() time.Time) SchedulerOption { return func(s *Scheduler) { s.now = now } }

var specParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// NewScheduler returns a scheduler submitting to q.
func NewScheduler(q *Queue, logger zerolog.Logger, opts ...SchedulerOption) *Scheduler {
	s := &Scheduler{q: q, log: logger.With().Str("component", "scheduler").Logger(), loc: time.Local, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	s.cron = cron.New(cron.WithParser(specParser), cron.WithLocation(s.loc))
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

// Add schedules kind on spec; see Entry.
func (s *Scheduler) Add(spec, kind string, payload PayloadFunc, keyPrefix string) error {
	return s.AddEntry(Entry{Spec: spec, Kind: kind, Payload: payload, KeyPrefix: keyPrefix})
}

// AddEntry schedules an entry. Entries may be added before or after Start.
func (s *Scheduler) AddEntry(e Entry) error {
	if e.Kind == "" || e.KeyPrefix == "" {
		return failure.Permanent(errors.New("jobs: schedule needs a kind and a key prefix"))
	}
	sched, err := specParser.Parse(e.Spec)
	if err != nil {
		return failure.Permanent(fmt.Errorf("jobs: schedule %s: spec %q: %w", e.Kind, e.Spec, err))
	}
	se := &scheduled{Entry: e, schedule: sched}
	s.mu.Lock()
	s.entries = append(s.entries, se)
	s.mu.Unlock()
	s.cron.Schedule(sched, cron.FuncJob(func() { s.tick(se) }))
	return nil
}

// Start runs the cron loop in the background (and catches up if asked).
func (s *Scheduler) Start() {
	if s.catchUp {
		s.FireAll(s.ctx, s.now())
	}
	s.cron.Start()
}

// Stop stops the cron loop and waits for running enqueues. A stopped
// Scheduler cannot be started again; make a new one.
func (s *Scheduler) Stop() {
	s.cancel()
	<-s.cron.Stop().Done()
}

func (s *Scheduler) tick(se *scheduled) {
	if err := s.fireWithRetry(s.ctx, se, s.now()); err != nil {
		s.log.Error().Err(err).Str("kind", se.Kind).Msg("scheduled job not enqueued")
	}
}

// FireAll enqueues, for every entry, the job of the period containing now
// (deduplicated by key). Start uses it to catch up; tests use it as a tick.
func (s *Scheduler) FireAll(ctx context.Context, now time.Time) {
	s.mu.Lock()
	entries := append([]*scheduled(nil), s.entries...)
	s.mu.Unlock()
	for _, se := range entries {
		if se.TicksOnly {
			continue
		}
		if err := s.fireWithRetry(ctx, se, now); err != nil {
			s.log.Error().Err(err).Str("kind", se.Kind).Msg("scheduled job not enqueued")
		}
	}
}

func (s *Scheduler) fireWithRetry(ctx context.Context, se *scheduled, now time.Time) error {
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		if err = s.fire(ctx, se, now); err == nil || !failure.IsRetryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt) * time.Second):
		}
	}
	return err
}

func (s *Scheduler) fire(ctx context.Context, se *scheduled, now time.Time) error {
	period, ok := previousTick(se.schedule, now.In(s.loc))
	if !ok {
		return nil // the schedule never fired before now
	}
	var payload any
	if se.Payload != nil {
		p, err := se.Payload(period)
		if err != nil {
			return fmt.Errorf("jobs: schedule %s: payload: %w", se.Kind, err)
		}
		payload = p
	}
	job, created, err := s.q.Submit(ctx, Spec{
		Kind: se.Kind, Domain: se.Domain, Payload: payload, Key: PeriodKey(se.KeyPrefix, period),
		RequestedBy: "cron", MaxAttempts: se.MaxAttempts,
	})
	if err != nil {
		return err
	}
	s.log.Debug().Str("kind", se.Kind).Int64("job_id", job.ID).Bool("created", created).
		Time("period", period).Msg("scheduled job enqueued")
	return nil
}

// PeriodKey is the idempotency key of a scheduled job for the period
// starting at tick.
func PeriodKey(prefix string, tick time.Time) string {
	return prefix + ":" + tick.UTC().Format(time.RFC3339)
}

// maxLookBack bounds the search for a previous tick (cron's own horizon
// is five years ahead).
const maxLookBack = 5 * 366 * 24 * time.Hour

// previousTick returns the latest tick of sched at or before now. cron
// schedules only go forward, so it widens a window backwards until it
// contains a tick, then walks forward: a few Next calls for usual specs.
func previousTick(sched cron.Schedule, now time.Time) (time.Time, bool) {
	for d := time.Second; d <= maxLookBack; d *= 2 {
		t := sched.Next(now.Add(-d))
		if t.IsZero() {
			return time.Time{}, false
		}
		if t.After(now) {
			continue
		}
		for {
			n := sched.Next(t)
			if n.IsZero() || n.After(now) {
				return t, true
			}
			t = n
		}
	}
	return time.Time{}, false
}
