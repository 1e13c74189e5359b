package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/magistere/bridge/internal/enrol"
	"github.com/magistere/bridge/internal/fr"
	"github.com/magistere/bridge/internal/moodle"
)

func (s *Server) routesEnrol(mux router) {
	mux.HandleFunc("GET "+Prefix+"courses/{course}/enrol/options", s.enrolOptions)
	mux.HandleFunc("POST "+Prefix+"courses/{course}/enrol/preview", s.enrolPreview)
	mux.HandleFunc("POST "+Prefix+"courses/{course}/enrol/apply", s.enrolApply)
	mux.HandleFunc("GET "+Prefix+"courses/{course}/enrol/reports/{job}", s.enrolReport)
}

// PreviewAnswer is the dry run: the counts of every row's outcome, one
// page of rows (?page=, 1-based, and ?per_page=, at most MaxPreviewPage),
// and the labels of the statuses in the caller's language. Paging bounds
// the answer whatever the file's size: a 600,000-row file once made 85 MiB
// of JSON.
type PreviewAnswer struct {
	*enrol.Report
	Labels map[enrol.Status]string `json:"labels"`
	// Reasons words the rows' reason codes in the caller's language.
	Reasons   map[string]string `json:"reasons"`
	Page      int               `json:"page"`
	PerPage   int               `json:"per_page"`
	Pages     int               `json:"pages"`
	TotalRows int               `json:"total_rows"`
	// Groups counts, over the whole file, the people each group will
	// receive: a page of rows alone would undercount them.
	Groups map[string]int `json:"groups"`
	// ProblemsOnly says the rows (and TotalRows, Pages) are those of
	// ?problems=1: the rows that will not be enrolled as asked.
	ProblemsOnly bool `json:"problems_only"`
	// CreateAuth is the login method the accounts created by this file
	// get (the request's auth, or the domain's create_auth).
	CreateAuth string `json:"create_auth"`
}

// EnrolOptions is what the domain lets a block choose for a CSV upload:
// whether unknown people may be created, and with which login methods
// (the first is the default).
type EnrolOptions struct {
	CanCreate bool     `json:"can_create"`
	Auths     []string `json:"auths"`
}

// enrolOptions answers the choices of the CSV form, so that a block never
// offers what the upload would refuse.
func (s *Server) enrolOptions(w http.ResponseWriter, r *http.Request) {
	course, ok := pathInt(r, "course")
	if !ok {
		badRequest(w, "bad_course", "course id must be a positive integer")
		return
	}
	c, ok := s.authorize(w, r, course, AccessFormateur, true)
	if !ok {
		return
	}
	d, err := s.deps.Fleet.Get(c.Domain)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, EnrolOptions{CanCreate: d.Config.Unknown == "create", Auths: d.Config.AllowedCreateAuths()})
}

// okStatuses are the rows that go as asked; every other row is a problem
// the preview's "problems only" filter keeps.
var okStatuses = map[enrol.Status]bool{
	enrol.StatusWillEnrol: true, enrol.StatusWillCreate: true, enrol.StatusAlreadyEnrolled: true,
}

// Preview pages: the default and the largest page of rows.
const (
	DefaultPreviewPage = 500
	MaxPreviewPage     = 1000
)

// previewPage reads ?page= and ?per_page=.
func previewPage(r *http.Request) (page, perPage int, err error) {
	page, perPage = 1, DefaultPreviewPage
	q := r.URL.Query()
	if v := q.Get("page"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 1 {
			return 0, 0, errors.New("page must be a positive integer")
		}
	}
	if v := q.Get("per_page"); v != "" {
		if perPage, err = strconv.Atoi(v); err != nil || perPage < 1 || perPage > MaxPreviewPage {
			return 0, 0, fmt.Errorf("per_page must be between 1 and %d", MaxPreviewPage)
		}
	}
	return page, perPage, nil
}

// enrolInput is an upload: the file (raw body or multipart field "file")
// and the plan options from the query string.
func (s *Server) enrolInput(w http.ResponseWriter, r *http.Request) (Caller, []byte, enrol.PlanOptions, bool) {
	course, ok := pathInt(r, "course")
	if !ok {
		badRequest(w, "bad_course", "course id must be a positive integer")
		return Caller{}, nil, enrol.PlanOptions{}, false
	}
	setAudit(r, "api.enrol."+strings.TrimPrefix(r.URL.Path[strings.LastIndex(r.URL.Path, "/"):], "/"), "course:"+strconv.FormatInt(course, 10))
	c, ok := s.authorize(w, r, course, AccessFormateur, true)
	if !ok {
		return c, nil, enrol.PlanOptions{}, false
	}
	opts, err := s.planOptions(r, c, course)
	if err != nil {
		badRequest(w, "bad_options", err.Error())
		return c, nil, opts, false
	}
	// Every extra session must be the caller's too.
	for _, id := range opts.CourseIDs[1:] {
		if _, ok := s.authorize(w, r, id, AccessFormateur, true); !ok {
			return c, nil, opts, false
		}
	}
	if s.deps.Workflow != nil {
		for _, id := range opts.CourseIDs {
			if err := s.deps.Workflow.RequireEnrollable(r.Context(), c.Domain, id); err != nil {
				s.fail(w, r, err)
				return c, nil, opts, false
			}
		}
	}
	file, err := uploadedFile(r)
	if errors.Is(err, ErrBodyHash) {
		setAuditDetail(r, "body does not match its signed hash")
		badRequest(w, "bad_body", "the file does not match its signature: send it again")
		return c, nil, opts, false
	}
	if err != nil || len(file) == 0 {
		badRequest(w, "no_file", "send the CSV as the body or as the multipart field \"file\"")
		return c, nil, opts, false
	}
	return c, file, opts, true
}

