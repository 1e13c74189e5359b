package main

import (
	"strings"
	"testing"
	"time"
)

// TestCourseByShortname: every course flag takes what an operator knows,
// and a name that matches nothing is one sentence naming it and the domain.
func TestCourseByShortname(t *testing.T) {
	_, _, cfg := simSite(t, "ref-token-abcdef0123456789", "")
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
	// Users by username or e-mail, categories by path: a name matching
	// nothing is one sentence naming the flag, the name and the domain.
	r = runBridge(t, time.Minute, nil, "--config", cfg, "attendance", "mark", "--domain", "ac-a", "--course", "1", "--users", "2,nobody@nowhere.fr", "--as", "2")
	if r.code != 1 || !strings.Contains(r.stderr, `--users: no user "nobody@nowhere.fr" on ac-a`) {
		t.Fatalf("unknown user: exit %d\n%s", r.code, r.stderr)
	}
	r = runBridge(t, time.Minute, nil, "--config", cfg, "tracking", "list", "--domain", "ac-a", "--course", "1", "--as", "nobody.here")
	if r.code != 1 || !strings.Contains(r.stderr, `--as: no user "nobody.here" on ac-a`) {
		t.Fatalf("unknown --as: exit %d\n%s", r.code, r.stderr)
	}
	r = runBridge(t, time.Minute, nil, "--config", cfg, "archive", "--domain", "ac-a", "--course", "1", "--category", "Archive / Nowhere", "--dry-run")
	if r.code != 1 || !strings.Contains(r.stderr, `--category: no category "Archive / Nowhere" on ac-a`) {
		t.Fatalf("unknown category: exit %d\n%s", r.code, r.stderr)
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

// TestHelpEverywhere: `bridge help`, `help COMMAND`, a group's --help and
// every command's --help exit 0; an unknown demo chapter is a usage error.
func TestHelpEverywhere(t *testing.T) {
	if r := runBridge(t, time.Minute, nil, "help"); r.code != 0 || !strings.Contains(r.stdout, "workflow check") {
		t.Fatalf("help: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, group := range []string{"jobs", "domains", "tracking", "offer", "workflow"} {
		if r := runBridge(t, time.Minute, nil, group, "--help"); r.code != 0 || !strings.Contains(r.stdout, group+" ") {
			t.Errorf("%s --help: exit %d\n%s%s", group, r.code, r.stdout, r.stderr)
		}
		if r := runBridge(t, time.Minute, nil, "help", group); r.code != 0 {
			t.Errorf("help %s: exit %d", group, r.code)
		}
	}
	for name := range commands {
		args := append(strings.Fields(name), "--help")
		if r := runBridge(t, time.Minute, nil, args...); r.code != 0 {
			t.Errorf("%s --help: exit %d\n%s", name, r.code, r.stderr)
		}
		if r := runBridge(t, time.Minute, nil, append([]string{"help"}, strings.Fields(name)...)...); r.code != 0 {
			t.Errorf("help %s: exit %d\n%s", name, r.code, r.stderr)
		}
	}
	if r := runBridge(t, time.Minute, nil, "demo", "--only", "nope"); r.code != 2 || !strings.Contains(r.stderr, `no chapter "nope"`) {
		t.Errorf("demo --only nope: exit %d\n%s", r.code, r.stderr)
	}
	if r := runBridge(t, time.Minute, nil, "demo", "--cost", "slow"); r.code != 2 || !strings.Contains(r.stderr, "--cost") {
		t.Errorf("demo --cost slow: exit %d\n%s", r.code, r.stderr)
	}
}
