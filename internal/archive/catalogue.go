package archive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/store"
)

// StoreCatalogue is the offre de formation kept in the store (table
// offers, kind "formation"): a published session is an entry; removing it
// unpublishes, and the snapshot taken before puts it back unchanged.
type StoreCatalogue struct{ St *store.Store }

// Published returns the session's entry as JSON, nil when not published.
func (c StoreCatalogue) Published(ctx context.Context, domain string, courseID int64) (json.RawMessage, error) {
	o, err := c.St.OfferByCourse(ctx, store.OfferFormation, domain, courseID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read offer of course %d: %w", courseID, err)
	}
	raw, err := json.Marshal(o)
	if err != nil {
		return nil, failure.Permanent(fmt.Errorf("encode offer of course %d: %w", courseID, err))
	}
	return raw, nil
}

// Unpublish removes the session's entry; an entry already gone is fine.
func (c StoreCatalogue) Unpublish(ctx context.Context, domain string, courseID int64, _ string) error {
	o, err := c.St.OfferByCourse(ctx, store.OfferFormation, domain, courseID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read offer of course %d: %w", courseID, err)
	}
	if _, err := c.St.DeleteOffer(ctx, o.ID); err != nil {
		return fmt.Errorf("unpublish course %d: %w", courseID, err)
	}
	return nil
}

// Republish puts a snapshot taken by Published back in the catalogue.
func (c StoreCatalogue) Republish(ctx context.Context, snapshot json.RawMessage) error {
	var o store.Offer
	if err := json.Unmarshal(snapshot, &o); err != nil {
		return failure.Permanent(fmt.Errorf("decode offer snapshot: %w", err))
	}
	o.ID = 0
	if _, err := c.St.PutOffer(ctx, o); err != nil {
		return fmt.Errorf("republish course %d: %w", o.CourseID, err)
	}
	return nil
}

// StoreAttendance counts the participants marked present ("Formation
// terminée") in the store's attendance table (package tracking).
type StoreAttendance struct{ St *store.Store }

// AttendanceCount is the number of participants marked present.
func (a StoreAttendance) AttendanceCount(ctx context.Context, domain string, courseID int64) (int, error) {
	present, err := a.St.Attendance(ctx, domain, courseID)
	if err != nil {
		return 0, fmt.Errorf("attendance of course %d: %w", courseID, err)
	}
	return len(present), nil
}