// uploadedFile reads the body to its end, which is where a streamed body
// is checked against its signed hash (ErrBodyHash): nothing of it is used
// before.
func uploadedFile(r *http.Request) ([]byte, error) {
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		return io.ReadAll(r.Body)
	}
	mr, err := multipartReader(r.Body, params["boundary"])
	if err != nil {
		return nil, err
	}
	var file []byte
	for file == nil {
		part, err := mr.NextPart()
		if err != nil {
			return nil, fmt.Errorf("multipart: no \"file\" part: %w", err)
		}
		if part.FormName() == "file" {
			if file, err = io.ReadAll(part); err != nil {
				return nil, err
			}
		}
	}
	if _, err := io.Copy(io.Discard, r.Body); err != nil {
		return nil, err
	}
	return file, nil
}

// planOptions reads the query. The domain's policy for unknown people
// bounds the request: a block may ask "reject" where the domain creates,
// never the reverse.
func (s *Server) planOptions(r *http.Request, c Caller, course int64) (enrol.PlanOptions, error) {
	q := r.URL.Query()
	o := enrol.PlanOptions{CourseIDs: []int64{course}, Role: q.Get("role"), Group: q.Get("group"),
		Unknown: q.Get("unknown"), KeepEstablishment: q.Get("keep_establishment") == "1",
		// Removing the absent keeps enrol's safeguards: a block never forces (no remove_force here), so a file
		// with problem rows, or one that would remove too many, holds the removals (removal_held rows).
		RemoveAbsent: q.Get("remove_absent") == "1"}
	for _, v := range strings.Split(q.Get("sessions"), ",") {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 1 {
			return o, fmt.Errorf("sessions: %q is not a course id", v)
		}
		if !slices.Contains(o.CourseIDs, id) {
			o.CourseIDs = append(o.CourseIDs, id)
		}
	}
	if v := q.Get("max_per_session"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return o, errors.New("max_per_session must be a positive integer")
		}
		o.MaxPerSession = n
	}
	var err error
	if o.TimeStart, err = dayParam(q.Get("start")); err != nil {
		return o, err
	}
	if o.TimeEnd, err = dayParam(q.Get("end")); err != nil {
		return o, err
	}
	d, err := s.deps.Fleet.Get(c.Domain)
	if err != nil {
		return o, err
	}
	switch o.Unknown {
	case "", "reject":
	case "create":
		if d.Config.Unknown != "create" {
			return o, errors.New("this domain does not create unknown accounts")
		}
	default:
		return o, errors.New("unknown must be reject or create")
	}
	// The login method of created accounts: one the domain allows, never
	// another (a block must not create manual accounts where the académie
	// only wants its SSO).
	if auth := q.Get("auth"); auth != "" {
		allowed := d.Config.AllowedCreateAuths()
		if !slices.Contains(allowed, auth) {
			return o, fmt.Errorf("auth %q is not a login method this domain gives created accounts: use one of %s",
				auth, strings.Join(allowed, ", "))
		}
		o.CreateAuth = auth
	}
	return o.WithDomainDefaults(d.Config), nil
}

func dayParam(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, v, paris)
	if err != nil {
		return 0, fmt.Errorf("dates must be YYYY-MM-DD, got %q", v)
	}
	return t.Unix(), nil
}

var paris = fr.Paris()

