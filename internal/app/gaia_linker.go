package app

import (
	"context"
	"strconv"

	"github.com/magistere/bridge/internal/gaia"
	"github.com/magistere/bridge/internal/workflow"
)

// GaiaLinker links session courses to GAIA sessions for every entry (CLI,
// demo): course checked on its site, lifecycle state, audit.
func (a *App) GaiaLinker() *gaia.Linker {
	wf := a.Workflow
	return &gaia.Linker{
		St: a.Store,
		Course: func(ctx context.Context, domain string, courseID int64) (bool, error) {
			d, err := a.Fleet.Get(domain)
			if err != nil {
				return false, err
			}
			found, err := d.Client.GetCoursesByField(ctx, "id", strconv.FormatInt(courseID, 10))
			return len(found) > 0, err
		},
		State: func(ctx context.Context, domain string, courseID int64) (string, string, bool) {
			v, err := wf.Show(ctx, domain, courseID)
			if err != nil {
				return "", "", false // a course the lifecycle cannot place is linked as before
			}
			return v.State, v.Label, true
		},
		SessionStates: []string{workflow.StateSessionPreparation, workflow.StateSessionEnCours},
	}
}
