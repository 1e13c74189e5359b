package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/moodle"
)

// jsonNotHere are the commands this test does not run, and why; every
// other command of the table must have a case below, so a new command
// is checked (or named here) automatically.
var jsonNotHere = map[string]string{
	"serve":        "a daemon: logs, no data output",
	"moodlesim":    "a test server: logs, no data output",
	"demo":         "a narrated walk-through (TestDemoRunsAndLeaksNoSecret)",
	"completion":   "prints a shell script",
	"offer digest": "dispatches to subscribe/unsubscribe/run, run below as offer digest run",
	// Long scenarios with their own tests; their JSON is the same
	// jobView/finishJob encoder as workflow run, checked below.
	"offer share": "needs a parcours en démonstration (TestOfferShareDeploySurvivesKill)", "offer unshare": "needs a shared offer",
	"offer publish": "needs a session en cours", "offer unpublish": "needs a published session",
	"offer request": "needs a shared offer", "offer approve": "needs a request", "offer reject": "needs a request", "offer deploy": "needs a request",
	"archive": "needs a session (TestArchiveCLI)", "unarchive": "needs an archived session (TestArchiveCLI)",
	"attendance mark": "needs enrolled participants (TestTrackingCLIKeepsNamesInside)", "attendance unmark": "needs enrolled participants",
	"certificates": "writes PDFs (TestTrackingCLIKeepsNamesInside)", "tracking list": "needs a formateur (TestTrackingCLIKeepsNamesInside)",
	"gaia import": "needs GAIA files (TestGaiaCLI)", "gaia link": "needs imported GAIA files", "gaia unlink": "needs a link",
	"gaia sync": "needs links (TestGaiaCLI)", "gaia scan": "needs gaia.drop_dir (TestGaiaScanCLI)",
	"calendar update": "needs a newer data file (TestCalendarUpdateFromFile)",
	"sessions create": "TestWorkflowCLI; same encoder as workflow run",
}

