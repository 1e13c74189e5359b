package main

import (
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/moodlesim"
)

// cliWalk classifies every CLI command for the CNIL walk: "aggregate"
// commands print no name nor e-mail of the people on the sites;
// "nominative: ..." ones do, for whom, and how each use is audited. A new
// command fails TestCNILWalkClassifiesEveryCommand until it is classified.
var cliWalk = map[string]string{
	"tracking list":     "nominative: the operator, or --as a formateur or manager of the course; audited tracking.enrolment_list (walked below)",
	"certificates":      "nominative (PDF files): the operator, or --as a formateur or manager; audited certificates.issue (walked below)",
	"attendance mark":   "nominative (a change about named people, printed by id only): audited attendance.mark (walked below)",
	"attendance unmark": "nominative (as attendance mark): audited attendance.unmark",
	"enrol":             "nominative: the operator's own file, planned against Moodle; applying is an audited job, the report file 0600 (TestEnrolCLI)",
	"enrol report":      "nominative with --format csv|json: audited enrol.report.read (walked below); the text form prints counts only",
	"gaia import":       "nominative: the ministry's files the operator hands in; rows kept in the store (TestGaiaCLI)",
	"gaia link":         "aggregate: counts of people linked",
	"gaia unlink":       "aggregate",
	"gaia sync":         "aggregate: counts",
	"gaia scan":         "aggregate: files and counts",
	"gaia status":       "aggregate",
	"demo":              "nominative: invented people of the simulated sites only, written 0600 (TestDemoRunsAndLeaksNoSecret)",
	"moodlesim":         "aggregate: a test server with invented people",
	"serve":             "aggregate: the API (its own walk: TestCNILWalkOfEveryRoute)",
	"archive auto":      "aggregate", "archive": "aggregate", "unarchive": "aggregate", "retention run": "aggregate",
	"audit list":     "aggregate: actors are ids (cli:<OS user>, moodle:<domain>:user:<id>), params hold no names (walked below)",
	"calendar check": "aggregate", "calendar export": "aggregate", "calendar update": "aggregate",
	"completion": "aggregate", "config check": "aggregate (secrets redacted)", "version": "aggregate",
	"domains bootstrap": "aggregate", "domains check": "aggregate", "domains functions": "aggregate",
	"jobs cancel": "aggregate", "jobs retry": "aggregate", "jobs submit": "aggregate",
	"jobs list": "aggregate (walked below)", "jobs show": "aggregate: checkpoint sizes, counts and the audited route (walked below)",
	"offer digest":   "aggregate",
	"offer requests": "aggregate: requester ids", "offer share": "aggregate", "offer unshare": "aggregate", "offer publish": "aggregate",
	"offer unpublish": "aggregate", "offer list": "aggregate", "offer search": "aggregate", "offer request": "aggregate",
	"offer approve": "aggregate", "offer reject": "aggregate", "offer deploy": "aggregate",
	"privacy purge": "aggregate: counts", "sessions create": "aggregate",
	"tracking show": "aggregate (walked below)", "tracking sync": "aggregate (walked below)",
	"workflow check": "aggregate", "workflow run": "aggregate", "workflow show": "aggregate (walked below)",
}

func TestCNILWalkClassifiesEveryCommand(t *testing.T) {
	for name := range commands {
		if _, ok := cliWalk[name]; !ok {
			t.Errorf("command %q is not classified in the CNIL walk (cliWalk): aggregate, or nominative with who and how it is audited", name)
		}
	}
	for name, class := range cliWalk {
		if _, ok := commands[name]; !ok {
			t.Errorf("cliWalk classifies %q, which is no command", name)
		}
		if !strings.HasPrefix(class, "aggregate") && !strings.HasPrefix(class, "nominative") {
			t.Errorf("%s: class %q is neither aggregate nor nominative", name, class)
		}
	}
}

