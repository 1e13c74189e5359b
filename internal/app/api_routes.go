package app

import (
	"net/http"
	"time"

	"github.com/magistere/bridge/internal/api"
)

// mountAPI serves the signed API of the Moodle plugins on mux. Each
// domain signs with its own secret (domains[].secret). Nonces live in the
// store on MySQL, where replicas share it; SQLite means one process, so
// memory is enough.
func (a *App) mountAPI(mux *http.ServeMux) {
	srv := a.NewAPI()
	srv.Register(mux)
	// /readyz?verbose=1 is signed like an API request.
	a.Health.SetVerifier(srv.Verifier())
}

// NewAPI builds the API server over the app's store, fleet and queue.
func (a *App) NewAPI() *api.Server {
	secrets := map[string][]byte{}
	for _, d := range a.Cfg.Domains {
		if d.Secret != "" {
			secrets[d.Name] = []byte(d.Secret)
		}
	}
	// Nonces live in the store on every backend: a signed request captured
	// before a restart (or sent to another replica) is refused too.
	nonces := api.NewDBNonceStore(a.Store, time.Minute)
	log := a.Log.With().Str("component", "api").Logger()
	return api.NewServer(a.apiDeps(), api.Options{
		Secrets:        func(d string) ([]byte, bool) { s, ok := secrets[d]; return s, ok },
		Nonces:         nonces,
		MaxUploadBytes: int64(a.Cfg.API.MaxUploadMB) << 20,
		MaxUploads:     a.Cfg.API.MaxUploads,
		RatePerMinute:  a.Cfg.API.RatePerMin,
		MaxSkew:        time.Duration(a.Cfg.API.ClockSkewSec) * time.Second,
		Logger:         &log,
	})
}

// apiDeps are the services the API calls: the app's own instances (see
// services.go), the same the CLI and the job handlers call.
func (a *App) apiDeps() api.Deps {
	return api.Deps{
		Store: a.Store, Queue: a.Queue, Fleet: a.Fleet,
		Workflow: a.Workflow, Enrol: a.Enrol,
		Offer: a.apiOffer(), Tracking: a.apiTracking(), Archive: archiveAPI{svc: a.Archive},
	}
}

// apiOffer and apiTracking adapt the offer and tracking services to the
// API (see api_adapters.go).
func (a *App) apiOffer() api.OfferService {
	return offerAPI{svc: a.Offer}
}

func (a *App) apiTracking() api.TrackingService {
	mirror := func(domain string) bool {
		d, err := a.Fleet.Get(domain)
		return err == nil && d.Config.AttendanceMirror
	}
	return trackingAPI{svc: a.Tracking, st: a.Store, mirror: mirror}
}
