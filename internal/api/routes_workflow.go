package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/magistere/bridge/internal/refusal"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/workflow"
)

func (s *Server) routesWorkflow(mux router) {
	mux.HandleFunc("GET "+Prefix+"courses/{course}/workflow", s.showWorkflow)
	mux.HandleFunc("POST "+Prefix+"courses/{course}/workflow/{transition}", s.runTransition)
	mux.HandleFunc("POST "+Prefix+"courses/{course}/sessions", s.createSessions)
	mux.HandleFunc("POST "+Prefix+"courses/{course}/sessions/preview", s.previewSessions)
}

// sessionsPreview is what creating sessions with these parameters would
// give, before anything is made: the calendar warnings of create-sessions
// (the same check) and the number of sessions.
type sessionsPreview struct {
	Sessions int                `json:"sessions"`
	Warnings []workflow.Warning `json:"warnings"`
}

// previewSessions lets the workflow block show the calendar warnings before
// the trainer confirms "Créer les sessions". Read-only: nothing is queued.
func (s *Server) previewSessions(w http.ResponseWriter, r *http.Request) {
	course, ok := pathInt(r, "course")
	if !ok {
		badRequest(w, "bad_course", "course id must be a positive integer")
		return
	}
	c, ok := s.authorize(w, r, course, AccessFormateur, false)
	if !ok {
		return
	}
	p, ok := decodeTransitionParams(w, r, workflow.CreateSessions)
	if !ok {
		return
	}
	ws, ok := s.calendarWarnings(w, r, c.Domain, p)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, sessionsPreview{Sessions: workflow.SessionCount(p.Participants, p.Max), Warnings: ws})
}

// calendarWarnings runs create-sessions' calendar check for a request; a
// malformed date or slot is the caller's 400, an unreadable calendar is
// logged and failed, never a silent success.
func (s *Server) calendarWarnings(w http.ResponseWriter, r *http.Request, domain string, p workflow.Params) ([]workflow.Warning, bool) {
	ws, err := s.deps.Workflow.CalendarWarnings(domain, p)
	if err != nil && strings.HasPrefix(err.Error(), "session dates") {
		badRequest(w, "bad_params", `dates must be YYYY-MM-DD and virtual classes "JJ/MM/AAAA HH:MM"`)
		return nil, false
	}
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	out := make([]workflow.Warning, 0, len(ws))
	for _, w := range ws {
		out = append(out, workflow.Warning{Code: w.Code, Date: w.Date.Format(time.DateOnly), FR: w.MessageFR, EN: w.MessageEN})
	}
	return out, true
}

// workflowView is the block's view: the state, and which options this
// caller may use (a tuteur sees the state but no forms).
type workflowView struct {
	*workflow.View
	Access string `json:"access"`
	CanAct bool   `json:"can_act"`
}

func (s *Server) showWorkflow(w http.ResponseWriter, r *http.Request) {
	course, ok := pathInt(r, "course")
	if !ok {
		badRequest(w, "bad_course", "course id must be a positive integer")
		return
	}
	c, ok := s.authorize(w, r, course, AccessTuteur, false)
	if !ok {
		return
	}
	v, err := s.deps.Workflow.Show(r.Context(), c.Domain, course)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if s.deps.Archive != nil {
		more, err := s.archiveOptions(r.Context(), c.Domain, course, v.State)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.Options = append(v.Options, more...)
	}
	acc, _ := s.courseAccess(r.Context(), c, course)
	writeJSON(w, http.StatusOK, workflowView{View: v, Access: acc.String(), CanAct: acc >= AccessFormateur})
}

func (s *Server) runTransition(w http.ResponseWriter, r *http.Request) {
	s.submitTransition(w, r, r.PathValue("transition"))
}

func (s *Server) createSessions(w http.ResponseWriter, r *http.Request) {
	s.submitTransition(w, r, workflow.CreateSessions)
}

// jobAccepted is the answer of every long action: poll GET /jobs/{id}.
type jobAccepted struct {
	JobID    int64  `json:"job_id"`
	State    string `json:"state"`
	Created  bool   `json:"created"`
	Warnings any    `json:"warnings,omitempty"`
}

func accepted(w http.ResponseWriter, job store.Job, created bool, warnings any) {
	w.Header().Set("Location", Prefix+"jobs/"+strconv.FormatInt(job.ID, 10))
	writeJSON(w, http.StatusAccepted, jobAccepted{JobID: job.ID, State: string(job.State), Created: created, Warnings: warnings})
}

func (s *Server) submitTransition(w http.ResponseWriter, r *http.Request, transition string) {
	course, ok := pathInt(r, "course")
	if !ok {
		badRequest(w, "bad_course", "course id must be a positive integer")
		return
	}
	if (transition == TransitionArchive || transition == TransitionUnarchive) && s.deps.Archive != nil {
		s.submitArchive(w, r, course, transition)
		return
	}
	setAudit(r, "api.workflow."+transition, "course:"+strconv.FormatInt(course, 10))
	if !slices.Contains(workflow.Transitions, transition) {
		writeError(w, http.StatusNotFound, "unknown_transition", nil)
		return
	}
	c, ok := s.authorize(w, r, course, AccessFormateur, false)
	if !ok {
		return
	}
	p, ok := decodeTransitionParams(w, r, transition)
	if !ok {
		return
	}
	// Who creates is the signed caller, never a field of the body.
	p.CreatorID = c.UserID
	var warnings any
	if transition == workflow.CreateSessions {
		ws, ok := s.calendarWarnings(w, r, c.Domain, p)
		if !ok {
			return
		}
		warnings = ws
	}
	job, created, err := s.deps.Workflow.Submit(r.Context(), workflow.Request{
		Transition: transition, Domain: c.Domain, CourseID: course, Params: p, RequestedBy: actor(c)})
	if ref, ok := refusal.As(err); ok {
		setAuditDetail(r, ref.Code)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	setAuditJob(r, job.ID)
	accepted(w, job, created, warnings)
}

// rawJSON keeps a job result as the handler stored it.
type rawJSON = json.RawMessage

// decodeTransitionParams reads a transition's parameters, refusing (400)
// any the transition does not take from a plugin.
func decodeTransitionParams(w http.ResponseWriter, r *http.Request, transition string) (workflow.Params, bool) {
	var p workflow.Params
	raw, err := io.ReadAll(r.Body)
	var keys map[string]json.RawMessage
	if err == nil && len(bytes.TrimSpace(raw)) > 0 {
		err = json.Unmarshal(raw, &keys)
	}
	if err != nil {
		badRequest(w, "bad_json", "the body must be a JSON object of transition parameters")
		return p, false
	}
	if err := workflow.CheckPluginParams(transition, slices.Collect(maps.Keys(keys))); err != nil {
		setAuditDetail(r, err.Error())
		badRequest(w, "bad_params", err.Error())
		return p, false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil && !errors.Is(err, io.EOF) {
		badRequest(w, "bad_json", "the body must be a JSON object of transition parameters")
		return p, false
	}
	return p, true
}
