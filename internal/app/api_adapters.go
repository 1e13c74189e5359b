package app

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/magistere/bridge/internal/api"
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

func (o offerAPI) Search(ctx context.Context, domain, query string, limit int) (any, error) {
	page, err := o.svc.Search(ctx, store.OfferFilter{Text: query, Domain: domain, PerPage: limit, Page: 1})
	if err != nil {
		return nil, err
	}
	// The backup's path and checksum are the daemon's business, not the block's.
	for i := range page.Offers {
		page.Offers[i].FilePath, page.Offers[i].Checksum = "", ""
	}
	return page, nil
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
	sess, err := t.svc.Nominative(ctx, domain, courseID, acting, "api.tracking.progress")
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
	res, err := t.svc.SetAttendance(ctx, domain, courseID, acting, userIDs, done, t.mirror != nil && t.mirror(domain))
	if err != nil {
		return nil, err
	}
	return map[string]any{"results": res}, nil
}

// Certificates gives one user's PDF, or the ZIP of the asked users' PDFs.
func (t trackingAPI) Certificates(ctx context.Context, domain string, courseID, acting int64, userIDs []int64) (string, string, []byte, error) {
	set, err := t.svc.Certificates(ctx, domain, courseID, acting, tracking.CertificateOptions{})
	if err != nil {
		return "", "", nil, err
	}
	var picked [][2]string
	var docs [][]byte
	for _, d := range set.Individuals {
		if slices.Contains(userIDs, d.UserID) {
			picked = append(picked, [2]string{d.FileName, ""})
			docs = append(docs, d.PDF)
		}
	}
	switch len(docs) {
	case 0:
		return "", "", nil, fmt.Errorf("no certificate for these participants (not marked \"Formation terminée\"): %w", store.ErrNotFound)
	case 1:
		return picked[0][0], "application/pdf", docs[0], nil
	}
	var buf bytes.Buffer
	if err := writeZip(&buf, picked, docs); err != nil {
		return "", "", nil, err
	}
	return fmt.Sprintf("attestations-%d.zip", courseID), "application/zip", buf.Bytes(), nil
}

var (
	_ api.OfferService    = offerAPI{}
	_ api.TrackingService = trackingAPI{}
)
