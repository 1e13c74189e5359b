package gaia

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/config"
	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/enrol"
	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/store"
)

// Lifecycle is what the GAIA feature needs of the session lifecycle (the
// workflow service, wired by app): where a course stands, and which
// states a linked course may be in.
type Lifecycle struct {
	// State is the course's state and label; ok false when the lifecycle
	// cannot place it (linked as before, e.g. domain not bootstrapped).
	State         func(ctx context.Context, domain string, courseID int64) (state, label string, ok bool)
	SessionStates []string
}

// Service is the GAIA feature: link and unlink session courses (checked,
// audited), sync the linked courses, scan the drop, and Register for the
// gaia.sync and gaia.scan job kinds. The CLI, the demo and the daemon
// call these methods.
type Service struct {
	st    *store.Store
	fleet *domains.Fleet
	cfg   *config.Config
	log   zerolog.Logger
	life  Lifecycle
}

// New builds a Service; cfg gives the drop directories and grace period.
func New(st *store.Store, fleet *domains.Fleet, cfg *config.Config, log zerolog.Logger, life Lifecycle) *Service {
	return &Service{st: st, fleet: fleet, cfg: cfg, log: log, life: life}
}

// Link checks and records a link, and audits it (Linker.Link).
func (s *Service) Link(ctx context.Context, req LinkRequest) (Linked, error) {
	return s.linker().Link(ctx, req)
}

// Unlink removes a course's link, audited.
func (s *Service) Unlink(ctx context.Context, domain string, courseID int64, actor string) error {
	return s.linker().Unlink(ctx, domain, courseID, actor)
}

func (s *Service) linker() *Linker {
	return &Linker{
		St: s.st,
		Course: func(ctx context.Context, domain string, courseID int64) (bool, error) {
			d, err := s.fleet.Get(domain)
			if err != nil {
				return false, err
			}
			found, err := d.Client.GetCoursesByField(ctx, "id", strconv.FormatInt(courseID, 10))
			return len(found) > 0, err
		},
		State:         s.state,
		SessionStates: s.life.SessionStates,
	}
}

func (s *Service) state(ctx context.Context, domain string, courseID int64) (string, string, bool) {
	if s.life.State == nil {
		return "", "", false
	}
	return s.life.State(ctx, domain, courseID)
}

// Sync re-enrols what GAIA lists for the domain's linked courses (dryRun:
// says what it would do, changes nothing). override unenrols, this run,
// whoever GAIA no longer lists.
func (s *Service) Sync(ctx context.Context, domain string, override, dryRun bool, cp enrol.Checkpointer) (*SyncResult, error) {
	sy, err := s.syncer(domain)
	if err != nil {
		return nil, err
	}
	sy.Override = override
	return sy.Sync(ctx, cp, dryRun)
}

// syncer is the GAIA sync of one domain with its configured role map,
// unknown-user policy and account auth.
func (s *Service) syncer(domain string) (*Syncer, error) {
	d, err := s.fleet.Get(domain)
	if err != nil {
		return nil, failure.Permanent(fmt.Errorf("gaia.sync: %w", err))
	}
	return &Syncer{St: s.st, Client: d.Client, Domain: domain,
		Options: enrol.PlanOptions{}.WithDomainDefaults(d.Config)}, nil
}

