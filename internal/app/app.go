// Package app wires the bridge together for `bridge serve` and `bridge
// demo`: store, job queue, workers, scheduler, domains and the HTTP server.
// Feature packages register their job handlers here, so both commands run
// the same code.
package app

import (
	"context"
	"errors"
	"fmt"
	"github.com/magistere/bridge/internal/metrics"
	"net"
	"net/http"
	"time"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/api"
	"github.com/magistere/bridge/internal/config"
	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/logging"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/store"
)

// App is one running bridge.
type App struct {
	Cfg      *config.Config
	Log      zerolog.Logger
	Store    *store.Store
	Fleet    *domains.Fleet
	Registry *jobs.Registry
	Queue    *jobs.Queue
	Pool     *jobs.Pool
	Health   *api.Health
	Sched    *jobs.Scheduler
	Services // built once by Open, see services.go

	workers workers
}

// Options tweak Open for tests and the demo.
type Options struct {
	HTTPClient *http.Client // for Moodle calls; nil = default
	PollEvery  time.Duration
	// Fleet, when set, is the domains already built from the same
	// configuration (the CLI's name look-ups): the app takes it over and
	// closes it, instead of connecting to every site again.
	Fleet *domains.Fleet
}

// Open connects the store, builds the domain clients and registers every
// job handler. It starts nothing: call Serve, or Pool.Run.
func Open(ctx context.Context, cfg *config.Config, log zerolog.Logger, opts Options) (*App, error) {
	st, err := store.Open(ctx, cfg.Store.DSN, cfg.DataDir)
	if err != nil {
		if opts.Fleet != nil {
			opts.Fleet.Close()
		}
		return nil, fmt.Errorf("open store: %w", err)
	}
	fleet := opts.Fleet
	if fleet == nil {
		if fleet, err = domains.NewFleet(cfg, opts.HTTPClient, log); err != nil {
			st.Close()
			return nil, err
		}
	}
	// What Open built is released when it fails half-way.
	fail := func(err error) (*App, error) {
		fleet.Close()
		st.Close()
		return nil, err
	}
	a := &App{Cfg: cfg, Log: log, Store: st, Fleet: fleet, Registry: jobs.NewRegistry(), Queue: jobs.NewQueue(st)}
	a.Queue.SetDefaultMaxAttempts(cfg.Jobs.MaxAttempts)
	a.buildServices()
	registerHandlers(a)
	domainNames := make([]string, 0, len(cfg.Domains))
	for _, d := range cfg.Domains {
		domainNames = append(domainNames, d.Name)
	}
	metrics.InitJobSeries(a.Registry.Kinds(), domainNames)
	// Every job's Moodle reads retry transient failures with capped
	// backoff (moodle.ReadRetry), in the daemon as in the CLI: a 503 on a
	// lookup costs a second, not one of the job's attempts (each attempt
	// starts the step again from its last checkpoint).
	a.Registry.SetJobContext(func(ctx context.Context) context.Context {
		return moodle.WithReadRetry(ctx, moodle.ReadRetry{})
	})
	// A step that still fails with a transient error (a write answered
	// 503, a lost answer) runs again in place a few times: steps are
	// idempotent up to their checkpoint (they look up before creating), so
	// a few 503s cost seconds, not the job's attempts and backoff.
	a.Registry.SetStepRetry(jobs.StepRetry{Attempts: 4, Base: 200 * time.Millisecond, Max: 5 * time.Second})
	a.Pool = jobs.NewPool(st, a.Registry, jobs.PoolOptions{
		Concurrency:   cfg.Jobs.Workers,
		LeaseDuration: cfg.Jobs.LeaseDuration,
		MaxBackoff:    cfg.Jobs.MaxBackoff,
		ShutdownGrace: cfg.Jobs.ShutdownGrace,
		PollInterval:  opts.PollEvery,
		Logger:        log,
	})
	a.Queue.OnSubmit(a.Pool.Notify)
	a.Sched = jobs.NewScheduler(a.Queue, log, jobs.WithCatchUp())
	if err := a.addSchedules(); err != nil {
		return fail(err)
	}
	if err := a.addPrivacySchedule(); err != nil {
		return fail(&config.Error{Key: "privacy.purge_cron", Problem: err.Error(),
			FR: fmt.Sprintf("expression cron invalide (%v) ; par exemple « 40 4 * * * »", err)})
	}
	a.Health = api.NewHealth()
	a.addChecks()
	return a, nil
}

