package app

import (
	"context"
	"sync"

	"github.com/magistere/bridge/internal/archive"
	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/enrol"
	"github.com/magistere/bridge/internal/gaia"
	"github.com/magistere/bridge/internal/offer"
	"github.com/magistere/bridge/internal/tracking"
	"github.com/magistere/bridge/internal/workflow"
)

// Services are the features' services, built once by Open and kept: the
// CLI's commands, the API, the job handlers and the demo all call these
// instances, so what one entry sets up (a catalogue, a mirror) the others
// see too, and Close knows what there is to release.
type Services struct {
	Workflow *workflow.Service
	Offer    *offer.Service
	Archive  *archive.Service
	Tracking *tracking.Service
	Enrol    *enrol.Service
	Gaia     *gaia.Service
	Domains  *domains.Service
}

// buildServices builds each feature's service over the app's store,
// fleet, queue and data directory. Archiving unpublishes through the same
// offer service (which audits it).
func (a *App) buildServices() {
	a.Workflow = workflow.New(a.Store, a.Fleet, a.Queue)
	a.Offer = offer.New(a.Store, a.Fleet, a.Queue, a.Cfg.DataDir)
	a.Tracking = tracking.New(a.Store, a.Fleet)
	a.Enrol = enrol.New(a.Store, a.Fleet, a.Queue)
	a.Domains = domains.New(a.Fleet, a.Store, a.Queue)
	a.Gaia = gaia.New(a.Store, a.Fleet, a.Cfg, a.Log, gaia.Lifecycle{State: a.sessionState,
		SessionStates: []string{workflow.StateSessionPreparation, workflow.StateSessionEnCours}})
	a.Archive = archive.New(a.Store, a.Fleet, a.Queue, a.Cfg.DataDir)
	a.Archive.SetCatalogue(offerCatalogue{StoreCatalogue: archive.StoreCatalogue{St: a.Store}, offers: a.Offer})
}

// sessionState places a course in the lifecycle for GAIA linking; a
// course the lifecycle cannot place is linked as before.
func (a *App) sessionState(ctx context.Context, domain string, courseID int64) (string, string, bool) {
	v, err := a.Workflow.Show(ctx, domain, courseID)
	if err != nil {
		return "", "", false
	}
	return v.State, v.Label, true
}

// workers are the pool runs StartWorkers began; Close ends and waits for them.
type workers struct {
	mu      sync.Mutex
	cancels []context.CancelFunc
	wg      sync.WaitGroup
}

// StartWorkers runs the app's worker pool in the background until ctx
// ends or Close is called (Close waits for running steps to settle).
func (a *App) StartWorkers(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	a.workers.mu.Lock()
	a.workers.cancels = append(a.workers.cancels, cancel)
	a.workers.mu.Unlock()
	a.workers.wg.Add(1)
	go func() {
		defer a.workers.wg.Done()
		if err := a.Pool.Run(ctx); err != nil {
			a.Log.Error().Err(err).Msg("worker pool")
		}
	}()
}

// stopWorkers cancels the pools StartWorkers began and waits for them.
func (a *App) stopWorkers() {
	a.workers.mu.Lock()
	for _, c := range a.workers.cancels {
		c()
	}
	a.workers.cancels = nil
	a.workers.mu.Unlock()
	a.workers.wg.Wait()
}
