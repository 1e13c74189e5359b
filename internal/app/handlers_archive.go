package app

import (
	"context"
	"errors"

	"github.com/magistere/bridge/internal/archive"
	"github.com/magistere/bridge/internal/offer"
	"github.com/magistere/bridge/internal/store"
)

// Archiving (archive.course, archive.unarchive), automatic archiving
// (archive.auto) and the Corbeille's retention (archive.retention). Both
// batch kinds are off unless scheduled in `schedules` (e.g. cron
// "30 3 * * *", kind archive.auto or archive.retention, a domain or none
// for every domain) and the domain sets archive_after_days or
// trash_retention_days.
func init() {
	handlerSets = append(handlerSets, func(a *App) { a.Archive.Register(a.Registry) })
}

// NewArchiveService is the app's archive service (built once by Open, see
// services.go; backups under data_dir/archives and data_dir/trash). Kept
// for the callers of the previous version: use a.Archive.
func NewArchiveService(a *App) *archive.Service { return a.Archive }

// offerCatalogue unpublishes through package offer (which audits it) and
// puts the exact snapshot back on unarchive: offer.Publish would re-derive
// the entry from the course, and refuse a session not "en cours".
type offerCatalogue struct {
	archive.StoreCatalogue
	offers *offer.Service
}

func (c offerCatalogue) Unpublish(ctx context.Context, domain string, courseID int64, actor string) error {
	_, err := c.offers.Unpublish(ctx, domain, courseID, actor)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}
