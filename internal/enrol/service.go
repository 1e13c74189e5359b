package enrol

import (
	"context"
	"fmt"
	"io"

	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/store"
)

// Service is the enrolment feature: plan a file against a domain's Moodle
// (Preview), queue its application (Submit) and run it (Register binds
// enrol.apply). The CLI, the API and the daemon call these methods, so the
// directory, the stored upload and the job key cannot drift between them.
type Service struct {
	st    *store.Store
	fleet *domains.Fleet
	q     Submitter
}

// New builds a Service over the store (uploads, reports), the fleet and
// the job queue.
func New(st *store.Store, fleet *domains.Fleet, q Submitter) *Service {
	return &Service{st: st, fleet: fleet, q: q}
}

// Preview plans file against the domain's Moodle and changes nothing: the
// dry run of the CLI and the API's preview. The file is read as it is
// planned: the CLI passes the file on disk, so a 100,000-row file is not
// held whole in memory besides its plan. A reader with ReadAt and Size (a
// bytes.Reader) or Stat (an *os.File) is read twice, to count its lines
// first.
func (s *Service) Preview(ctx context.Context, domain string, file io.Reader, opts PlanOptions) (*Plan, error) {
	d, err := s.fleet.Get(domain)
	if err != nil {
		return nil, err
	}
	if opts.Directory, _, err = DirectoryFor(d); err != nil {
		return nil, err
	}
	return PlanFile(ctx, d.Client, file, opts)
}

// Submit keeps the file in the store and queues its enrol.apply job under
// JobKey (SubmitApply: a finished job with the same key is a new run).
// created is false when a queued or running job was returned.
func (s *Service) Submit(ctx context.Context, domain string, file []byte, opts PlanOptions, by string) (store.Job, bool, error) {
	payload, err := StoredPayload(ctx, s.st, file, opts)
	if err != nil {
		return store.Job{}, false, err
	}
	return SubmitApply(ctx, s.q, jobs.Spec{Kind: KindApply, Domain: domain, Payload: payload,
		Key: JobKey(domain, FileSHA256(file), opts), RequestedBy: by})
}

// Register binds enrol.apply: plan (checkpointed), create accounts, groups,
// enrolments, each a checkpoint; the report is kept in the store
// (enrol_reports).
func (s *Service) Register(reg *jobs.Registry) {
	reg.Register(KindApply, s.applyJob)
}

func (s *Service) applyJob(ctx context.Context, run *jobs.Run) (any, error) {
	var p JobPayload
	if err := run.Decode(&p); err != nil {
		return nil, err
	}
	d, err := s.fleet.Get(run.Domain())
	if err != nil {
		return nil, failure.Permanent(fmt.Errorf("enrol.apply: %w", err))
	}
	p.Options = p.Options.WithDomainDefaults(d.Config)
	if p.Options.Directory, _, err = DirectoryFor(d); err != nil {
		return nil, err
	}
	return RunApplyJob(ctx, d.Client, s.st, run, p)
}
