package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/api"
	"github.com/magistere/bridge/internal/app"
	"github.com/magistere/bridge/internal/config"
	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/moodlesim"
	"github.com/magistere/bridge/internal/store"
)

// Role ids of a fresh Moodle (and of moodlesim).
const (
	roleManager       = 1
	roleEditingTeach  = 3
	roleTeacher       = 4
	roleStudent       = 5
	secretA, secretB  = "secret-of-ac-a-0123456789", "secret-of-ac-b-9876543210"
	simToken          = "sim-token-0123456789abcdef"
	formateurUsername = "formateur1"
)

// env is a running bridge (app.Serve on a real listener) over two
// simulated academies.
type env struct {
	t      *testing.T
	ctx    context.Context
	base   string
	app    *app.App
	client *moodle.Client
	users  map[string]int64
}

func newEnv(t *testing.T, tune func(*config.Config)) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	sim := moodlesim.New(moodlesim.Options{Sites: []string{"ac-a", "ac-b"}, Token: simToken})
	simSrv := httptest.NewServer(sim.Handler())
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.API.RatePerMin = 10000
	for _, d := range []struct{ name, secret string }{{"ac-a", secretA}, {"ac-b", secretB}} {
		roles := map[string]string{}
		for k, v := range config.DefaultRoles {
			roles[k] = v
		}
		cfg.Domains = append(cfg.Domains, config.Domain{Name: d.name, WWWRoot: simSrv.URL + "/" + d.name, Token: simToken,
			Secret: d.secret, Zone: "A", MaxInputVars: 5000, Concurrency: 2, Timeout: 10 * time.Second, Roles: roles,
			Unknown: "reject", CreateAuth: "manual", DBPrefix: "mdl_"})
	}
	if tune != nil {
		tune(&cfg)
	}
	a, err := app.Open(ctx, &cfg, zerolog.Nop(), app.Options{HTTPClient: simSrv.Client(), PollEvery: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { a.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done; a.Close(); simSrv.Close() })
	d, _ := a.Fleet.Get("ac-a")
	return &env{t: t, ctx: ctx, base: "http://" + ln.Addr().String(), app: a, client: d.Client, users: map[string]int64{}}
}

// seedUsers creates people on ac-a and remembers their ids by username.
func (e *env) seedUsers(names ...string) {
	e.t.Helper()
	var in []moodle.UserInput
	for _, n := range names {
		in = append(in, moodle.UserInput{Username: n, FirstName: "Prénom", LastName: strings.ToUpper(n), Email: n + "@ac-a.fr", Auth: "shibboleth"})
	}
	out, err := e.client.CreateUsers(e.ctx, in)
	if err != nil {
		e.t.Fatal(err)
	}
	for i, u := range out {
		e.users[names[i]] = int64(u.ID)
	}
}

func (e *env) enrol(course int64, role int64, names ...string) {
	e.t.Helper()
	var rows []moodle.Enrolment
	for _, n := range names {
		rows = append(rows, moodle.Enrolment{RoleID: moodle.Int(role), UserID: moodle.Int(e.users[n]), CourseID: moodle.Int(course)})
	}
	if err := e.client.EnrolUsers(e.ctx, rows); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) course(shortname string, category int64) int64 {
	e.t.Helper()
	out, err := e.client.CreateCourses(e.ctx, []moodle.CourseInput{{FullName: "Cours " + shortname, ShortName: shortname, CategoryID: moodle.Int(category)}})
	if err != nil {
		e.t.Fatal(err)
	}
	return int64(out[0].ID)
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("not JSON (%d): %s", a.status, a.body)
	}
	return m
}

// call sends a request signed by domain's Moodle for user.
func (e *env) call(method, uri, domain, secret string, user int64, ctype string, body []byte) answer {
	e.t.Helper()
	req, err := http.NewRequest(method, e.base+uri, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if secret != "" {
		if err := api.Sign(req, domain, strconv.FormatInt(user, 10), []byte(secret), body, time.Now()); err != nil {
			e.t.Fatal(err)
		}
	}
	return e.send(req)
}

func (e *env) send(req *http.Request) answer {
	e.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header, b}
}

func (e *env) as(user string, method, uri string, body []byte) answer {
	e.t.Helper()
	ctype := ""
	if body != nil {
		ctype = "application/json"
	}
	return e.call(method, uri, "ac-a", secretA, e.users[user], ctype, body)
}

