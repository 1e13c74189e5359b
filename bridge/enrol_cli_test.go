package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/enrol"
	"github.com/magistere/bridge/internal/moodle"
)

// TestEnrolCLI: dry run, apply as an in-process job, re-run with nothing
// to do, exit codes, and the --remove-absent guard.
func TestEnrolCLI(t *testing.T) {
	const token = "enrol-token-abcdef0123456789"
	sim, dir, cfg := simSite(t, token, `    unknown_users: create
    create_auth: shibboleth
`)
	client, err := moodle.New(moodle.Site{Name: "ac-a", WWWRoot: "http://" + sim.addr, Token: token}, moodle.Options{Timeout: 10 * time.Second, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	created, err := client.CreateCourses(context.Background(), []moodle.CourseInput{{FullName: "S", ShortName: "S1", CategoryID: 1}})
	if err != nil {
		t.Fatal(err)
	}
	course := strconv.FormatInt(int64(created[0].ID), 10)
	good := writeFile(t, dir, "good.csv", "Nom;Prénom;Courriel\nMARTIN;Anne;anne.martin@ac-a.fr\nDURAND;Paul;paul.durand@ac-a.fr\n")
	base := []string{"--config", cfg, "enrol", "--domain", "ac-a", "--course", course}

	r := runBridge(t, time.Minute, nil, append(base, "--csv", good, "--dry-run")...)
	if r.code != 0 || !strings.Contains(r.stdout, "will_create") {
		t.Fatalf("dry run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	report := filepath.Join(dir, "report.csv")
	os.WriteFile(report, nil, 0o644) // an existing world-readable file is made private
	r = runBridge(t, time.Minute, nil, append(base, "--csv", good, "--report", report)...)
	if r.code != 0 || !strings.Contains(r.stdout, "created") || !strings.Contains(r.stderr, "succeeded") {
		t.Fatalf("apply: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if data, err := os.ReadFile(report); err != nil || strings.Count(string(data), ";created;") != 2 {
		t.Fatalf("report file: %v\n%s", err, data)
	}
	for _, f := range []string{report, filepath.Join(dir, "bridge.db")} {
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s holds names: mode %v (%v), want 0600", filepath.Base(f), fi.Mode().Perm(), err)
		}
	}
	// The kept report, by the job's id: CSV, JSON and a text summary.
	jobID := regexp.MustCompile(`job (\d+) succeeded`).FindStringSubmatch(r.stderr)
	if jobID == nil {
		t.Fatalf("no job id in the progress:\n%s", r.stderr)
	}
	// jobs show prints no e-mail nor name (the plan's checkpoint holds the
	// file's people): sizes, counts, and where the audited report is.
	for _, format := range []string{"json", "text"} {
		show := runBridge(t, time.Minute, nil, "--config", cfg, "--format", format, "jobs", "show", jobID[1])
		if show.code != 0 || strings.Contains(show.stdout, "@") || strings.Contains(show.stdout, "MARTIN") ||
			!strings.Contains(show.stdout, "/enrol/reports/"+jobID[1]) {
			t.Errorf("jobs show --format %s: exit %d\n%s", format, show.code, show.stdout)
		}
	}
	if r := runBridge(t, time.Minute, nil, "--config", cfg, "enrol", "report", jobID[1], "--format", "csv"); r.code != 0 || strings.Count(r.stdout, ";created;") != 2 {
		t.Fatalf("enrol report --format csv: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runBridge(t, time.Minute, nil, "--config", cfg, "enrol", "report", jobID[1], "--format", "json")
	var rep struct {
		JobID int64            `json:"job_id"`
		Rows  []map[string]any `json:"rows"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); r.code != 0 || err != nil || len(rep.Rows) != 2 || strconv.FormatInt(rep.JobID, 10) != jobID[1] {
		t.Fatalf("enrol report --format json: exit %d %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	if r := runBridge(t, time.Minute, nil, "--config", cfg, "enrol", "report", "999999"); r.code != 1 || !strings.Contains(r.stderr, "no enrolment report for job 999999") {
		t.Fatalf("enrol report of an unknown job: exit %d\n%s", r.code, r.stderr)
	}
	if r := runBridge(t, time.Minute, nil, "--config", cfg, "version", "--format", "csv"); r.code != 2 {
		t.Fatalf("--format csv on a command without CSV: exit %d", r.code)
	}
	// --format json on enrol: the plan, row by row.
	r = runBridge(t, time.Minute, nil, append(base, "--csv", good, "--dry-run", "--format", "json")...)
	if err := json.Unmarshal([]byte(r.stdout), &rep); r.code != 0 || err != nil || len(rep.Rows) != 2 {
		t.Fatalf("enrol --format json: exit %d %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	r = runBridge(t, time.Minute, nil, append(base, "--csv", good)...)
	if r.code != 0 || !strings.Contains(r.stderr, "nothing to do") || !strings.Contains(r.stdout, "already_enrolled") {
		t.Fatalf("re-run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	bad := writeFile(t, dir, "bad.csv", "Courriel\nnot-an-email\nanne.martin@ac-a.fr\n")
	if r = runBridge(t, time.Minute, nil, append(base, "--csv", bad, "--unknown", "reject")...); r.code != 1 {
		t.Fatalf("file with an invalid row: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runBridge(t, time.Minute, nil, append(base, "--csv", good, "--remove-absent")...)
	if r.code != 2 || !strings.Contains(r.stderr, "--yes") {
		t.Fatalf("remove-absent without --yes: exit %d\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, token) {
		t.Fatal("token printed")
	}
}

// TestEnrolAdviceInBothLanguages: a report advising the bulk path prints
// one sentence on stderr, with the count, in the operator's language,
// and nothing on stdout (the report); a report without advice prints
// nothing.
func TestEnrolAdviceInBothLanguages(t *testing.T) {
	rep := &enrol.Report{EnrolPath: enrol.PathCore, Advice: []string{enrol.AdviceBulkPath},
		Counts: enrol.Counts{Total: 250, ByStatus: map[enrol.Status]int{enrol.StatusCreated: 250}}}
	for lang, want := range map[string]string{"fr": "conseil : 250 comptes", "en": "advice: 250 accounts"} {
		var out, errb bytes.Buffer
		printEnrolAdvice(&cliEnv{lang: lang, stdout: &out, stderr: &errb}, rep)
		if got := errb.String(); !strings.HasPrefix(got, want) || !strings.Contains(got, "local_bridge") ||
			strings.Count(got, "\n") != 1 || out.Len() != 0 {
			t.Errorf("%s: stderr %q, stdout %q", lang, got, out.String())
		}
	}
	var errb bytes.Buffer
	printEnrolAdvice(&cliEnv{lang: "en", stderr: &errb}, &enrol.Report{EnrolPath: enrol.PathCore})
	if errb.Len() != 0 {
		t.Errorf("advice without a reason: %q", errb.String())
	}
}
