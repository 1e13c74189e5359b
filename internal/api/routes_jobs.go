package api

import (
	"net/http"
	"time"

	"github.com/magistere/bridge/internal/store"
)

func (s *Server) routesJobs(mux *http.ServeMux) {
	mux.HandleFunc("GET "+Prefix+"jobs/{id}", s.jobStatus)
}

// JobStatus is what a block polls.
type JobStatus struct {
	ID       int64    `json:"id"`
	Kind     string   `json:"kind"`
	State    string   `json:"state"`
	Finished bool     `json:"finished"`
	Done     int      `json:"done"`
	Total    int      `json:"total"`
	Message  string   `json:"message,omitempty"`
	Result   rawJSON  `json:"result,omitempty"`
	Error    string   `json:"error,omitempty"`
	Updated  jsonTime `json:"updated_at"`
}

type jsonTime time.Time

func (t jsonTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format(time.RFC3339) + `"`), nil
}

// jobStatus shows a job only to who asked for it (or to the site itself):
// another domain's job, or a colleague's, is "not found".
func (s *Server) jobStatus(w http.ResponseWriter, r *http.Request) {
	id, ok := pathInt(r, "id")
	if !ok {
		badRequest(w, "bad_job", "job id must be a positive integer")
		return
	}
	c, _ := CallerFrom(r.Context())
	j, err := s.deps.Store.GetJob(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if j.Domain != c.Domain || (c.UserID != 0 && j.RequestedBy != actor(c)) {
		writeError(w, http.StatusNotFound, "not_found", nil)
		return
	}
	writeJSON(w, http.StatusOK, jobStatusOf(j))
}

func jobStatusOf(j store.Job) JobStatus {
	st := JobStatus{ID: j.ID, Kind: j.Kind, State: string(j.State), Finished: j.Finished(),
		Done: j.ProgressDone, Total: j.ProgressTotal, Message: j.ProgressMessage, Updated: jsonTime(j.UpdatedAt)}
	if j.State == store.JobSucceeded {
		st.Result = j.Result
	}
	if j.State == store.JobFailed {
		st.Error = j.LastError
	}
	return st
}