// addSchedules turns each configured schedule into cron entries. A
// schedule naming no domain runs once per configured domain, so every job
// kind receives the domain it acts on (as job domain and payload).
func (a *App) addSchedules() error {
	for _, s := range a.Cfg.Schedules {
		if _, ok := a.Registry.Lookup(s.Kind); !ok {
			return &config.Error{Key: "schedules." + s.Name + ".kind", Problem: fmt.Sprintf("no job kind %q (known: %v)", s.Kind, a.Registry.Kinds()),
				FR: fmt.Sprintf("aucune sorte de tâche %q (connues : %v)", s.Kind, a.Registry.Kinds())}
		}
		names := []string{s.Domain}
		if s.Domain == "" {
			names = nil
			for _, d := range a.Fleet.All() {
				names = append(names, d.Name())
			}
		}
		for _, domain := range names {
			payload := map[string]string{"domain": domain}
			err := a.Sched.AddEntry(jobs.Entry{Spec: s.Cron, Kind: s.Kind, Domain: domain, KeyPrefix: "cron:" + s.Name + ":" + domain,
				Payload: func(time.Time) (any, error) { return payload, nil }})
			if err != nil {
				return &config.Error{Key: "schedules." + s.Name + ".cron", Problem: err.Error(),
					FR: fmt.Sprintf("expression cron invalide (%v)", err)}
			}
		}
	}
	return nil
}

// Close releases what Open and StartWorkers opened, in order: the workers
// (their running steps settle while the store is still open), then the
// domains' database pools, then the store.
func (a *App) Close() error {
	a.stopWorkers()
	a.Fleet.Close()
	return a.Store.Close()
}

func (a *App) addChecks() {
	a.Health.AddCheck(api.CheckFunc{CheckName: "store", Fn: a.Store.Ping})
	for _, d := range a.Fleet.All() {
		a.Health.AddDomain(d.Name(), d.Ping)
	}
	a.Health.AddCollector(a.collectMetrics)
	a.Health.AddCollector(a.operationsCollector())
	a.Health.AddCollector(a.collectCalendarMetrics)
}

// collectMetrics reports queue depth, worker counters and Moodle calls.
func (a *App) collectMetrics(w *api.MetricsWriter) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if counts, err := a.Store.CountJobs(ctx); err == nil {
		for _, state := range []store.JobState{store.JobQueued, store.JobRunning, store.JobSucceeded, store.JobFailed, store.JobCancelled} {
			w.Sample("bridge_jobs", "gauge", "Jobs in the store by state.", map[string]string{"state": string(state)}, float64(counts[state]))
		}
	}
	stats := a.Pool.Stats()
	w.Sample("bridge_jobs_running_here", "gauge", "Handlers running in this process.", nil, float64(stats.Running))
	w.Sample("bridge_job_loop_errors_total", "counter", "Failed polls of the job store.", nil, float64(stats.LoopErrors))
	// Every registered kind, at zero until this process runs one: a
	// replica that has run none still exports the series (a panel reads 0,
	// not "No data", and a rate() over it is defined).
	for _, kind := range a.Registry.Kinds() {
		k := stats.Kinds[kind]
		l := map[string]string{"kind": kind}
		w.Sample("bridge_jobs_succeeded_total", "counter", "Jobs succeeded in this process.", l, float64(k.Succeeded))
		w.Sample("bridge_jobs_failed_total", "counter", "Jobs failed in this process.", l, float64(k.Failed))
		w.Sample("bridge_jobs_retried_total", "counter", "Job attempts rescheduled after a retryable error.", l, float64(k.Retried))
	}
	for _, d := range a.Fleet.All() {
		st := d.Client.Stats()
		for fn, n := range st.Calls {
			w.Sample("bridge_moodle_calls_total", "counter", "Web-service calls by domain and function.",
				map[string]string{"domain": d.Name(), "function": fn}, float64(n))
		}
		for fn, n := range st.Errors {
			w.Sample("bridge_moodle_errors_total", "counter", "Failed web-service calls by domain and function.",
				map[string]string{"domain": d.Name(), "function": fn}, float64(n))
		}
	}
}

// Serve runs the HTTP server, the scheduler and the workers until ctx ends,
// then shuts down gracefully: running steps finish or are released.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	a.Health.Register(mux)
	a.mountAPI(mux)
	// Bounded reads, writes and idle keep-alives: a client that trickles a
	// body or holds a connection open cannot keep it for ever.
	srv := &http.Server{Handler: logging.AccessLog(a.Log, mux), ReadHeaderTimeout: a.Cfg.API.ReadHeaderTimeout,
		ReadTimeout: a.Cfg.API.ReadTimeout, WriteTimeout: a.Cfg.API.WriteTimeout, IdleTimeout: a.Cfg.API.IdleTimeout,
		MaxHeaderBytes: 64 << 10}
	httpErr := make(chan error, 1)
	go func() { httpErr <- srv.Serve(ln) }()
	a.Sched.Start()
	a.Log.Info().Str("listen", ln.Addr().String()).Str("owner", a.Pool.Owner()).
		Int("domains", len(a.Fleet.All())).Str("store", string(a.Store.Dialect())).Msg("bridge serving")

	poolErr := make(chan error, 1)
	go func() { poolErr <- a.Pool.Run(ctx) }()

	var err error
	select {
	case err = <-httpErr:
		err = fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	a.Sched.Stop()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), a.Cfg.Jobs.ShutdownGrace+5*time.Second)
	defer cancel()
	srv.Shutdown(shutdownCtx)
	if perr := <-poolErr; perr != nil && !errors.Is(perr, context.Canceled) && err == nil {
		err = perr
	}
	a.Log.Info().Msg("bridge stopped")
	return err
}
