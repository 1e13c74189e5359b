package moodle

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// flakySite answers 503 to the first `fail` calls of each function, then
// `answer`.
type flakySite struct {
	mu     sync.Mutex
	fail   int
	answer string
	calls  map[string]int
}

func (f *flakySite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	fn := r.PostForm.Get("wsfunction")
	f.mu.Lock()
	f.calls[fn]++
	n := f.calls[fn]
	f.mu.Unlock()
	if n <= f.fail {
		http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(f.answer))
}

func (f *flakySite) count(fn string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[fn]
}

func flakyClient(t *testing.T, fail int, answer string) (*Client, *flakySite) {
	t.Helper()
	site := &flakySite{fail: fail, answer: answer, calls: map[string]int{}}
	srv := httptest.NewServer(site)
	t.Cleanup(srv.Close)
	c, err := New(Site{Name: "ac-a", WWWRoot: srv.URL, Token: testToken}, Options{Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	return c, site
}

var fastRetry = ReadRetry{Attempts: 4, Base: time.Millisecond, Max: 4 * time.Millisecond}

// TestReadRetry: under WithReadRetry a read survives transient 503s and
// gives up after the policy's attempts; without it, or for a write, one
// 503 is the answer; a permanent error is never repeated.
func TestReadRetry(t *testing.T) {
	ctx := WithReadRetry(context.Background(), fastRetry)
	c, site := flakyClient(t, 2, `{"courses":[],"warnings":[]}`)
	if _, err := c.GetCoursesByField(ctx, "shortname", "S1"); err != nil {
		t.Fatalf("read after two 503s: %v", err)
	}
	if n := site.count(fnGetCoursesByField); n != 3 {
		t.Fatalf("%d calls, want 3 (two 503s, then the answer)", n)
	}

	c, site = flakyClient(t, 1, `{"courses":[],"warnings":[]}`)
	if _, err := c.GetCoursesByField(context.Background(), "shortname", "S1"); err == nil {
		t.Fatal("a 503 without WithReadRetry was retried")
	}
	if err := c.Call(ctx, fnCreateCourses, nil, nil); err == nil || site.count(fnCreateCourses) != 1 {
		t.Fatalf("a write was retried: %v after %d call(s)", err, site.count(fnCreateCourses))
	}

	c, site = flakyClient(t, 100, `{"courses":[],"warnings":[]}`)
	if _, err := c.GetCoursesByField(ctx, "shortname", "S1"); err == nil || site.count(fnGetCoursesByField) != fastRetry.Attempts {
		t.Fatalf("endless 503s: %v after %d call(s), want an error after %d", err, site.count(fnGetCoursesByField), fastRetry.Attempts)
	}

	c, site = flakyClient(t, 0, `{"exception":"moodle_exception","errorcode":"invalidtoken","message":"Invalid token - token not found"}`)
	if _, err := c.GetCoursesByField(ctx, "shortname", "S1"); err == nil || site.count(fnGetCoursesByField) != 1 {
		t.Fatalf("a permanent error was retried: %v after %d call(s)", err, site.count(fnGetCoursesByField))
	}
}

func TestIsRead(t *testing.T) {
	for fn, want := range map[string]bool{fnGetSiteInfo: true, fnGetUsersByField: true, fnSearchCourses: true,
		fnBackupStatus: true, fnCreateUsers: false, fnEnrolUsers: false, fnBackupCourse: false, fnUpdateCourses: false} {
		if IsRead(fn) != want {
			t.Errorf("IsRead(%s) = %v", fn, !want)
		}
	}
}

// TestRetryTransientLogsEachRepetition: a unit of work repeated after a
// transient failure (an account-creation chunk) leaves one warning per
// repetition, naming the work and the site, and none after its last try:
// operators see a failing site even when the retry hides it.
func TestRetryTransientLogsEachRepetition(t *testing.T) {
	var logs strings.Builder
	site := &flakySite{fail: 2, answer: `[]`, calls: map[string]int{}}
	srv := httptest.NewServer(site)
	t.Cleanup(srv.Close)
	c, err := New(Site{Name: "ac-a", WWWRoot: srv.URL, Token: testToken}, Options{Logger: zerolog.New(&logs)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := WithReadRetry(context.Background(), fastRetry)
	err = c.RetryTransient(ctx, "create/chunk-0001", func(int) error { return c.Call(ctx, fnCreateCourses, nil, nil) })
	if err != nil {
		t.Fatalf("after two 503s: %v", err)
	}
	out := logs.String()
	if n := strings.Count(out, `"function":"create/chunk-0001"`); n != 2 {
		t.Fatalf("%d warnings naming the chunk, want 2 (one per repetition):\n%s", n, out)
	}
	if !strings.Contains(out, "moodle site ac-a: ") || strings.Contains(out, testToken) {
		t.Fatalf("warnings must name the site and never hold the token:\n%s", out)
	}

	logs.Reset()
	site.mu.Lock()
	site.fail, site.calls = 100, map[string]int{}
	site.mu.Unlock()
	_ = c.RetryTransient(ctx, "create/chunk-0002", func(int) error { return c.Call(ctx, fnCreateCourses, nil, nil) })
	if n := strings.Count(logs.String(), `"function":"create/chunk-0002"`); n != fastRetry.Attempts-1 {
		t.Fatalf("%d warnings for %d tries, want %d (none after the last)", n, fastRetry.Attempts, fastRetry.Attempts-1)
	}
}
