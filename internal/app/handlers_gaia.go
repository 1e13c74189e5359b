package app

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/magistere/bridge/internal/enrol"
	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/gaia"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/store"
)

// gaia.sync re-enrols the participants and formateurs GAIA lists for every
// course linked to a GAIA session of the domain (package gaia). Schedule
// it in `schedules`, e.g. cron "0 6 * * *", kind gaia.sync, a domain or
// none for every domain.
func init() {
	handlerSets = append(handlerSets, func(a *App) {
		a.Registry.Register(gaia.KindSync, a.gaiaSync)
		a.Registry.Register(gaia.KindScan, a.gaiaScan)
	})
}

func (a *App) gaiaSync(ctx context.Context, run *jobs.Run) (any, error) {
	var p gaia.SyncPayload
	if err := run.Decode(&p); err != nil {
		return nil, err
	}
	domain, err := gaiaJobDomain(run, p.Domain)
	if err != nil {
		return nil, err
	}
	s, err := a.GaiaSyncer(domain)
	if err != nil {
		return nil, err
	}
	s.Override = p.Override
	return s.Sync(ctx, run, p.DryRun)
}

// gaia.scan reads the newest dated directory of the domain's GAIA drop
// (gaia.drop_dir, gaia_code), imports its files unless already imported,
// then syncs the domain's linked courses. Schedule it in `schedules`, e.g.
// cron "30 2 * * *", kind gaia.scan; domains without gaia_code are passed.
func (a *App) gaiaScan(ctx context.Context, run *jobs.Run) (any, error) {
	var p gaia.ScanPayload
	if err := run.Decode(&p); err != nil {
		return nil, err
	}
	domain, err := gaiaJobDomain(run, p.Domain)
	if err != nil {
		return nil, err
	}
	res, err := a.GaiaScan(ctx, domain, p, run)
	if res != nil {
		detail, _ := json.Marshal(map[string]any{"drop": res.Drop, "status": res.Status, "sessions": res.Sessions,
			"participants": res.Participants, "formateurs": res.Formateurs, "errors": res.Errors})
		outcome := "ok"
		if err != nil || len(res.Errors) > 0 {
			outcome = "error"
		}
		if _, aerr := a.Store.RecordAudit(ctx, store.AuditEntry{Actor: "job:" + run.RequestedBy(), Domain: domain, Action: "gaia.scan",
			Target: "drop:" + res.Drop, JobID: run.ID(), Params: detail, Outcome: outcome}); aerr != nil {
			a.Log.Warn().Err(aerr).Msg("gaia.scan: audit not recorded")
		}
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// GaiaScan scans one domain's drop and syncs its linked courses. A file
// missing from the drop (after the grace period) or unreadable is in the
// result's Errors, after what could be imported was; a drop without any
// of the académie's files is an error.
func (a *App) GaiaScan(ctx context.Context, domain string, p gaia.ScanPayload, cp enrol.Checkpointer) (*gaia.ScanResult, error) {
	d, err := a.Fleet.Get(domain)
	if err != nil {
		return nil, failure.Permanent(fmt.Errorf("gaia.scan: %w", err))
	}
	res := &gaia.ScanResult{Domain: domain, DryRun: p.DryRun, Files: []gaia.ScanFile{}}
	if d.Config.GaiaCode == "" {
		res.Status = "no_gaia_code"
		return res, nil
	}
	sc := &gaia.Scanner{St: a.Store, Domain: domain, Code: d.Config.GaiaCode, DropDir: a.Cfg.GaiaDropDir(d.Config),
		Grace: a.Cfg.Gaia.Grace, Progress: cp.Progress}
	res, people, err := sc.Scan(ctx, p.DryRun)
	if err != nil {
		switch res.Status {
		case gaia.ScanImported, gaia.ScanUnchanged, gaia.ScanWouldImport:
			// What was there went in: report the rest, then sync.
			res.Errors = append(res.Errors, err.Error())
		default:
			return res, err
		}
	}
	if res.Status == gaia.ScanHeld || res.Status == gaia.ScanNoDrop {
		return res, nil
	}
	s, err := a.GaiaSyncer(domain)
	if err != nil {
		return res, err
	}
	s.Override = p.Override
	if p.DryRun && people != nil {
		s.People = func(ctx context.Context, key string) ([]store.GaiaPerson, error) {
			if list, ok := people[key]; ok {
				return list, nil
			}
			return a.Store.GaiaPeople(ctx, domain, key)
		}
	}
	sr, err := s.Sync(ctx, cp, p.DryRun)
	if err != nil {
		return res, err
	}
	res.Sync = sr
	return res, nil
}

// GaiaSyncer is the GAIA sync of one domain with its configured role map,
// unknown-user policy and account auth.
func (a *App) GaiaSyncer(domain string) (*gaia.Syncer, error) {
	d, err := a.Fleet.Get(domain)
	if err != nil {
		return nil, failure.Permanent(fmt.Errorf("gaia.sync: %w", err))
	}
	return &gaia.Syncer{St: a.Store, Client: d.Client, Domain: domain,
		Options: enrol.PlanOptions{}.WithDomainDefaults(d.Config)}, nil
}

// gaiaJobDomain is the domain a GAIA job acts on: the job's, else its
// payload's; a payload naming another domain is a permanent error.
func gaiaJobDomain(run *jobs.Run, payloadDomain string) (string, error) {
	domain := run.Domain()
	if domain == "" {
		domain = payloadDomain
	}
	if domain == "" || (payloadDomain != "" && payloadDomain != domain) {
		return "", failure.Permanent(fmt.Errorf("%s: domain %q does not match the job's %q", run.Kind(), payloadDomain, run.Domain()))
	}
	return domain, nil
}
