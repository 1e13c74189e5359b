package moodlesim

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// proxied is a simulated site (standing in for a real Moodle) behind a
// FaultProxy with spec, under /ac-x/.
func proxied(t *testing.T, spec string) (backend, front *testSite, p *FaultProxy) {
	t.Helper()
	backend = newTestSite(t, Options{})
	fs, err := ParseFaults(spec)
	if err != nil {
		t.Fatal(err)
	}
	targets, err := ParseProxyTargets("ac-x=" + backend.base)
	if err != nil {
		t.Fatal(err)
	}
	p, err = NewFaultProxy(targets, fs)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(p)
	t.Cleanup(ts.Close)
	return backend, &testSite{t: t, srv: backend.srv, ts: ts, base: ts.URL + "/ac-x"}, p
}

func courseCount(s *testSite, shortname string) int {
	out := s.mustOK("core_course_get_courses_by_field", vals("field", "shortname", "value", shortname))
	return len(out.(map[string]any)["courses"].([]any))
}

func TestFaultProxyForwardsAndRewritesSiteURL(t *testing.T) {
	backend, front, _ := proxied(t, "")
	info := front.mustOK("core_webservice_get_site_info", nil).(map[string]any)
	if info["siteurl"] != front.base {
		t.Fatalf("siteurl %v through the proxy, want the proxy's %s (backend %s)", info["siteurl"], front.base, backend.base)
	}
	front.seedCourse("PROXY-OK")
	if courseCount(backend, "PROXY-OK") != 1 {
		t.Fatal("a call through the proxy must reach the site")
	}
}

func TestFaultProxyAfterCommitRunsTheCallThenFails(t *testing.T) {
	backend, front, p := proxied(t, "after_commit=1")
	body, status := front.post("core_course_create_categories", vals("categories[0][name]", "Cat after commit"))
	if status != 500 || strings.Contains(string(body), `"id"`) {
		t.Fatalf("after_commit: want HTTP 500 without the answer, got %d %s", status, body)
	}
	cats := backend.mustOK("core_course_get_categories", vals("criteria[0][key]", "name", "criteria[0][value]", "Cat after commit"))
	if len(cats.([]any)) != 1 {
		t.Fatalf("after_commit: the write must have reached the site, categories %v", cats)
	}
	// A read is not a write: it passes through whole.
	if _, status := front.post("core_webservice_get_site_info", nil); status != 200 {
		t.Fatalf("after_commit on a read: want 200, got %d", status)
	}
	// A Moodle exception committed nothing: passed through as is.
	refused := vals("courses[0][fullname]", "X", "courses[0][shortname]", "X", "courses[0][categoryid]", "999999")
	if body, status := front.post("core_course_create_courses", refused); status != 200 || !strings.Contains(string(body), "exception") {
		t.Fatalf("after_commit on a refused write: want the exception, got %d %s", status, body)
	}
	if p.FaultCounts()["after_commit"] < 1 { // counted per draw, reads included
		t.Fatalf("fault counts %v", p.FaultCounts())
	}
}

func TestFaultProxy5xxDoesNotForward(t *testing.T) {
	backend, front, p := proxied(t, "5xx=1")
	if _, status := front.post("core_course_create_categories", vals("categories[0][name]", "Cat 5xx")); status != 503 {
		t.Fatalf("5xx: want 503, got %d", status)
	}
	cats := backend.mustOK("core_course_get_categories", vals("criteria[0][key]", "name", "criteria[0][value]", "Cat 5xx"))
	if len(cats.([]any)) != 0 || p.FaultCounts()["5xx"] != 1 {
		t.Fatalf("5xx must not reach the site: %v %v", cats, p.FaultCounts())
	}
}

func TestParseProxyTargets(t *testing.T) {
	for _, bad := range []string{"", "ftp://x", "a=http://x,a=http://y", "http://x,b=http://y", "a/b=http://x"} {
		if _, err := ParseProxyTargets(bad); err == nil {
			t.Errorf("%q should be refused", bad)
		}
	}
	got, err := ParseProxyTargets("national=http://127.0.0.1:8541/, academie=http://127.0.0.1:8542")
	if err != nil || got["national"] != "http://127.0.0.1:8541" || got["academie"] != "http://127.0.0.1:8542" {
		t.Fatalf("%v %v", got, err)
	}
}