// TestEveryCommandPrintsJSON runs each command with --format json against
// a simulated site and parses what it prints: one or more JSON documents,
// nothing else.
func TestEveryCommandPrintsJSON(t *testing.T) {
	const token = "json-token-abcdef0123456789"
	sim := startBridge(t, nil, "moodlesim", "--listen", "127.0.0.1:0", "--token", token, "--sites", "ac-a")
	dir := t.TempDir()
	cfg := writeFile(t, dir, "bridge.yaml", "data_dir: "+dir+"\ndomains:\n  - name: ac-a\n    wwwroot: http://"+sim.addr+"\n    token: "+token+"\n    zone: A\n    archive_after_days: 5\n    trash_retention_days: 7\n")
	run := func(args ...string) result {
		return runBridge(t, time.Minute, nil, append([]string{"--config", cfg, "--format", "json"}, args...)...)
	}
	r := run("domains", "bootstrap")
	parc := regexp.MustCompile(`"key":"parcours","id":(\d+)`).FindStringSubmatch(r.stdout)
	if r.code != 0 || parc == nil {
		t.Fatalf("bootstrap: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	cat, _ := strconv.ParseInt(parc[1], 10, 64)
	client, err := moodle.New(moodle.Site{Name: "ac-a", WWWRoot: "http://" + sim.addr, Token: token}, moodle.Options{Timeout: 10 * time.Second, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateCourses(context.Background(), []moodle.CourseInput{{FullName: "Parcours", ShortName: "PARC-J", CategoryID: moodle.Int(cat)}}); err != nil {
		t.Fatal(err)
	}
	csv := writeFile(t, dir, "in.csv", "Nom;Prénom;Courriel\nMARTIN;Anne;anne.martin@ac-a.fr\n")
	cases := map[string][]string{
		"version":                  {"version"},
		"config check":             {"config", "check"},
		"domains check":            {"domains", "check"},
		"domains functions":        {"domains", "functions"},
		"domains bootstrap":        {"domains", "bootstrap"},
		"jobs submit":              {"jobs", "submit", "--kind", "tracking.sync", "--domain", "ac-a", "--payload", `{"domain":"ac-a"}`},
		"jobs list":                {"jobs", "list"},
		"jobs show":                {"jobs", "show", "1"},
		"jobs cancel":              {"jobs", "cancel", "JOB"},
		"jobs retry":               {"jobs", "retry", "JOB"},
		"workflow show":            {"workflow", "show", "--domain", "ac-a", "--course", "PARC-J"},
		"workflow run":             {"workflow", "run", "set-metadata", "--domain", "ac-a", "--course", "PARC-J", "--remote-minutes", "60", "--inperson-minutes", "0", "--objectives", "Lire"},
		"workflow check":           {"workflow", "check", "--domain", "ac-a"},
		"calendar check":           {"calendar", "check", "--zone", "A", "--start", "2026-09-07", "--end", "2026-12-18"},
		"calendar export":          {"calendar", "export"},
		"offer list":               {"offer", "list"},
		"offer search":             {"offer", "search", "--text", "lecture"},
		"offer requests":           {"offer", "requests"},
		"offer digest subscribe":   {"offer", "digest", "subscribe", "--domain", "ac-a", "--user", "2"},
		"offer digest unsubscribe": {"offer", "digest", "unsubscribe", "--domain", "ac-a", "--user", "2"},
		"offer digest run":         {"offer", "digest", "run", "--domain", "ac-a", "--dry-run"},
		"enrol":                    {"enrol", "--domain", "ac-a", "--course", "PARC-J", "--csv", csv, "--unknown", "create", "--dry-run"},
		"enrol report":             {"enrol", "report", "ENROLJOB"},
		"tracking sync":            {"tracking", "sync", "--domain", "ac-a", "--course", "PARC-J"},
		"tracking show":            {"tracking", "show", "--domain", "ac-a", "--course", "PARC-J"},
		"archive auto":             {"archive", "auto", "--dry-run"},
		"retention run":            {"retention", "run", "--dry-run"},
		"gaia status":              {"gaia", "status", "--domain", "ac-a"},
		"audit list":               {"audit", "list", "--since", "1h"},
		"privacy purge":            {"privacy", "purge", "--dry-run"},
	}
	for name := range commands {
		if _, ok := cases[name]; !ok && jsonNotHere[name] == "" {
			t.Errorf("command %q has no --format json case and no reason in jsonNotHere", name)
		}
	}
	// Order matters where one case uses another's job.
	order := []string{"version", "config check", "domains check", "domains functions", "domains bootstrap", "jobs submit", "jobs list",
		"jobs show", "jobs cancel", "jobs retry", "workflow show", "workflow run", "workflow check", "calendar check", "calendar export",
		"offer list", "offer search", "offer requests", "offer digest subscribe", "offer digest unsubscribe", "offer digest run",
		"enrol", "tracking sync", "tracking show", "archive auto", "retention run", "gaia status", "audit list", "privacy purge"}
	if len(order) != len(cases)-1 { // enrol report runs after enrol's apply
		t.Fatalf("order lists %d cases, the table %d", len(order), len(cases))
	}
	var submitted string
	for _, name := range order {
		args := cases[name]
		for i, a := range args {
			if a == "JOB" {
				args[i] = submitted
			}
		}
		r := run(args...)
		if r.code != 0 {
			t.Errorf("%s: exit %d\n%s", name, r.code, r.stderr)
			continue
		}
		docs := parseJSONDocs(t, name, r.stdout)
		if name == "jobs submit" && len(docs) == 1 {
			submitted = strconv.FormatFloat(docs[0].(map[string]any)["id"].(float64), 'f', 0, 64)
		}
	}
	// enrol report of a real enrolment.
	r = run("enrol", "--domain", "ac-a", "--course", "PARC-J", "--csv", csv, "--unknown", "create")
	docs := parseJSONDocs(t, "enrol (apply)", r.stdout)
	if r.code != 0 || len(docs) != 1 {
		t.Fatalf("enrol apply: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	job := strconv.FormatFloat(docs[0].(map[string]any)["job_id"].(float64), 'f', 0, 64)
	if r := run("enrol", "report", job); r.code != 0 || len(parseJSONDocs(t, "enrol report", r.stdout)) != 1 {
		t.Errorf("enrol report: exit %d\n%s", r.code, r.stderr)
	}
}

// parseJSONDocs reads stdout as a stream of JSON documents; anything else
// (a text line) fails the test.
func parseJSONDocs(t *testing.T, name, out string) []any {
	t.Helper()
	if strings.TrimSpace(out) == "" {
		t.Errorf("%s --format json printed nothing", name)
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(out)))
	var docs []any
	for {
		var v any
		err := dec.Decode(&v)
		if err == io.EOF {
			return docs
		}
		if err != nil {
			t.Errorf("%s --format json is not JSON: %v\n%s", name, err, out)
			return docs
		}
		docs = append(docs, v)
	}
}