// Scan scans one domain's drop and syncs its linked courses. A file
// missing from the drop (after the grace period) or unreadable is in the
// result's Errors, after what could be imported was; a drop without any
// of the académie's files is an error.
func (s *Service) Scan(ctx context.Context, domain string, p ScanPayload, cp enrol.Checkpointer) (*ScanResult, error) {
	d, err := s.fleet.Get(domain)
	if err != nil {
		return nil, failure.Permanent(fmt.Errorf("gaia.scan: %w", err))
	}
	res := &ScanResult{Domain: domain, DryRun: p.DryRun, Files: []ScanFile{}}
	if d.Config.GaiaCode == "" {
		res.Status = "no_gaia_code"
		return res, nil
	}
	sc := &Scanner{St: s.st, Domain: domain, Code: d.Config.GaiaCode, DropDir: s.cfg.GaiaDropDir(d.Config),
		Grace: s.cfg.Gaia.Grace, Progress: cp.Progress}
	res, people, err := sc.Scan(ctx, p.DryRun)
	if err != nil {
		switch res.Status {
		case ScanImported, ScanUnchanged, ScanWouldImport:
			// What was there went in: report the rest, then sync.
			res.Errors = append(res.Errors, err.Error())
		default:
			return res, err
		}
	}
	if res.Status == ScanHeld || res.Status == ScanNoDrop {
		return res, nil
	}
	sy, err := s.syncer(domain)
	if err != nil {
		return res, err
	}
	sy.Override = p.Override
	if p.DryRun && people != nil {
		sy.People = func(ctx context.Context, key string) ([]store.GaiaPerson, error) {
			if list, ok := people[key]; ok {
				return list, nil
			}
			return s.st.GaiaPeople(ctx, domain, key)
		}
	}
	sr, err := sy.Sync(ctx, cp, p.DryRun)
	if err != nil {
		return res, err
	}
	res.Sync = sr
	return res, nil
}

// Register binds gaia.sync (re-enrol what GAIA lists for every course
// linked to a GAIA session of the domain; schedule it e.g. cron
// "0 6 * * *", a domain or none for every domain) and gaia.scan (read the
// newest dated directory of the domain's drop, import its files unless
// already imported, then sync; e.g. cron "30 2 * * *"; domains without
// gaia_code are passed).
func (s *Service) Register(reg *jobs.Registry) {
	reg.Register(KindSync, s.syncJob)
	reg.Register(KindScan, s.scanJob)
}

func (s *Service) syncJob(ctx context.Context, run *jobs.Run) (any, error) {
	var p SyncPayload
	if err := run.Decode(&p); err != nil {
		return nil, err
	}
	domain, err := jobDomain(run, p.Domain)
	if err != nil {
		return nil, err
	}
	return s.Sync(ctx, domain, p.Override, p.DryRun, run)
}

func (s *Service) scanJob(ctx context.Context, run *jobs.Run) (any, error) {
	var p ScanPayload
	if err := run.Decode(&p); err != nil {
		return nil, err
	}
	domain, err := jobDomain(run, p.Domain)
	if err != nil {
		return nil, err
	}
	res, err := s.Scan(ctx, domain, p, run)
	if res != nil {
		s.auditScan(ctx, run, domain, res, err)
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// auditScan records what a scan job found; a failed audit is logged, the
// scan's outcome stands.
func (s *Service) auditScan(ctx context.Context, run *jobs.Run, domain string, res *ScanResult, err error) {
	detail, _ := json.Marshal(map[string]any{"drop": res.Drop, "status": res.Status, "sessions": res.Sessions,
		"participants": res.Participants, "formateurs": res.Formateurs, "errors": res.Errors})
	outcome := "ok"
	if err != nil || len(res.Errors) > 0 {
		outcome = "error"
	}
	if _, aerr := s.st.RecordAudit(ctx, store.AuditEntry{Actor: "job:" + run.RequestedBy(), Domain: domain, Action: "gaia.scan",
		Target: "drop:" + res.Drop, JobID: run.ID(), Params: detail, Outcome: outcome}); aerr != nil {
		s.log.Warn().Err(aerr).Msg("gaia.scan: audit not recorded")
	}
}

// jobDomain is the domain a GAIA job acts on: the job's, else its
// payload's; a payload naming another domain is a permanent error.
func jobDomain(run *jobs.Run, payloadDomain string) (string, error) {
	domain := run.Domain()
	if domain == "" {
		domain = payloadDomain
	}
	if domain == "" || (payloadDomain != "" && payloadDomain != domain) {
		return "", failure.Permanent(fmt.Errorf("%s: domain %q does not match the job's %q", run.Kind(), payloadDomain, run.Domain()))
	}
	return domain, nil
}
