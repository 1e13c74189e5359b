package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestDomainsCheckAgainstOldRelease points `bridge domains check` at test
// sites (one per process, served at the root) imitating Moodle 4.5 and 2.9: on 2.9 it must report the missing
// core_course_get_courses_by_field and the fallback it uses.
func TestDomainsCheckAgainstOldRelease(t *testing.T) {
	const token = "check-token-abcdef012345"
	modern := startBridge(t, nil, "moodlesim", "--listen", "127.0.0.1:0", "--token", token, "--sites", "ac-new")
	old := startBridge(t, nil, "moodlesim", "--listen", "127.0.0.1:0", "--token", token, "--release", "2.9", "--sites", "ac-old")
	dir := t.TempDir()
	cfg := writeFile(t, dir, "bridge.yaml", `
data_dir: `+dir+`
domains:
  - name: ac-new
    wwwroot: http://`+modern.addr+`
    token: `+token+`
  - name: ac-old
    wwwroot: http://`+old.addr+`
    token: `+token+`
  - name: ac-down
    wwwroot: http://127.0.0.1:1/ac-down
    token: `+token+`
`)
	r := runBridge(t, time.Minute, nil, "--config", cfg, "domains", "check")
	if r.code != 1 {
		t.Errorf("an unreachable domain must fail the check: exit %d", r.code)
	}
	if strings.Contains(r.stdout+r.stderr, token) {
		t.Errorf("domains check printed the token")
	}
	for _, want := range []string{
		"ac-new (http://" + modern.addr + "): reachable, Moodle 4.5",
		"every function the bridge uses is available",
		"ac-old (http://" + old.addr + "): reachable, Moodle 2.9",
		"missing core_course_get_courses_by_field (course lookup): using core_course_get_courses instead",
		"ac-down (http://127.0.0.1:1/ac-down): UNREACHABLE",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("domains check output lacks %q:\n%s", want, r.stdout)
		}
	}

	r = runBridge(t, time.Minute, nil, "--config", cfg, "--format", "json", "domains", "check", "--domain", "ac-old")
	var reports []struct {
		Domain    string
		Reachable bool
		Missing   []struct{ Function, Fallback string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &reports); err != nil || len(reports) != 1 {
		t.Fatalf("json output: %v\n%s", err, r.stdout)
	}
	found := false
	for _, m := range reports[0].Missing {
		if m.Function == "core_course_get_courses_by_field" && m.Fallback == "core_course_get_courses" {
			found = true
		}
	}
	if !reports[0].Reachable || !found {
		t.Errorf("json report for ac-old: %+v", reports[0])
	}
}
