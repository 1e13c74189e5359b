package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/tracking"
)

// TrackingService is what the tracking block needs from packages tracking
// and certificate; app adapts them to it.
type TrackingService interface {
	// Stats are the course's aggregates (buckets of progress, counts).
	Stats(ctx context.Context, domain string, courseID int64) (tracking.StatsView, error)
	// Progress is the per-participant table: progress and last access,
	// never time spent.
	// acting is the signed caller's Moodle user id.
	Progress(ctx context.Context, domain string, courseID, acting int64) (tracking.ProgressTable, error)
	// SetAttendance records (done) or undoes "Formation terminée".
	SetAttendance(ctx context.Context, domain string, courseID, acting int64, userIDs []int64, done bool) (tracking.AttendanceResults, error)
	// Certificates renders the attendance certificates of userIDs (PDF, or
	// a zip of PDFs for several).
	Certificates(ctx context.Context, domain string, courseID, acting int64, userIDs []int64) (name, contentType string, data []byte, err error)
}

func (s *Server) routesTracking(mux router) {
	mux.HandleFunc("GET "+Prefix+"courses/{course}/stats", s.trackingStats)
	mux.HandleFunc("GET "+Prefix+"courses/{course}/progress", s.trackingProgress)
	mux.HandleFunc("POST "+Prefix+"courses/{course}/attendance", s.trackingAttendance)
	mux.HandleFunc("POST "+Prefix+"courses/{course}/certificate-jobs", s.trackingCertificateJob)
	// The synchronous route of the previous version, whose tracking block
	// calls it: kept answering for one version, then removed. New blocks
	// submit a job (certificate-jobs), poll it, and fetch its file.
	mux.HandleFunc("POST "+Prefix+"courses/{course}/certificates", s.trackingCertificates)
}

func (s *Server) trackingReady(w http.ResponseWriter) bool {
	if s.deps.Tracking == nil {
		writeError(w, http.StatusNotImplemented, "tracking_unavailable", nil)
		return false
	}
	return true
}

// trackingStats: aggregates only, so tuteurs see them too.
func (s *Server) trackingStats(w http.ResponseWriter, r *http.Request) {
	trackingRead(s, w, r, AccessTuteur, false, func(ctx context.Context, c Caller, course int64) (tracking.StatsView, error) {
		return s.deps.Tracking.Stats(ctx, c.Domain, course)
	})
}

// trackingProgress: one row per participant, formateurs only, audited.
func (s *Server) trackingProgress(w http.ResponseWriter, r *http.Request) {
	trackingRead(s, w, r, AccessFormateur, true, func(ctx context.Context, c Caller, course int64) (tracking.ProgressTable, error) {
		return s.deps.Tracking.Progress(ctx, c.Domain, course, c.UserID)
	})
}

// trackingRead is generic over the view read, so that each route keeps
// its service's own type up to the JSON encoder.
func trackingRead[T any](s *Server, w http.ResponseWriter, r *http.Request, need Access, nominative bool,
	read func(context.Context, Caller, int64) (T, error)) {
	course, ok := pathInt(r, "course")
	if !ok {
		badRequest(w, "bad_course", "course id must be a positive integer")
		return
	}
	if !s.trackingReady(w) {
		return
	}
	if nominative {
		auditNominativeRead(r, "api.tracking.progress.read", "course:"+strconv.FormatInt(course, 10))
	}
	c, ok := s.authorize(w, r, course, need, nominative)
	if !ok {
		return
	}
	res, err := read(r.Context(), c, course)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

type usersBody struct {
	UserIDs []int64 `json:"user_ids"`
	Done    *bool   `json:"done,omitempty"`
}

func (s *Server) trackingUsers(w http.ResponseWriter, r *http.Request, action string) (Caller, int64, usersBody, bool) {
	var body usersBody
	course, ok := pathInt(r, "course")
	if !ok {
		badRequest(w, "bad_course", "course id must be a positive integer")
		return Caller{}, 0, body, false
	}
	setAudit(r, action, "course:"+strconv.FormatInt(course, 10))
	if !s.trackingReady(w) {
		return Caller{}, 0, body, false
	}
	c, ok := s.authorize(w, r, course, AccessFormateur, true)
	if !ok {
		return c, 0, body, false
	}
	if err := decodeJSON(r, &body); err != nil || len(body.UserIDs) == 0 || len(body.UserIDs) > 10000 {
		badRequest(w, "bad_json", "the body must be {\"user_ids\": [...]} with 1 to 10000 ids")
		return c, 0, body, false
	}
	setAuditDetail(r, fmt.Sprintf("users=%v", body.UserIDs))
	return c, course, body, true
}

func (s *Server) trackingAttendance(w http.ResponseWriter, r *http.Request) {
	c, course, body, ok := s.trackingUsers(w, r, "api.tracking.attendance")
	if !ok {
		return
	}
	if body.Done == nil {
		badRequest(w, "bad_json", "\"done\" (true, or false to undo) is required")
		return
	}
	res, err := s.deps.Tracking.SetAttendance(r.Context(), c.Domain, course, c.UserID, body.UserIDs, *body.Done)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// trackingCertificateJob queues the rendering of the asked participants'
// certificates and answers 202 with the job's id: poll jobs/{id}, then GET
// jobs/{id}/files/{result.download} (no "download" when none of them is
// marked "Formation terminée").
func (s *Server) trackingCertificateJob(w http.ResponseWriter, r *http.Request) {
	c, course, body, ok := s.trackingUsers(w, r, "api.certificates.request")
	if !ok {
		return
	}
	job, created, err := s.deps.Queue.Submit(r.Context(), jobs.Spec{Kind: tracking.KindCertificates, Domain: c.Domain,
		RequestedBy: actor(c), Payload: tracking.CertificatesPayload{CourseID: course, Acting: c.UserID, UserIDs: body.UserIDs,
			Actor: actor(c), Vouched: c.SiteManager}})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	setAuditJob(r, job.ID)
	accepted(w, job, created, nil)
}

// trackingCertificates renders inside the request (deprecated, see
// routesTracking).
func (s *Server) trackingCertificates(w http.ResponseWriter, r *http.Request) {
	c, course, body, ok := s.trackingUsers(w, r, "api.certificates.download")
	if !ok {
		return
	}
	name, ctype, data, err := s.deps.Tracking.Certificates(r.Context(), c.Domain, course, c.UserID, body.UserIDs)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(data)
}
