package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/moodle"
)

// TestBlocksAgainstRealDaemon runs the PHP side (local_bridge's signing
// client and each block's data source, no Moodle needed) against a real
// `bridge serve` process backed by moodlesim: signing interop (accepted,
// then 401 for a tampered body, a stale timestamp, a replayed nonce, a
// wrong secret) and the data each block's template receives.
func TestBlocksAgainstRealDaemon(t *testing.T) {
	php, err := exec.LookPath("php")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("php is not on PATH and CI=true: run scripts/php-deps.sh")
		}
		t.Skip("php not on PATH (scripts/php-deps.sh installs it)")
	}
	const token = "blocks-token-abcdef0123456789"
	const secret = "blocks-shared-secret-0123456789abcdef"
	sim := startBridge(t, nil, "moodlesim", "--listen", "127.0.0.1:0", "--token", token, "--sites", "ac-a")
	dir := t.TempDir()
	cfg := writeFile(t, dir, "bridge.yaml", `
data_dir: `+dir+`
api:
  rate_per_minute: 100000
domains:
  - name: ac-a
    wwwroot: http://`+sim.addr+`
    token: `+token+`
    secret: `+secret+`
    zone: A
`)
	r := runBridge(t, time.Minute, nil, "--config", cfg, "domains", "bootstrap")
	// The course is a session: the CSV block enrols into it (a gabarit is refused).
	gab := regexp.MustCompile(`category session\s+id (\d+)`).FindStringSubmatch(r.stdout)
	if r.code != 0 || gab == nil {
		t.Fatalf("bootstrap: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	ctx := context.Background()
	client, err := moodle.New(moodle.Site{Name: "ac-a", WWWRoot: "http://" + sim.addr, Token: token}, moodle.Options{Timeout: 10 * time.Second, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	cat, _ := strconv.ParseInt(gab[1], 10, 64)
	courses, err := client.CreateCourses(ctx, []moodle.CourseInput{{FullName: "Gabarit", ShortName: "GAB", CategoryID: moodle.Int(cat)}})
	if err != nil {
		t.Fatal(err)
	}
	course := courses[0].ID
	users, err := client.CreateUsers(ctx, []moodle.UserInput{
		{Username: "formateur", FirstName: "Fa", LastName: "FORM", Email: "formateur@ac-a.fr", Auth: "shibboleth"},
		{Username: "eleve", FirstName: "El", LastName: "EVE", Email: "eleve@ac-a.fr", Auth: "shibboleth"},
		{Username: "alice", FirstName: "Alice", LastName: "ALICE", Email: "alice@ac-a.fr", Auth: "shibboleth"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.EnrolUsers(ctx, []moodle.Enrolment{{RoleID: 3, UserID: users[0].ID, CourseID: course}, {RoleID: 5, UserID: users[1].ID, CourseID: course}}); err != nil {
		t.Fatal(err)
	}

	daemon := startBridge(t, nil, "--config", cfg, "serve", "--listen", "127.0.0.1:0")
	root, _ := filepath.Abs("..")
	cmd := exec.Command(php, "testdata/api_blocks.php", filepath.Join(root, "moodle-plugins"), "http://"+daemon.addr, "ac-a", secret,
		strconv.FormatInt(int64(course), 10), strconv.FormatInt(int64(users[0].ID), 10), strconv.FormatInt(int64(users[1].ID), 10))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("php driver: %v\n%s\ndaemon:\n%s", err, out, tail(daemon.output(), 3000))
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("driver output is not JSON: %v\n%s", err, out)
	}
	field := func(name string) map[string]any {
		var m map[string]any
		if err := json.Unmarshal(got[name], &m); err != nil {
			t.Fatalf("%s: %v in %s", name, err, got[name])
		}
		return m
	}

	// Signing interop with the real daemon.
	if st := field("ok")["status"]; st != float64(200) {
		t.Errorf("signed request: status %v", st)
	}
	if st := field("replay_first")["status"]; st != float64(200) {
		t.Errorf("first use of a nonce: %v", st)
	}
	for _, name := range []string{"tampered_body", "stale", "replay", "wrong_secret"} {
		m := field(name)
		data, _ := m["data"].(map[string]any)
		if m["status"] != float64(401) || len(data) != 1 || data["error"] != "unauthorized" {
			t.Errorf("%s: want a bare 401, got %v", name, m)
		}
	}

	// Workflow block.
	wf := field("workflow_formateur")
	if wf["ok"] != true || wf["state"] != "session_preparation" || wf["canact"] != true || wf["hasallowed"] != true {
		t.Errorf("workflow block (formateur): %v", wf)
	}
	if refused, _ := wf["refused"].([]any); len(refused) == 0 || refused[0].(map[string]any)["reason"] == "" {
		t.Errorf("refused transitions must carry a French reason: %v", wf["refused"])
	}
	if p := field("workflow_participant"); p["ok"] != false || p["forbidden"] != true {
		t.Errorf("workflow block (participant): %v", p)
	}
	if p := field("workflow_refused"); p["status"] != float64(409) || p["refusal"] == "" || p["jobid"] != float64(0) {
		t.Errorf("refused transition: %v", p)
	}
	// The planning preview (zone A here): beyond the data, in French.
	if p := field("workflow_preview"); p["status"] != float64(200) || p["sessions"] != float64(2) ||
		fmt.Sprint(p["warnings"]) != "[calendrier scolaire inconnu pour le 04/09/2028 (zone A) : mettre à jour les données Classe virtuelle du 05/09/2028 19:00 hors des heures ouvrées (8 h - 18 h).]" {
		t.Errorf("sessions preview: %v", p)
	}

	// CSV block: full preview, apply job, report.
	pv := field("csv_preview")
	rows, _ := pv["rows"].([]any)
	if pv["ok"] != true || len(rows) != 2 || pv["total"] != float64(2) {
		t.Fatalf("csv preview: %v", pv)
	}
	first, second := rows[0].(map[string]any), rows[1].(map[string]any)
	if first["status"] != "will_enrol" || first["problem"] != false || first["label"] == "will_enrol" ||
		second["status"] != "unknown" || second["problem"] != true {
		t.Errorf("csv rows: %v", rows)
	}
	pp := field("csv_preview_problems")
	prow, _ := pp["rows"].([]any)
	groups, _ := pp["groups"].([]any)
	if pp["ok"] != true || pp["filtered"] != true || pp["totalrows"] != float64(1) || len(prow) != 1 ||
		prow[0].(map[string]any)["status"] != "unknown" || len(groups) != 1 ||
		groups[0].(map[string]any)["name"] != "G1" || groups[0].(map[string]any)["count"] != float64(1) {
		t.Errorf("csv preview, problems only with a group: %v", pp)
	}
	if p := field("csv_preview_participant"); p["ok"] != false || p["status"] != float64(403) {
		t.Errorf("participant preview: %v", p)
	}
	if a := field("csv_apply"); a["status"] != float64(202) || a["jobid"] == float64(0) {
		t.Errorf("csv apply: %v", a)
	}
	blk := field("csv_block")
	jobs, _ := blk["jobs"].([]any)
	if len(jobs) != 1 || jobs[0].(map[string]any)["state"] != "succeeded" || jobs[0].(map[string]any)["hasreport"] != true ||
		jobs[0].(map[string]any)["percent"] != float64(100) {
		t.Errorf("csv block jobs: %v", blk)
	}
	rep := field("csv_report")
	if rep["status"] != float64(200) || !strings.HasPrefix(rep["type"].(string), "text/csv") ||
		!strings.Contains(rep["body"].(string), "alice@ac-a.fr") || !strings.Contains(rep["body"].(string), "inconnu@ac-a.fr") {
		t.Errorf("csv report: %v", rep)
	}
	enrolled, err := client.GetEnrolledUsers(ctx, course, moodle.EnrolledUsersOptions{})
	if err != nil || len(enrolled) != 3 {
		t.Errorf("after apply: %d enrolled, %v", len(enrolled), err)
	}

	// Tracking block: aggregates and, for the formateur, the participants'
	// table (progress and last access; no time spent anywhere).
	tr := field("tracking")
	stats, _ := tr["stats"].(map[string]any)
	parts, _ := tr["participants"].([]any)
	if tr["ok"] != true || len(stats["buckets"].([]any)) != 6 || len(parts) != 2 {
		t.Errorf("tracking block: %v", tr)
	}
	// "Formation terminée" marked from the block shows in its table.
	var markedID float64
	json.Unmarshal(got["tracking_marked"], &markedID)
	doneCount := 0
	for _, p := range parts {
		row := p.(map[string]any)
		if row["done"] == true {
			doneCount++
			if row["id"] != markedID {
				t.Errorf("participant %v shown as attended, but %v was marked", row["id"], markedID)
			}
		}
	}
	if markedID == 0 || doneCount != 1 {
		t.Errorf("after marking participant %v, %d rows show \"Formation terminée\": %v", markedID, doneCount, parts)
	}
	for _, name := range []string{"certificate", "certificate_sync"} {
		if c := field(name); c["status"] != float64(200) || c["type"] != "application/pdf" || c["head"] != "%PDF-" {
			t.Errorf("%s: want the marked participant's PDF, got %v", name, c)
		}
	}
	if c := field("certificate_none"); c["status"] != float64(404) {
		t.Errorf("certificates of someone not marked: %v, want status 404", c)
	}
	if strings.Contains(string(got["tracking"]), "time_spent") || strings.Contains(string(got["tracking"]), "timespent") {
		t.Error("the tracking block must never carry time spent")
	}
	if p := field("tracking_participant"); p["ok"] != false || p["forbidden"] != true {
		t.Errorf("a participant must not get the nominative table: %v", p)
	}
	// Offer block: the (empty) national offer answers, no server paths leak.
	if of := field("offer"); of["ok"] != true || of["total"] != float64(0) {
		t.Errorf("offer block: %v", of)
	}
	// Weekly digest: subscribe, then unsubscribe, as the formateur; the
	// block's data follows the daemon's state.
	digestState := func(name string) any {
		d, _ := field(name)["digest"].(map[string]any)
		if d == nil {
			return nil
		}
		return d["subscribed"]
	}
	if st := digestState("offer"); st != false {
		t.Errorf("offer block before subscribing: digest.subscribed %v, want false", st)
	}
	if d := field("digest_subscribe"); d["status"] != float64(200) {
		t.Errorf("digest subscribe: %v", d)
	}
	if st := digestState("offer_subscribed"); st != true {
		t.Errorf("offer block after subscribing: digest.subscribed %v, want true (%s)", st, got["offer_subscribed"])
	}
	if d := field("digest_unsubscribe"); d["status"] != float64(200) {
		t.Errorf("digest unsubscribe: %v", d)
	}
	if st := digestState("offer_unsubscribed"); st != false {
		t.Errorf("offer block after unsubscribing: digest.subscribed %v, want false (%s)", st, got["offer_unsubscribed"])
	}
	if strings.Contains(daemon.output(), secret) {
		t.Error("the shared secret appears in the daemon's output")
	}
}
