package domains

import (
	"context"
	"time"

	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/store"
)

// KindBootstrap is the job creating a domain's category skeleton where
// missing and recording its category and role ids (Bootstrap,
// idempotent). `bridge domains bootstrap` runs one per domain in the CLI
// process; the result is the BootstrapReport.
const KindBootstrap = "domains.bootstrap"

// Submitter queues a job (jobs.Queue).
type Submitter interface {
	Submit(ctx context.Context, spec jobs.Spec) (store.Job, bool, error)
}

// Service is the domains feature: bootstrap a domain now (Bootstrap) or
// as a job (SubmitBootstrap), and Register for the domains.bootstrap job
// kind. The CLI, the demo and the daemon call these methods.
type Service struct {
	fleet *Fleet
	st    *store.Store
	q     Submitter
	pause time.Duration // between whole runs of a retried bootstrap
}

// New builds a Service over the fleet, the store and the job queue.
func New(fleet *Fleet, st *store.Store, q Submitter) *Service {
	return &Service{fleet: fleet, st: st, q: q, pause: time.Second}
}

// Bootstrap creates the named domain's category skeleton where missing
// and records its category and role ids. Its lookups retry a transient
// failure (the context's read retry); a failed run is run again whole a
// few times (each run completes the previous one).
func (s *Service) Bootstrap(ctx context.Context, domain string) (*BootstrapReport, error) {
	d, err := s.fleet.Get(domain)
	if err != nil {
		return nil, failure.Permanent(err)
	}
	return BootstrapRetry(ctx, d, s.st, 3, s.pause)
}

// SubmitBootstrap queues the domain's domains.bootstrap job.
func (s *Service) SubmitBootstrap(ctx context.Context, domain, by string) (store.Job, bool, error) {
	return s.q.Submit(ctx, jobs.Spec{Kind: KindBootstrap, Domain: domain, RequestedBy: by})
}

// Register binds domains.bootstrap; its retries after the service's own
// are the job's.
func (s *Service) Register(reg *jobs.Registry) {
	reg.Register(KindBootstrap, s.bootstrapJob)
}

func (s *Service) bootstrapJob(ctx context.Context, run *jobs.Run) (any, error) {
	run.Progress(0, 1, "bootstrap "+run.Domain())
	rep, err := s.Bootstrap(ctx, run.Domain())
	if err != nil {
		return nil, err
	}
	run.Progress(1, 1, "done")
	return rep, nil
}
