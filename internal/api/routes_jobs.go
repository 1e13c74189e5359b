package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/magistere/bridge/internal/refusal"
	"github.com/magistere/bridge/internal/store"
)

func (s *Server) routesJobs(mux router) {
	mux.HandleFunc("GET "+Prefix+"jobs/{id}", s.jobStatus)
	mux.HandleFunc("GET "+Prefix+"jobs", s.jobHistory)
	mux.HandleFunc("GET "+Prefix+"jobs/{id}/files/{name}", s.jobFile)
}

// historyScan is how many of the domain's newest jobs a history request
// looks through for the caller's own.
const historyScan = 1000

// JobHistory is a user's recent jobs, newest first: what a block lists
// under "Vos demandes", kept by the bridge rather than the Moodle session.
type JobHistory struct {
	Jobs []JobStatus `json:"jobs"`
}

// jobHistory answers the caller's own recent jobs (never a colleague's),
// optionally only those of one course (?course=ID, read from the job's
// payload) and of kinds starting with ?kind= (e.g. "workflow."), at most
// ?limit= (default 5, at most 50).
func (s *Server) jobHistory(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	if c.UserID == 0 {
		writeError(w, http.StatusForbidden, "forbidden", nil)
		return
	}
	q := r.URL.Query()
	var course int64
	if v := q.Get("course"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			badRequest(w, "bad_course", "course must be a positive integer")
			return
		}
		course = n
	}
	limit := 5
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			badRequest(w, "bad_limit", "limit must be a positive integer")
			return
		}
		limit = min(n, 50)
	}
	kind := q.Get("kind")
	all, err := s.deps.Store.ListJobs(r.Context(), store.JobFilter{Domain: c.Domain, Limit: historyScan})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	me := actor(c)
	out := JobHistory{Jobs: []JobStatus{}}
	for _, j := range all {
		if len(out.Jobs) == limit {
			break
		}
		if j.RequestedBy != me || !strings.HasPrefix(j.Kind, kind) || (course != 0 && payloadCourse(j.Payload) != course) {
			continue
		}
		out.Jobs = append(out.Jobs, jobStatusOf(j))
	}
	writeJSON(w, http.StatusOK, out)
}

// payloadCourse is the course a job works on, when its payload names one
// (a workflow job's course_id, an enrolment's first course); 0 otherwise.
func payloadCourse(raw json.RawMessage) int64 {
	var p struct {
		CourseID int64 `json:"course_id"`
		Options  struct {
			CourseIDs []int64 `json:"course_ids"`
		} `json:"options"` // an enrolment's plan options
	}
	if json.Unmarshal(raw, &p) != nil {
		return 0
	}
	if p.CourseID == 0 && len(p.Options.CourseIDs) > 0 {
		return p.Options.CourseIDs[0]
	}
	return p.CourseID
}

// JobStatus is what a block polls.
type JobStatus struct {
	ID       int64   `json:"id"`
	Kind     string  `json:"kind"`
	State    string  `json:"state"`
	Finished bool    `json:"finished"`
	Done     int     `json:"done"`
	Total    int     `json:"total"`
	Message  string  `json:"message,omitempty"`
	Result   rawJSON `json:"result,omitempty"`
	Error    string  `json:"error,omitempty"`
	// Refusal is the code and both reasons when the job failed on a refusal.
	Refusal *refusal.Refusal `json:"refusal,omitempty"`
	Updated jsonTime         `json:"updated_at"`
}

type jsonTime time.Time

func (t jsonTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format(time.RFC3339) + `"`), nil
}

// jobStatus shows a job only to who asked for it (or to the site itself):
// another domain's job, or a colleague's, is "not found".
func (s *Server) jobStatus(w http.ResponseWriter, r *http.Request) {
	if j, ok := s.ownJob(w, r); ok {
		writeJSON(w, http.StatusOK, jobStatusOf(j))
	}
}

// ownJob reads the {id} job when the caller may see it (jobStatus).
func (s *Server) ownJob(w http.ResponseWriter, r *http.Request) (store.Job, bool) {
	id, ok := pathInt(r, "id")
	if !ok {
		badRequest(w, "bad_job", "job id must be a positive integer")
		return store.Job{}, false
	}
	c, _ := CallerFrom(r.Context())
	j, err := s.deps.Store.GetJob(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return j, false
	}
	if j.Domain != c.Domain || (c.UserID != 0 && j.RequestedBy != actor(c)) {
		writeError(w, http.StatusNotFound, "not_found", nil)
		return j, false
	}
	return j, true
}

// jobFile hands one of a succeeded job's files (certificates) to who asked
// for the job; audited, as the files may be nominative.
func (s *Server) jobFile(w http.ResponseWriter, r *http.Request) {
	auditNominativeRead(r, "api.jobs.file", "job:"+r.PathValue("id"))
	j, ok := s.ownJob(w, r)
	if !ok {
		return
	}
	if j.State != store.JobSucceeded {
		writeError(w, http.StatusConflict, "job_not_succeeded", nil)
		return
	}
	f, err := s.deps.Store.GetJobFile(r.Context(), j.ID, r.PathValue("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	setAuditDetail(r, f.Name)
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", f.Name))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(f.Data)
}

func jobStatusOf(j store.Job) JobStatus {
	st := JobStatus{ID: j.ID, Kind: j.Kind, State: string(j.State), Finished: j.Finished(),
		Done: j.ProgressDone, Total: j.ProgressTotal, Message: j.ProgressMessage, Updated: jsonTime(j.UpdatedAt)}
	if j.State == store.JobSucceeded {
		st.Result = j.Result
	}
	if j.State == store.JobFailed {
		st.Error = j.LastError
		st.Refusal = j.Refusal
	}
	return st
}
