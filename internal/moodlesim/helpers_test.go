package moodlesim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

const testToken = "secret-token-for-tests"

type testSite struct {
	t    testing.TB
	srv  *Server
	ts   *httptest.Server
	base string // URL of the site (with its prefix)
}

func startServer(t testing.TB, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	if opts.Token == "" {
		opts.Token = testToken
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return recordedNow }
	}
	srv := New(opts)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return srv, ts
}

func newTestSite(t testing.TB, opts Options) *testSite {
	srv, ts := startServer(t, opts)
	return &testSite{t: t, srv: srv, ts: ts, base: ts.URL}
}

// call POSTs a REST call and decodes the JSON answer.
func (s *testSite) call(fn string, params url.Values) any {
	s.t.Helper()
	body, status := s.post(fn, params)
	if status != http.StatusOK {
		s.t.Fatalf("%s: HTTP %d: %s", fn, status, body)
	}
	var out any
	if err := json.Unmarshal(body, &out); err != nil {
		s.t.Fatalf("%s: bad JSON %q: %v", fn, body, err)
	}
	return out
}

func (s *testSite) post(fn string, params url.Values) ([]byte, int) {
	s.t.Helper()
	form := url.Values{"wstoken": {testToken}, "wsfunction": {fn}, "moodlewsrestformat": {"json"}}
	for k, v := range params {
		form[k] = v
	}
	resp, err := http.Post(s.base+"/webservice/rest/server.php", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		s.t.Fatalf("%s: %v", fn, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatalf("%s: read: %v", fn, err)
	}
	return body, resp.StatusCode
}

// mustOK fails when the answer is an exception.
func (s *testSite) mustOK(fn string, params url.Values) any {
	s.t.Helper()
	out := s.call(fn, params)
	if m, ok := out.(map[string]any); ok && m["exception"] != nil {
		s.t.Fatalf("%s: exception %v: %v", fn, m["errorcode"], m["message"])
	}
	return out
}

func errorCode(v any) string {
	m, _ := v.(map[string]any)
	code, _ := m["errorcode"].(string)
	return code
}

func vals(kv ...string) url.Values {
	out := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Add(kv[i], kv[i+1])
	}
	return out
}

// seedCourse creates a category and a course with a page, returns the
// course id.
func (s *testSite) seedCourse(shortname string) int {
	s.t.Helper()
	cats := s.mustOK("core_course_create_categories", vals("categories[0][name]", "Cat "+shortname))
	catID := int(cats.([]any)[0].(map[string]any)["id"].(float64))
	courses := s.mustOK("core_course_create_courses", vals(
		"courses[0][fullname]", "Course "+shortname, "courses[0][shortname]", shortname,
		"courses[0][categoryid]", itoa(catID), "courses[0][courseformatoptions][0][name]", "numsections",
		"courses[0][courseformatoptions][0][value]", "2"))
	return int(courses.([]any)[0].(map[string]any)["id"].(float64))
}

func itoa(n int) string { return strconv.Itoa(n) }