func (s *Server) enrolPreview(w http.ResponseWriter, r *http.Request) {
	page, perPage, err := previewPage(r)
	if err != nil {
		badRequest(w, "bad_page", err.Error())
		return
	}
	c, file, opts, ok := s.enrolInput(w, r)
	if !ok {
		return
	}
	plan, err := s.deps.Enrol.Preview(r.Context(), c.Domain, bytes.NewReader(file), opts)
	if err != nil {
		s.failEnrol(w, r, err)
		return
	}
	lang := langOf(r)
	labels := map[enrol.Status]string{}
	for _, st := range enrol.AllStatuses {
		labels[st] = enrol.StatusMessage(st, lang)
	}
	rep := enrol.NewReport(c.Domain, plan, true)
	groups := map[string]int{}
	for _, e := range rep.Rows {
		for _, g := range e.NewGroups {
			groups[g]++
		}
	}
	problemsOnly := r.URL.Query().Get("problems") == "1"
	if problemsOnly {
		var kept []enrol.Entry
		for _, e := range rep.Rows {
			if !okStatuses[e.Status] {
				kept = append(kept, e)
			}
		}
		rep.Rows = kept
	}
	total := len(rep.Rows)
	from := min((page-1)*perPage, total)
	rep.Rows = rep.Rows[from:min(from+perPage, total)]
	reasons := map[string]string{}
	for _, row := range rep.Rows {
		for _, code := range row.Reasons {
			reasons[code] = enrol.ReasonMessage(code, lang)
		}
	}
	writeJSON(w, http.StatusOK, PreviewAnswer{Report: rep, Labels: labels, Reasons: reasons, Page: page, PerPage: perPage,
		Pages: (total + perPage - 1) / perPage, TotalRows: total, Groups: groups, ProblemsOnly: problemsOnly,
		CreateAuth: opts.CreateAuth})
}

func (s *Server) enrolApply(w http.ResponseWriter, r *http.Request) {
	c, file, opts, ok := s.enrolInput(w, r)
	if !ok {
		return
	}
	// The same file again after the first run finished is a new run (Moodle
	// may have changed since), not the old job's answer.
	job, created, err := s.deps.Enrol.Submit(r.Context(), c.Domain, file, opts, actor(c))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	setAuditJob(r, job.ID)
	accepted(w, job, created, nil)
}

// failEnrol answers a file the reader or the options refuse with 400 and
// the reader's own message (it names the line, never the data of others).
func (s *Server) failEnrol(w http.ResponseWriter, r *http.Request, err error) {
	var fe *enrol.FileError
	var oe *enrol.OptionError
	switch {
	case errors.As(err, &fe):
		badRequest(w, "bad_file", fe.Error())
	case errors.As(err, &oe):
		badRequest(w, "bad_options", oe.Error())
	default:
		s.fail(w, r, err)
	}
}

// enrolReport downloads an applied file's report (CSV by default, or
// ?format=json): nominative, so formateurs only, and every download is
// audited.
func (s *Server) enrolReport(w http.ResponseWriter, r *http.Request) {
	course, ok1 := pathInt(r, "course")
	jobID, ok2 := pathInt(r, "job")
	if !ok1 || !ok2 {
		badRequest(w, "bad_id", "course and job ids must be positive integers")
		return
	}
	auditNominativeRead(r, "api.enrol.report.download", fmt.Sprintf("course:%d job:%d", course, jobID))
	c, ok := s.authorize(w, r, course, AccessFormateur, true)
	if !ok {
		return
	}
	rep, err := enrol.LoadReport(r.Context(), s.deps.Store, jobID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if rep.Domain != c.Domain || !slices.Contains(rep.CourseIDs, course) {
		writeError(w, http.StatusNotFound, "not_found", nil)
		return
	}
	setAuditJob(r, jobID)
	if err := s.visibleRows(r, c, course, rep); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store") // nominative, CSV or JSON
	if r.URL.Query().Get("format") == "json" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		rep.WriteJSON(w)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="inscriptions-%d-job%d.csv"`, course, jobID))
	w.Header().Set("Cache-Control", "no-store")
	if err := rep.WriteCSV(w); err != nil {
		s.log.Warn().Err(err).Msg("api: writing report")
	}
}

// visibleRows keeps the rows of the sessions the caller runs: a report of
// a file sent to several sessions reaches the formateur of one of them,
// who must not read the others' people. Rows of no session (a bad line)
// stay only for who runs every session of the file.
func (s *Server) visibleRows(r *http.Request, c Caller, course int64, rep *enrol.Report) error {
	seen := map[int64]bool{course: true}
	all := true
	ids := slices.Clone(rep.CourseIDs)
	for _, e := range rep.Rows {
		if e.CourseID != 0 {
			ids = append(ids, e.CourseID)
		}
	}
	slices.Sort(ids)
	for _, id := range slices.Compact(ids) {
		if id == course {
			continue
		}
		got, err := s.courseAccess(r.Context(), c, id)
		if err != nil {
			var me *moodle.Error
			if !errors.As(err, &me) || me.Retryable() {
				return err
			}
		}
		seen[id] = got >= AccessFormateur
		all = all && seen[id]
	}
	kept := rep.Rows[:0]
	for _, e := range rep.Rows {
		if (e.CourseID == 0 && all) || seen[e.CourseID] {
			kept = append(kept, e)
		}
	}
	rep.Rows = kept
	if !all {
		rep.Counts = enrol.CountEntries(kept)
		rep.CourseIDs = slices.DeleteFunc(slices.Clone(rep.CourseIDs), func(id int64) bool { return !seen[id] })
	}
	return nil
}

// langOf is "en" when the block asks for English, "fr" otherwise.
func langOf(r *http.Request) string {
	if strings.HasPrefix(r.URL.Query().Get("lang"), "en") {
		return "en"
	}
	return "fr"
}
