package app

import (
	"context"
	"fmt"

	"github.com/magistere/bridge/internal/enrol"
	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/gaia"
	"github.com/magistere/bridge/internal/jobs"
)

// gaia.sync re-enrols the participants and formateurs GAIA lists for every
// course linked to a GAIA session of the domain (package gaia). Schedule
// it in `schedules`, e.g. cron "0 6 * * *", kind gaia.sync, a domain or
// none for every domain.
func init() {
	handlerSets = append(handlerSets, func(a *App) { a.Registry.Register(gaia.KindSync, a.gaiaSync) })
}

func (a *App) gaiaSync(ctx context.Context, run *jobs.Run) (any, error) {
	var p gaia.SyncPayload
	if err := run.Decode(&p); err != nil {
		return nil, err
	}
	domain := run.Domain()
	if domain == "" {
		domain = p.Domain
	}
	if domain == "" || (p.Domain != "" && p.Domain != domain) {
		return nil, failure.Permanent(fmt.Errorf("gaia.sync: domain %q does not match the job's %q", p.Domain, run.Domain()))
	}
	s, err := a.GaiaSyncer(domain)
	if err != nil {
		return nil, err
	}
	return s.Sync(ctx, run, p.DryRun)
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
