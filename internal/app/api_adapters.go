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
type offerAPI struct {
	svc *offer.Service
	st  *store.Store
}

func (o offerAPI) Search(ctx context.Context, domain string, q api.OfferQuery) (any, error) {
	page, err := o.svc.Search(ctx, store.OfferFilter{Kind: q.Kind, Text: q.Text, Origin: q.Origin, Collection: q.Collection,
		Public: q.Public, MinMinutes: q.MinMinutes, MaxMinutes: q.MaxMinutes, Domain: domain, PerPage: q.PerPage, Page: q.Page})
	if err != nil {
		return nil, err
	}
	hide(page.Offers)
	facets, err := o.facets(ctx, domain, q.Kind)
	if err != nil {
		return nil, err
	}
	return map[string]any{"total": page.Total, "page": page.Page, "per_page": page.PerPage, "offers": page.Offers,
		"facets": facets}, nil
}

// hide removes the backup's path and checksum: the daemon's business, not the block's.
func hide(offers []store.Offer) {
	for i := range offers {
		offers[i].FilePath, offers[i].Checksum = "", ""
	}
}

// facetScan bounds the entries read to list the filters' values: the
// national catalogue holds hundreds of entries, not thousands.
const facetScan = 200

// facets are the values the search filters offer (origins, collections,
// publics), as the catalogue spells them, sorted.
func (o offerAPI) facets(ctx context.Context, domain, kind string) (map[string][]string, error) {
	all, err := o.svc.Search(ctx, store.OfferFilter{Kind: kind, Domain: domain, PerPage: facetScan, Page: 1})
	if err != nil {
		return nil, err
	}
	sets := map[string]map[string]bool{"origins": {}, "collections": {}, "publics": {}}
	for _, e := range all.Offers {
		sets["origins"][e.Origin] = true
		sets["collections"][e.Collection] = true
		for _, p := range e.Publics {
			sets["publics"][p] = true
		}
	}
	out := map[string][]string{}
	for name, set := range sets {
		out[name] = []string{}
		for v := range set {
			if v != "" {
				out[name] = append(out[name], v)
			}
		}
		slices.Sort(out[name])
	}
	return out, nil
}

// Get is one listed entry; a local entry of another domain, or a parcours
// no longer shared, is "not found".
func (o offerAPI) Get(ctx context.Context, domain string, userID, id int64) (any, error) {
	e, err := o.st.GetOffer(ctx, id)
	if err != nil {
		return nil, err
	}
	if (e.Kind == store.OfferParcours && e.Version == 0) || (e.Scope == store.ScopeLocal && e.Domain != domain) {
		return nil, fmt.Errorf("offer %d: %w", id, store.ErrNotFound)
	}
	one := []store.Offer{e}
	hide(one)
	out := map[string]any{"offer": one[0]}
	if userID != 0 {
		r, found, err := o.svc.LiveRequest(ctx, domain, userID, id)
		if err != nil {
			return nil, err
		}
		if found {
			out["request"] = r
		}
	}
	return out, nil
}

// myRequestsShown bounds the list of a person's requests.
const myRequestsShown = 10

func (o offerAPI) MyRequests(ctx context.Context, domain string, userID int64) (any, error) {
	list, err := o.st.ListOfferRequests(ctx, domain, "")
	if err != nil {
		return nil, err
	}
	mine := []store.OfferRequest{}
	for _, r := range list {
		if r.RequesterUserID == userID && len(mine) < myRequestsShown {
			mine = append(mine, r)
		}
	}
	return map[string]any{"requests": mine}, nil
}

func (o offerAPI) Request(ctx context.Context, domain string, userID, offerID int64, name, shortname, actor string) (any, error) {
	return o.svc.Request(ctx, offer.RequestInput{OfferID: offerID, TargetDomain: domain, RequestedBy: actor,
		RequesterUserID: userID, Name: name, ShortName: shortname})
}

func (o offerAPI) Requests(ctx context.Context, domain string) (any, error) {
	list, err := o.st.ListOfferRequests(ctx, domain, store.RequestRequested)
	if err != nil {
		return nil, err
	}
	return map[string]any{"requests": list}, nil
}

func (o offerAPI) Decide(ctx context.Context, domain string, id int64, approve bool, reason, actor string) (any, error) {
	req, err := o.st.GetOfferRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	if req.TargetDomain != domain {
		return nil, fmt.Errorf("offer request %d of another domain: %w", id, store.ErrNotFound)
	}
	if !approve {
		return o.svc.Reject(ctx, id, actor, reason)
	}
	req, job, err := o.svc.Approve(ctx, id, actor)
	if err != nil {
		return nil, err
	}
	return map[string]any{"request": req, "job_id": job.ID}, nil
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

func (t trackingAPI) Stats(ctx context.Context, domain string, courseID int64) (any, error) {
	st, err := tracking.Statistics(ctx, t.st, domain, courseID)
	if err != nil {
		return nil, err
	}
	buckets := make([]map[string]any, len(st.Buckets))
	for i, n := range st.Buckets {
		buckets[i] = map[string]any{"label": tracking.BucketLabels[i], "count": n}
	}
	return map[string]any{"stats": st, "buckets": buckets, "svg": st.SVG("Progression")}, nil
}

// progressRow has no time spent, by design.
type progressRow struct {
	UserID     int64  `json:"user_id"`
	FullName   string `json:"fullname"`
	Percent    int    `json:"percent"`
	Completed  bool   `json:"completed"`
	LastAccess int64  `json:"last_access"`
	// Attended is "Formation terminée": the formateur's decision, apart
	// from the progress bar.
	Attended bool `json:"attended"`
}

func (t trackingAPI) Progress(ctx context.Context, domain string, courseID, acting int64) (any, error) {
	sess, err := t.svc.Nominative(ctx, domain, courseID, whoOf(ctx, domain, acting), "api.tracking.progress")
	if err != nil {
		return nil, err
	}
	attended, err := t.st.Attendance(ctx, domain, courseID)
	if err != nil {
		return nil, err
	}
	rows := make([]progressRow, 0, len(sess.Participants))
	for _, p := range sess.Participants {
		rows = append(rows, progressRow{UserID: p.UserID, FullName: p.FirstName + " " + p.LastName, Percent: p.Percent(),
			Completed: p.Completed, LastAccess: p.LastAccess, Attended: attended[p.UserID]})
	}
	return map[string]any{"course_id": courseID, "monitored": sess.Monitored, "participants": rows}, nil
}

func (t trackingAPI) SetAttendance(ctx context.Context, domain string, courseID, acting int64, userIDs []int64, done bool) (any, error) {
	res, err := t.svc.SetAttendance(ctx, domain, courseID, whoOf(ctx, domain, acting), userIDs, done, t.mirror != nil && t.mirror(domain))
	if err != nil {
		return nil, err
	}
	return map[string]any{"results": res}, nil
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
