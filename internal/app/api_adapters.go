package app

import (
	"context"
	"fmt"
	"slices"

	"github.com/magistere/bridge/internal/api"
	"github.com/magistere/bridge/internal/archive"
	"github.com/magistere/bridge/internal/certificate"
	"github.com/magistere/bridge/internal/offer"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/tracking"
)

// offerAPI adapts offer.Service to api.OfferService. Requests are scoped
// to the caller's domain: another domain's request is "not found".
type offerAPI struct{ svc *offer.Service }

func (o offerAPI) Search(ctx context.Context, domain string, q api.OfferQuery) (offer.Listing, error) {
	return o.svc.Listing(ctx, store.OfferFilter{Kind: q.Kind, Text: q.Text, Origin: q.Origin, Collection: q.Collection,
		Public: q.Public, MinMinutes: q.MinMinutes, MaxMinutes: q.MaxMinutes, Domain: domain, PerPage: q.PerPage, Page: q.Page})
}

func (o offerAPI) Get(ctx context.Context, domain string, userID, id int64) (offer.Entry, error) {
	return o.svc.Entry(ctx, domain, userID, id)
}

func (o offerAPI) MyRequests(ctx context.Context, domain string, userID int64) (offer.RequestList, error) {
	return o.svc.MyRequests(ctx, domain, userID)
}

func (o offerAPI) Request(ctx context.Context, domain string, userID, offerID int64, name, shortname, actor string) (store.OfferRequest, error) {
	return o.svc.Request(ctx, offer.RequestInput{OfferID: offerID, TargetDomain: domain, RequestedBy: actor,
		RequesterUserID: userID, Name: name, ShortName: shortname})
}

func (o offerAPI) Requests(ctx context.Context, domain string) (offer.RequestList, error) {
	return o.svc.Pending(ctx, domain)
}

func (o offerAPI) Approve(ctx context.Context, domain string, id int64, actor string) (offer.Approval, error) {
	return o.svc.ApproveIn(ctx, domain, id, actor)
}

func (o offerAPI) Reject(ctx context.Context, domain string, id int64, reason, actor string) (store.OfferRequest, error) {
	return o.svc.RejectIn(ctx, domain, id, actor, reason)
}

// trackingAPI adapts tracking.Service (which checks the CNIL gate and
// audits nominative reads itself) to api.TrackingService.
type trackingAPI struct {
	svc *tracking.Service
	st  *store.Store
	// mirror reports whether a domain mirrors "Formation terminée" to
	// Moodle's course completion (domains[].attendance_mirror).
	mirror func(domain string) bool
}

func (t trackingAPI) Stats(ctx context.Context, domain string, courseID int64) (tracking.StatsView, error) {
	return t.svc.StatsView(ctx, domain, courseID)
}

func (t trackingAPI) Progress(ctx context.Context, domain string, courseID, acting int64) (tracking.ProgressTable, error) {
	return t.svc.ProgressTable(ctx, domain, courseID, whoOf(ctx, domain, acting), "api.tracking.progress")
}

func (t trackingAPI) SetAttendance(ctx context.Context, domain string, courseID, acting int64, userIDs []int64, done bool) (tracking.AttendanceResults, error) {
	res, err := t.svc.SetAttendance(ctx, domain, courseID, whoOf(ctx, domain, acting), userIDs, done, t.mirror != nil && t.mirror(domain))
	if err != nil {
		return tracking.AttendanceResults{}, err
	}
	return tracking.AttendanceResults{Results: res}, nil
}

// Certificates gives one user's PDF, or the ZIP of the asked users' PDFs.
func (t trackingAPI) Certificates(ctx context.Context, domain string, courseID, acting int64, userIDs []int64) (string, string, []byte, error) {
	set, err := t.svc.Certificates(ctx, domain, courseID, whoOf(ctx, domain, acting), tracking.CertificateOptions{})
	if err != nil {
		return "", "", nil, err
	}
	var picked []certificate.Document
	for _, d := range set.Individuals {
		if slices.Contains(userIDs, d.UserID) {
			picked = append(picked, d)
		}
	}
	switch len(picked) {
	case 0:
		return "", "", nil, fmt.Errorf("no certificate for these participants (not marked \"Formation terminée\"): %w", store.ErrNotFound)
	case 1:
		return picked[0].FileName, "application/pdf", picked[0].PDF, nil
	}
	zip, err := certificate.Zip(picked) // the ZIP the certificates job keeps, written once
	if err != nil {
		return "", "", nil, err
	}
	return fmt.Sprintf("attestations-%d.zip", courseID), "application/zip", zip, nil
}

// archiveAPI adapts archive.Service to api.ArchiveService: the block
// archives with read-only access, no backup and no message (the CLI
// offers the other choices).
type archiveAPI struct{ svc *archive.Service }

func (a archiveAPI) CanUnarchive(ctx context.Context, domain string, courseID int64) error {
	_, err := a.svc.PlanUnarchive(ctx, archive.UnarchiveRequest{Domain: domain, CourseID: courseID})
	return err
}

func (a archiveAPI) Archive(ctx context.Context, domain string, courseID int64, actor string) (store.Job, bool, error) {
	return a.svc.Submit(ctx, archive.Request{Domain: domain, CourseID: courseID, Access: archive.AccessReadOnly, RequestedBy: actor})
}

func (a archiveAPI) Unarchive(ctx context.Context, domain string, courseID int64, actor string) (store.Job, bool, error) {
	return a.svc.SubmitUnarchive(ctx, archive.UnarchiveRequest{Domain: domain, CourseID: courseID, RequestedBy: actor})
}

var (
	_ api.ArchiveService  = archiveAPI{}
	_ api.OfferService    = offerAPI{}
	_ api.TrackingService = trackingAPI{}
)

// whoOf is the Moodle user the API admitted, vouched when the signed
// request said they manage the course from above it (acting_as).
func whoOf(ctx context.Context, domain string, acting int64) tracking.Who {
	who := tracking.MoodleUser(domain, acting)
	if c, ok := api.CallerFrom(ctx); ok && c.SiteManager && c.UserID == acting && c.Domain == domain {
		who.Vouched = true
	}
	return who
}
