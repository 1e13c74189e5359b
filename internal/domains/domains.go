// Package domains is the fleet of Moodle sites the bridge drives: the
// national hub and the académies, each with its web-service client, and
// the list of web-service functions the bridge relies on.
package domains

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/config"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/moodledb"
)

// Domain is one configured Moodle site and its client.
type Domain struct {
	Config config.Domain
	Client *moodle.Client

	dbOnce sync.Once
	db     *moodledb.DB
	dbErr  error
}

// Database is the site's read-only database (db_dsn), opened on first use
// and shared by every feature; nil without db_dsn. Fleet.Close closes it.
func (d *Domain) Database() (*moodledb.DB, error) {
	if d.Config.DBDSN == "" {
		return nil, nil
	}
	d.dbOnce.Do(func() {
		d.db, d.dbErr = moodledb.Open(d.Config.DBDSN, d.Config.DBPrefix)
		if d.dbErr != nil {
			d.dbErr = fmt.Errorf("domain %s database: %w", d.Name(), d.dbErr)
		}
	})
	return d.db, d.dbErr
}

// Close releases the databases the domains opened.
func (f *Fleet) Close() {
	for _, d := range f.All() {
		if d.db != nil {
			d.db.Close()
		}
	}
}

// Name is the domain's configured name.
func (d *Domain) Name() string { return d.Config.Name }

// Fleet holds every configured domain.
type Fleet struct {
	mu       sync.RWMutex
	byName   map[string]*Domain
	order    []string
	national string
	// calendarPath is the configuration's calendar data file (see
	// config.CalendarPath), read through calendar.Effective.
	calendarPath string
}

// CalendarPath is the calendar data file of the configuration.
func (f *Fleet) CalendarPath() string { return f.calendarPath }

// NewFleet builds one client per configured domain. httpClient may be nil.
func NewFleet(cfg *config.Config, httpClient *http.Client, log zerolog.Logger) (*Fleet, error) {
	f := &Fleet{byName: map[string]*Domain{}, national: cfg.National, calendarPath: cfg.CalendarPath()}
	for _, dc := range cfg.Domains {
		client, err := moodle.New(moodle.Site{Name: dc.Name, WWWRoot: dc.WWWRoot, Token: dc.Token}, moodle.Options{
			Timeout:       dc.Timeout,
			MaxInputVars:  dc.MaxInputVars,
			Concurrency:   dc.Concurrency,
			RatePerSecond: dc.RatePerSec,
			HTTPClient:    httpClient,
			Logger:        log.With().Str("domain", dc.Name).Logger(),
		})
		if err != nil {
			return nil, fmt.Errorf("domain %s: %w", dc.Name, err)
		}
		f.byName[dc.Name] = &Domain{Config: dc, Client: client}
		f.order = append(f.order, dc.Name)
	}
	return f, nil
}

// Get returns the domain called name or an error naming the known ones.
func (f *Fleet) Get(name string) (*Domain, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if d, ok := f.byName[name]; ok {
		return d, nil
	}
	known := append([]string(nil), f.order...)
	sort.Strings(known)
	return nil, &UnknownError{Name: name, Known: known}
}

// UnknownError names a domain the configuration does not have (the CLI
// says it in the operator's language).
type UnknownError struct {
	Name  string
	Known []string // sorted
}

func (e *UnknownError) Error() string {
	return fmt.Sprintf("unknown domain %q (configured: %v)", e.Name, e.Known)
}

// ErrNoNational: the configuration names no national domain (key national).
var ErrNoNational = errors.New("no national domain configured (key: national)")

// All returns the domains in configuration order.
func (f *Fleet) All() []*Domain {
	f.mu.RLock()
	defer f.mu.RUnlock()
	out := make([]*Domain, 0, len(f.order))
	for _, n := range f.order {
		out = append(out, f.byName[n])
	}
	return out
}

// National returns the domain hosting the national offer, if configured.
func (f *Fleet) National() (*Domain, error) {
	if f.national == "" {
		return nil, ErrNoNational
	}
	return f.Get(f.national)
}

// Ping probes a domain's site; it is the readiness check of a domain.
func (d *Domain) Ping(ctx context.Context) error {
	_, err := d.Client.Probe(ctx)
	return err
}