// waitJob polls the job route as user until the job ends.
func (e *env) waitJob(user string, id int64) map[string]any {
	e.t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		a := e.as(user, "GET", fmt.Sprintf("/api/v1/jobs/%d", id), nil)
		if a.status != 200 {
			e.t.Fatalf("job %d status: %d %s", id, a.status, a.body)
		}
		if m := a.json(e.t); m["finished"] == true {
			return m
		}
	}
	e.t.Fatalf("job %d did not finish", id)
	return nil
}

func (e *env) audits(action string) []store.AuditEntry {
	e.t.Helper()
	list, err := e.app.Store.ListAudit(e.ctx, store.AuditFilter{Action: action})
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}

func jobID(t *testing.T, a answer) int64 {
	t.Helper()
	if a.status != http.StatusAccepted {
		t.Fatalf("want 202 with a job, got %d %s", a.status, a.body)
	}
	id, _ := a.json(t)["job_id"].(float64)
	if id <= 0 {
		t.Fatalf("no job id in %s", a.body)
	}
	return int64(id)
}

func TestWorkflowRoutesEndToEnd(t *testing.T) {
	e := newEnv(t, nil)
	d, _ := e.app.Fleet.Get("ac-a")
	if _, err := domains.Bootstrap(e.ctx, d, e.app.Store); err != nil {
		t.Fatal(err)
	}
	cats, _ := e.app.Store.DomainCategories(e.ctx, "ac-a")
	gabarit := e.course("GAB", cats["gabarit"].CategoryID)
	e.seedUsers(formateurUsername, "eleve1", "tuteur1", "gestion1")
	e.enrol(gabarit, roleEditingTeach, formateurUsername)
	e.enrol(gabarit, roleStudent, "eleve1")
	e.enrol(gabarit, roleTeacher, "tuteur1")
	e.enrol(gabarit, roleManager, "gestion1")
	uri := fmt.Sprintf("/api/v1/courses/%d/workflow", gabarit)

	show := e.as(formateurUsername, "GET", uri, nil)
	if show.status != 200 {
		t.Fatalf("show: %d %s", show.status, show.body)
	}
	if m := show.json(t); m["state"] != "gabarit" || m["can_act"] != true || m["access"] != "formateur" {
		t.Fatalf("show as formateur: %s", show.body)
	}
	if m := e.as("tuteur1", "GET", uri, nil).json(t); m["state"] != "gabarit" || m["can_act"] != false {
		t.Fatalf("a tuteur sees the state but cannot act: %v", m)
	}
	if m := e.as("gestion1", "GET", uri, nil).json(t); m["access"] != "manager" || m["can_act"] != true {
		t.Fatalf("manager: %v", m)
	}
	if a := e.as("eleve1", "GET", uri, nil); a.status != 403 || string(a.body) != "{\"error\":\"forbidden\"}\n" {
		t.Fatalf("participant must get a bare 403, got %d %s", a.status, a.body)
	}
	// A refused mutation is answered 403 and audited all the same.
	if a := e.as("tuteur1", "POST", uri+"/create-parcours", []byte(`{"shortname":"X"}`)); a.status != 403 {
		t.Fatalf("tuteur transition: %d %s", a.status, a.body)
	}
	if a := e.as(formateurUsername, "POST", uri+"/teleport", []byte(`{}`)); a.status != 404 {
		t.Fatalf("unknown transition: %d", a.status)
	}

	// create-parcours as a job, polled to its end.
	job := jobID(t, e.as(formateurUsername, "POST", uri+"/create-parcours", []byte(`{"shortname":"PARC","name":"Parcours lecture"}`)))
	res := e.waitJob(formateurUsername, job)
	if res["state"] != "succeeded" {
		t.Fatalf("create-parcours: %v", res)
	}
	parcours := int64(res["result"].(map[string]any)["course_id"].(float64))
	// The job is in its requester's history for this course, kept by the
	// bridge; nobody else's history shows it, nor another course's.
	hist := func(user, query string) []any {
		a := e.as(user, "GET", "/api/v1/jobs?"+query, nil)
		if a.status != 200 {
			t.Fatalf("history %s as %s: %d %s", query, user, a.status, a.body)
		}
		return a.json(t)["jobs"].([]any)
	}
	if h := hist(formateurUsername, fmt.Sprintf("course=%d&kind=workflow.", gabarit)); len(h) != 1 ||
		int64(h[0].(map[string]any)["id"].(float64)) != job || h[0].(map[string]any)["state"] != "succeeded" {
		t.Fatalf("history of the formateur: %v", h)
	}
	if h := hist(formateurUsername, fmt.Sprintf("course=%d", gabarit+1000)); len(h) != 0 {
		t.Fatalf("another course's history shows the job: %v", h)
	}
	if h := hist(formateurUsername, fmt.Sprintf("course=%d&kind=enrol.", gabarit)); len(h) != 0 {
		t.Fatalf("another kind's history shows the job: %v", h)
	}
	if h := hist("tuteur1", fmt.Sprintf("course=%d", gabarit)); len(h) != 0 {
		t.Fatalf("a colleague's history shows the job: %v", h)
	}
	// Someone else polling that job sees nothing of it.
	if a := e.as("tuteur1", "GET", fmt.Sprintf("/api/v1/jobs/%d", job), nil); a.status != 404 {
		t.Fatalf("another user's job: %d %s", a.status, a.body)
	}
	if a := e.call("GET", fmt.Sprintf("/api/v1/jobs/%d", job), "ac-b", secretB, 0, "", nil); a.status != 404 {
		t.Fatalf("another domain's job: %d", a.status)
	}

	// Sessions from the parcours: the creator was enrolled as its formateur.
	bad := e.as(formateurUsername, "POST", fmt.Sprintf("/api/v1/courses/%d/sessions", parcours),
		[]byte(`{"name":"Lecture","start":"2025-10-17","end":"2025-12-12","virtual_classes":["lundi 9h"]}`))
	if bad.status != http.StatusBadRequest || !strings.Contains(string(bad.body), "bad_params") {
		t.Fatalf("a malformed virtual class: %d %s", bad.status, bad.body)
	}
	sess := e.as(formateurUsername, "POST", fmt.Sprintf("/api/v1/courses/%d/sessions", parcours),
		[]byte(`{"name":"Lecture","start":"2025-10-17","end":"2025-12-12","participants":50,"max":25,"virtual_classes":["06/11/2025 18:30"]}`))
	if !strings.Contains(string(sess.body), "start_eve_school_holidays") || !strings.Contains(string(sess.body), "virtual_outside_hours") {
		t.Fatalf("sessions must carry the calendar warnings: %s", sess.body)
	}
	res = e.waitJob(formateurUsername, jobID(t, sess))
	if res["state"] != "succeeded" || len(res["result"].(map[string]any)["sessions"].([]any)) != 2 {
		t.Fatalf("create-sessions: %v", res)
	}
	// A guard's refusal: 409 with its reason in both languages.
	again := e.as(formateurUsername, "POST", uri+"/open", []byte(`{}`))
	if again.status != http.StatusConflict || !strings.Contains(string(again.body), `"fr"`) {
		t.Fatalf("refused transition: %d %s", again.status, again.body)
	}

	for _, action := range []string{"api.workflow.create-parcours", "api.workflow.create-sessions", "api.workflow.open"} {
		list := e.audits(action)
		if len(list) == 0 {
			t.Fatalf("no audit for %s", action)
		}
		if list[0].Domain != "ac-a" || !strings.HasPrefix(list[0].Actor, "moodle:ac-a:user:") {
			t.Errorf("%s audit: %+v", action, list[0])
		}
	}
	var outcomes []string
	for _, a := range e.audits("api.workflow.create-parcours") {
		outcomes = append(outcomes, a.Outcome)
	}
	if !strings.Contains(strings.Join(outcomes, ","), "403") || !strings.Contains(strings.Join(outcomes, ","), "202") {
		t.Errorf("create-parcours audits should hold the refused 403 and the accepted 202: %v", outcomes)
	}
}