// TestCNILWalkOfCommands runs the nominative commands as the operator and
// on behalf of a formateur, a participant, an outsider and someone of
// another domain, then the aggregate commands over what they left: only
// the operator and the formateur get names, each of their reads is in the
// audit, and no aggregate output carries a name or an e-mail.
func TestCNILWalkOfCommands(t *testing.T) {
	const token = "walk-cli-token-0123456789"
	sim := moodlesim.New(moodlesim.Options{Sites: []string{"national", "ac-a"}, Token: token})
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	client, err := moodle.New(moodle.Site{Name: "ac-a", WWWRoot: srv.URL + "/ac-a", Token: token}, moodle.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	course, formateur, participants, markers := trackingSession(t, client, sim.Site("ac-a"))
	dir := t.TempDir()
	cfg := writeFile(t, dir, "bridge.yaml", "data_dir: "+dir+"\ndomains:\n  - name: ac-a\n    wwwroot: "+srv.URL+"/ac-a\n    token: "+token+
		"\n    zone: A\n  - name: national\n    wwwroot: "+srv.URL+"/national\n    token: "+token+"\n    zone: C\n")
	run := func(args ...string) result {
		return runBridge(t, time.Minute, nil, append([]string{"--config", cfg}, args...)...)
	}
	c := strconv.FormatInt(course, 10)
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	leak := func(out string) string {
		for _, m := range markers {
			if strings.Contains(out, m) {
				return m
			}
		}
		return ""
	}
	callers := []struct {
		role   string
		domain string
		as     []string
		reads  bool
	}{
		{"operator", "ac-a", nil, true},
		{"trainer", "ac-a", []string{"--as", id(formateur)}, true},
		{"participant", "ac-a", []string{"--as", id(participants[0])}, false},
		{"outsider", "ac-a", []string{"--as", "99999"}, false},
		{"another domain", "national", []string{"--as", id(formateur)}, false},
	}
	var nominativeReads int
	for _, who := range callers {
		for _, args := range [][]string{
			append([]string{"tracking", "list", "--domain", who.domain, "--course", c}, who.as...),
			append([]string{"certificates", "--domain", who.domain, "--course", c, "--out", t.TempDir()}, who.as...),
		} {
			r := run(args...)
			if (r.code == 0) != who.reads {
				t.Errorf("%s: %v: exit %d, reads allowed %v\n%s", who.role, args[:2], r.code, who.reads, r.stderr)
			}
			if !who.reads {
				if m := leak(r.stdout + r.stderr); m != "" {
					t.Errorf("%s refused %v: the output carries %q", who.role, args[:2], m)
				}
				continue
			}
			nominativeReads++
		}
	}
	// An enrolment applied and its report read in full: audited too.
	csv := writeFile(t, dir, "walk.csv", "Nom;Prénom;Courriel\nMARCHAND;Zoé;zoe.marchand@ac-a.fr\n")
	markers = append(markers, "zoe.marchand@ac-a.fr", "MARCHAND")
	r := run("enrol", "--domain", "ac-a", "--course", c, "--csv", csv, "--unknown", "create")
	job := strings.TrimSpace(strings.TrimPrefix(regexpFind(`job (\d+) succeeded`, r.stderr), "job "))
	if r.code != 0 || job == "" {
		t.Fatalf("enrol: exit %d\n%s", r.code, r.stderr)
	}
	if r := run("--format", "json", "enrol", "report", job); r.code != 0 || !strings.Contains(r.stdout, "MARCHAND") {
		t.Fatalf("enrol report --format json: exit %d\n%s", r.code, r.stdout)
	}
	nominativeReads++

	// The audit: every read above is there, under who really acted.
	a := run("--format", "json", "audit", "list", "--limit", "1000")
	var entries []struct{ Actor, Action, Outcome string }
	if a.code != 0 || json.Unmarshal([]byte(a.stdout), &entries) != nil {
		t.Fatalf("audit list: exit %d\n%s", a.code, a.stderr)
	}
	op := cliActor()
	count := map[string]int{}
	for _, e := range entries {
		if e.Outcome == "ok" {
			count[e.Actor+" "+e.Action]++
		}
	}
	onBehalf := op + " on behalf of moodle:ac-a:user:" + id(formateur)
	for key, want := range map[string]int{
		op + " tracking.enrolment_list": 1, onBehalf + " tracking.enrolment_list": 1,
		op + " certificates.issue": 1, onBehalf + " certificates.issue": 1, op + " enrol.report.read": 1,
	} {
		if count[key] != want {
			t.Errorf("audit: %d ok entries %q, want %d", count[key], key, want)
		}
	}

	// Aggregate commands over all of it: no name, no e-mail.
	jobs := run("--format", "json", "jobs", "list", "--limit", "100")
	var list []struct{ ID int64 }
	json.Unmarshal([]byte(jobs.stdout), &list)
	aggregate := [][]string{
		{"jobs", "list"}, {"--format", "json", "jobs", "list"},
		{"tracking", "show", "--domain", "ac-a", "--course", c}, {"--format", "json", "tracking", "sync", "--domain", "ac-a", "--course", c},
		{"audit", "list"}, {"--format", "json", "audit", "list"}, {"workflow", "show", "--domain", "ac-a", "--course", c},
		{"enrol", "report", job}, {"offer", "requests"}, {"gaia", "status", "--domain", "ac-a"}, {"privacy", "purge", "--dry-run"},
		{"config", "check"},
	}
	for _, j := range list {
		aggregate = append(aggregate, []string{"jobs", "show", id(j.ID)}, []string{"--format", "json", "jobs", "show", id(j.ID)})
	}
	for _, args := range aggregate {
		r := run(args...)
		if m := leak(r.stdout + r.stderr); m != "" {
			t.Errorf("%v (aggregate): the output carries %q", args, m)
		}
	}
	t.Logf("%d callers x 2 nominative commands, %d nominative reads audited, %d aggregate runs without a name", len(callers), nominativeReads, len(aggregate))
}

func regexpFind(pattern, s string) string {
	m := regexp.MustCompile(pattern).FindString(s)
	return strings.TrimSuffix(m, " succeeded")
}
