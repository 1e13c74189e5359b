package app

import (
	"context"
	"time"

	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/jobs"
)

// KindDomainsBootstrap is the job creating a domain's category skeleton
// where missing and recording its category and role ids (domains.Bootstrap,
// idempotent). `bridge domains bootstrap` runs one per domain in the CLI
// process; the result is the domains.BootstrapReport.
const KindDomainsBootstrap = "domains.bootstrap"

func init() {
	handlerSets = append(handlerSets, func(a *App) { a.Registry.Register(KindDomainsBootstrap, a.domainsBootstrap) })
}

func (a *App) domainsBootstrap(ctx context.Context, run *jobs.Run) (any, error) {
	d, err := a.Fleet.Get(run.Domain())
	if err != nil {
		return nil, failure.Permanent(err)
	}
	// Its lookups retry a transient failure (the job context's read retry,
	// app.Open); a failed run is run again whole a few times here (each run
	// completes the previous one), then the job's own retries take over.
	run.Progress(0, 1, "bootstrap "+d.Name())
	rep, err := domains.BootstrapRetry(ctx, d, a.Store, 3, time.Second)
	if err != nil {
		return nil, err
	}
	run.Progress(1, 1, "done")
	return rep, nil
}
