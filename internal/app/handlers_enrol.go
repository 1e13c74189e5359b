package app

import (
	"context"
	"fmt"

	"github.com/magistere/bridge/internal/enrol"
	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/jobs"
)

// enrol.apply applies a CSV enrolment file (package enrol): plan, create
// accounts, groups, enrolments, each a checkpoint; the report is kept in
// the store (enrol_reports).
func init() {
	handlerSets = append(handlerSets, func(a *App) { a.Registry.Register(enrol.KindApply, a.enrolApply) })
}

func (a *App) enrolApply(ctx context.Context, run *jobs.Run) (any, error) {
	var p enrol.JobPayload
	if err := run.Decode(&p); err != nil {
		return nil, err
	}
	d, err := a.Fleet.Get(run.Domain())
	if err != nil {
		return nil, failure.Permanent(fmt.Errorf("enrol.apply: %w", err))
	}
	p.Options = p.Options.WithDomainDefaults(d.Config)
	if p.Options.Directory, _, err = enrol.DirectoryFor(d); err != nil {
		return nil, err
	}
	return enrol.RunApplyJob(ctx, d.Client, a.Store, run, p)
}