func TestEnrolRoutesEndToEnd(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.API.MaxUploadMB = 1 })
	course := e.course("SESSION-CSV", 1)
	e.seedUsers(formateurUsername, "eleve1", "alice", "bob")
	e.enrol(course, roleEditingTeach, formateurUsername)
	e.enrol(course, roleStudent, "eleve1", "bob")
	csv := "email;nom;prenom\nalice@ac-a.fr;ALICE;Alice\nbob@ac-a.fr;BOB;Bob\ninconnu@ac-a.fr;X;Y\npas-un-email;Z;Z\n"
	preview := fmt.Sprintf("/api/v1/courses/%d/enrol/preview?lang=en", course)

	a := e.call("POST", preview, "ac-a", secretA, e.users[formateurUsername], "text/csv", []byte(csv))
	if a.status != 200 {
		t.Fatalf("preview: %d %s", a.status, a.body)
	}
	var rep struct {
		DryRun bool `json:"dry_run"`
		Rows   []struct {
			Line   int    `json:"line"`
			Email  string `json:"email"`
			Status string `json:"status"`
		} `json:"rows"`
		Labels map[string]string `json:"labels"`
	}
	if err := json.Unmarshal(a.body, &rep); err != nil {
		t.Fatal(err)
	}
	statuses := map[string]string{}
	for _, r := range rep.Rows {
		statuses[r.Email] = r.Status
	}
	if !rep.DryRun || len(rep.Rows) != 4 || statuses["alice@ac-a.fr"] != "will_enrol" || statuses["bob@ac-a.fr"] != "already_enrolled" ||
		statuses["inconnu@ac-a.fr"] != "unknown" || rep.Labels["will_enrol"] == "" {
		t.Fatalf("preview rows: %+v (labels %d)", rep.Rows, len(rep.Labels))
	}

	// The same file as a multipart upload gives the same outcome.
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	fw, _ := mw.CreateFormFile("file", "liste.csv")
	fw.Write([]byte(csv))
	mw.Close()
	if a := e.call("POST", preview, "ac-a", secretA, e.users[formateurUsername], mw.FormDataContentType(), mp.Bytes()); a.status != 200 ||
		!strings.Contains(string(a.body), `"already_enrolled"`) {
		t.Fatalf("multipart preview: %d %s", a.status, a.body)
	}
	// A participant previewing (a nominative output) gets 403.
	if a := e.call("POST", preview, "ac-a", secretA, e.users["eleve1"], "text/csv", []byte(csv)); a.status != 403 {
		t.Fatalf("participant preview: %d", a.status)
	}
	// The site itself cannot read nominative outputs: they need a person to audit.
	if a := e.call("POST", preview, "ac-a", secretA, 0, "text/csv", []byte(csv)); a.status != 403 {
		t.Fatalf("site preview: %d", a.status)
	}
	// Asking to create accounts where the domain rejects unknown people.
	if a := e.call("POST", preview+"&unknown=create", "ac-a", secretA, e.users[formateurUsername], "text/csv", []byte(csv)); a.status != 400 {
		t.Fatalf("unknown=create on a reject domain: %d %s", a.status, a.body)
	}

	// Apply as a job, then download the report.
	apply := e.call("POST", fmt.Sprintf("/api/v1/courses/%d/enrol/apply", course), "ac-a", secretA, e.users[formateurUsername], "text/csv", []byte(csv))
	job := jobID(t, apply)
	res := e.waitJob(formateurUsername, job)
	if res["state"] != "succeeded" {
		t.Fatalf("apply: %v", res)
	}
	reportURI := fmt.Sprintf("/api/v1/courses/%d/enrol/reports/%d", course, job)
	dl := e.as(formateurUsername, "GET", reportURI, nil)
	if dl.status != 200 || !strings.HasPrefix(dl.header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(string(dl.body), "alice@ac-a.fr") || !strings.Contains(string(dl.body), "inconnu@ac-a.fr") {
		t.Fatalf("report download: %d %s\n%s", dl.status, dl.header, dl.body)
	}
	if a := e.as("eleve1", "GET", reportURI, nil); a.status != 403 {
		t.Fatalf("participant downloading the report: %d", a.status)
	}
	enrolled, err := e.client.GetEnrolledUsers(e.ctx, moodle.Int(course), moodle.EnrolledUsersOptions{})
	if err != nil || len(enrolled) != 4 { // formateur, eleve1, bob, and alice now
		t.Fatalf("enrolled after apply: %d %v", len(enrolled), err)
	}
	// Nominative list: formateur yes, participant 403; both audited.
	list := e.as(formateurUsername, "GET", fmt.Sprintf("/api/v1/courses/%d/participants", course), nil)
	if list.status != 200 || !strings.Contains(string(list.body), "alice@ac-a.fr") {
		t.Fatalf("participants: %d %s", list.status, list.body)
	}
	if a := e.as("eleve1", "GET", fmt.Sprintf("/api/v1/courses/%d/participants", course), nil); a.status != 403 {
		t.Fatalf("participant asking for the nominative list: %d %s", a.status, a.body)
	}
	reads := e.audits("api.participants.read")
	if len(reads) != 2 || reads[0].Outcome != "403" || reads[1].Outcome != "200" {
		t.Fatalf("participants reads audited: %+v", reads)
	}
	if dls := e.audits("api.enrol.report.download"); len(dls) != 2 {
		t.Fatalf("report downloads audited: %+v", dls)
	}
	if ap := e.audits("api.enrol.apply"); len(ap) != 1 || ap[0].JobID != job || ap[0].Outcome != "202" {
		t.Fatalf("apply audited: %+v", ap)
	}

	// Over the upload limit (1 MB here): 413 before anything is planned.
	big := bytes.Repeat([]byte("x@ac-a.fr\n"), 150_000)
	if a := e.call("POST", preview, "ac-a", secretA, e.users[formateurUsername], "text/csv", big); a.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("big upload: %d", a.status)
	}
	// JSON routes have their own, smaller bound (1 MiB) whatever the upload limit.
	if a := e.as(formateurUsername, "POST", fmt.Sprintf("/api/v1/courses/%d/workflow/open", course), bytes.Repeat([]byte(" "), 2<<20)); a.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("big JSON: %d", a.status)
	}
}

