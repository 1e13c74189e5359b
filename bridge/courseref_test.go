package main

import (
	"strings"
	"testing"
	"time"
)

// TestCourseByShortname: every course flag takes what an operator knows,
// and a name that matches nothing is one sentence naming it and the domain.
func TestCourseByShortname(t *testing.T) {
	const token = "ref-token-abcdef0123456789"
	sim := startBridge(t, nil, "moodlesim", "--listen", "127.0.0.1:0", "--token", token, "--sites", "ac-a")
	dir := t.TempDir()
	cfg := writeFile(t, dir, "bridge.yaml", `
data_dir: `+dir+`
domains:
  - name: ac-a
    wwwroot: http://`+sim.addr+`
    token: `+token+`
    zone: A
`)
	if r := runBridge(t, time.Minute, nil, "--config", cfg, "domains", "bootstrap"); r.code != 0 {
		t.Fatalf("bootstrap: %s", r.stderr)
	}
	// An id goes straight to the service (the site course is outside the lifecycle).
	byID := runBridge(t, time.Minute, nil, "--config", cfg, "workflow", "show", "--domain", "ac-a", "--course", "1")
	if byID.code != 1 || !strings.Contains(byID.stderr, "outside_lifecycle") {
		t.Fatalf("show by id: exit %d %s", byID.code, byID.stderr)
	}
	r := runBridge(t, time.Minute, nil, "--config", cfg, "workflow", "show", "--domain", "ac-a", "--course", "NO-SUCH-COURSE")
	if r.code != 1 || !strings.Contains(r.stderr, `no course "NO-SUCH-COURSE" on ac-a`) {
		t.Fatalf("unknown shortname: exit %d\n%s", r.code, r.stderr)
	}
	r = runBridge(t, time.Minute, nil, "--config", cfg, "workflow", "show", "--course", "NO-SUCH-COURSE")
	if r.code != 2 || !strings.Contains(r.stderr, "--domain is required") {
		t.Fatalf("no domain: exit %d\n%s", r.code, r.stderr)
	}
	r = runBridge(t, time.Minute, nil, "--config", cfg, "enrol", "--domain", "ac-a", "--course", "1,NOPE", "--csv", cfg, "--dry-run")
	if r.code != 1 || !strings.Contains(r.stderr, `no course "NOPE" on ac-a`) {
		t.Fatalf("enrol with an unknown session: exit %d\n%s", r.code, r.stderr)
	}
}
