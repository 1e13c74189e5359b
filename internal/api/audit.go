package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/magistere/bridge/internal/store"
)

// auditNote is filled by a handler (target, job) and read by
// auditMutations once the answer is written.
type auditNote struct {
	action, target, detail string
	jobID                  int64
	read                   bool // a nominative read: audited even though it is a GET
}

type auditKey struct{}

func noteFrom(r *http.Request) *auditNote {
	n, _ := r.Context().Value(auditKey{}).(*auditNote)
	return n
}

// setAudit names what a call acted on.
func setAudit(r *http.Request, action, target string) {
	if n := noteFrom(r); n != nil {
		n.action, n.target = action, target
	}
}

func setAuditJob(r *http.Request, id int64) {
	if n := noteFrom(r); n != nil {
		n.jobID = id
	}
}

func setAuditDetail(r *http.Request, detail string) {
	if n := noteFrom(r); n != nil {
		n.detail = detail
	}
}

// auditNominativeRead marks a GET that returns personal data: CNIL wants
// every such access recorded.
func auditNominativeRead(r *http.Request, action, target string) {
	if n := noteFrom(r); n != nil {
		n.action, n.target, n.read = action, target, true
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// auditMutations records every call that is not a GET/HEAD, refused or
// not, and every nominative read, with the HTTP status as outcome.
func (s *Server) auditMutations(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		note := &auditNote{}
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), auditKey{}, note)))
		mutating := r.Method != http.MethodGet && r.Method != http.MethodHead
		if !mutating && !note.read {
			return
		}
		c, _ := CallerFrom(r.Context())
		action := note.action
		if action == "" {
			action = "api." + r.Method + " " + clip(r.URL.Path, 200)
		}
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		// The request's own context may be done (client gone): the audit still goes in.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
		defer cancel()
		if _, err := s.deps.Store.RecordAudit(ctx, store.AuditEntry{
			Actor: actor(c), Domain: c.Domain, Action: action, Target: note.target,
			Outcome: strconv.Itoa(status), JobID: note.jobID, Detail: note.detail,
		}); err != nil {
			s.log.Error().Err(err).Str("action", action).Msg("api audit not recorded")
		}
	})
}