func TestUnauthenticatedRequestsGet401WithoutDetail(t *testing.T) {
	e := newEnv(t, nil)
	uri := "/api/v1/jobs/1"
	cases := map[string]func() *http.Request{
		"unsigned": func() *http.Request { r, _ := http.NewRequest("GET", e.base+uri, nil); return r },
		"wrong secret": func() *http.Request {
			r, _ := http.NewRequest("GET", e.base+uri, nil)
			api.Sign(r, "ac-a", "5", []byte(secretA+"x"), nil, time.Now())
			return r
		},
		"another domain's secret": func() *http.Request {
			r, _ := http.NewRequest("GET", e.base+uri, nil)
			api.Sign(r, "ac-a", "5", []byte(secretB), nil, time.Now())
			return r
		},
		"unknown domain": func() *http.Request {
			r, _ := http.NewRequest("GET", e.base+uri, nil)
			api.Sign(r, "ac-z", "5", []byte(secretA), nil, time.Now())
			return r
		},
		"stale": func() *http.Request {
			r, _ := http.NewRequest("GET", e.base+uri, nil)
			api.Sign(r, "ac-a", "5", []byte(secretA), nil, time.Now().Add(-301*time.Second))
			return r
		},
		"tampered body": func() *http.Request {
			r, _ := http.NewRequest("POST", e.base+"/api/v1/courses/2/workflow/open", strings.NewReader(`{"a":2}`))
			api.Sign(r, "ac-a", "5", []byte(secretA), []byte(`{"a":1}`), time.Now())
			return r
		},
	}
	for name, mk := range cases {
		a := e.send(mk())
		if a.status != 401 || string(a.body) != "{\"error\":\"unauthorized\"}\n" {
			t.Errorf("%s: %d %s", name, a.status, a.body)
		}
	}
	// Replay: the very same signed request twice.
	r, _ := http.NewRequest("GET", e.base+uri, nil)
	api.Sign(r, "ac-a", "0", []byte(secretA), nil, time.Now())
	first := e.send(r)
	r2, _ := http.NewRequest("GET", e.base+uri, nil)
	r2.Header = r.Header.Clone()
	if second := e.send(r2); first.status == 401 || second.status != 401 {
		t.Fatalf("replay: first %d, second %d", first.status, second.status)
	}
}

func TestRateLimitPerDomain(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.API.RatePerMin = 3 })
	codes := []int{}
	for i := 0; i < 4; i++ {
		codes = append(codes, e.call("GET", "/api/v1/jobs/999", "ac-a", secretA, 0, "", nil).status)
	}
	if fmt.Sprint(codes) != "[404 404 404 429]" {
		t.Fatalf("ac-a codes: %v", codes)
	}
	// Another domain has its own budget.
	if a := e.call("GET", "/api/v1/jobs/999", "ac-b", secretB, 0, "", nil); a.status != 404 {
		t.Fatalf("ac-b: %d", a.status)
	}
}
