package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/moodlesim"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/tracking"
)

// trackingSession builds a session on the simulator: a formateur, four
// participants with distinctive names and e-mails, two activities.
func trackingSession(t *testing.T, c *moodle.Client, site *moodlesim.Site) (course, formateur int64, participants []int64, secrets []string) {
	t.Helper()
	ctx := context.Background()
	one := 1
	cs, err := c.CreateCourses(ctx, []moodle.CourseInput{{FullName: "Lire et écrire au cycle 2", ShortName: "LEC2", CategoryID: 1, EnableCompletion: &one}})
	if err != nil {
		t.Fatal(err)
	}
	course = int64(cs[0].ID)
	cm1, _ := site.AddActivity(int(course), "Lecture", "page", 1)
	site.AddActivity(int(course), "Quiz", "page", 1)
	users := []moodle.UserInput{{Username: "form1", Password: "Passw0rd!", FirstName: "Noël", LastName: "Daudé", Email: "noel.daude@ac-a.fr"}}
	// The last name is a spreadsheet formula: the CSV list must neutralise it.
	for i, n := range []string{"Émerencienne", "Zéphyrin", "Bérangère", "=SUM(1+1)Anatole"} {
		users = append(users, moodle.UserInput{Username: fmt.Sprintf("p%d", i), Password: "Passw0rd!", FirstName: "Lætitia" + strconv.Itoa(i),
			LastName: n, Email: fmt.Sprintf("secret.mail%d@ac-a.fr", i), Department: "École Jean-Jaurès"})
		secrets = append(secrets, n, "Lætitia"+strconv.Itoa(i), fmt.Sprintf("secret.mail%d@ac-a.fr", i), "Jean-Jaurès")
	}
	made, err := c.CreateUsers(ctx, users)
	if err != nil {
		t.Fatal(err)
	}
	rows := []moodle.Enrolment{{RoleID: 3, UserID: made[0].ID, CourseID: cs[0].ID}}
	for _, u := range made[1:] {
		participants = append(participants, int64(u.ID))
		rows = append(rows, moodle.Enrolment{RoleID: 5, UserID: u.ID, CourseID: cs[0].ID})
	}
	if err := c.EnrolUsers(ctx, rows); err != nil {
		t.Fatal(err)
	}
	if _, err := c.OverrideActivityCompletion(ctx, moodle.Int(participants[0]), moodle.Int(cm1), 1); err != nil {
		t.Fatal(err)
	}
	return course, int64(made[0].ID), participants, secrets
}

// TestTrackingCLIKeepsNamesInside walks every aggregate output (sync,
// show, statistics, JSON, SVG) and checks no participant's name or e-mail
// appears; nominative outputs are refused to a participant and allowed to
// the formateur, each attempt audited.
func TestTrackingCLIKeepsNamesInside(t *testing.T) {
	const token = "tracking-cli-token-0123456789"
	sim := moodlesim.New(moodlesim.Options{Sites: []string{"national", "ac-a"}, Token: token})
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	client, err := moodle.New(moodle.Site{Name: "ac-a", WWWRoot: srv.URL + "/ac-a", Token: token}, moodle.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	course, formateur, participants, secrets := trackingSession(t, client, sim.Site("ac-a"))
	dir := t.TempDir()
	cfg := writeFile(t, dir, "bridge.yaml", `
data_dir: `+dir+`
domains:
  - name: ac-a
    wwwroot: `+srv.URL+`/ac-a
    token: `+token+`
    zone: A
`)
	c := strconv.FormatInt(course, 10)
	run := func(args ...string) result {
		return runBridge(t, time.Minute, nil, append([]string{"--config", cfg}, args...)...)
	}
	svg := filepath.Join(dir, "chart.svg")
	var aggregate []string
	for _, args := range [][]string{
		{"tracking", "sync", "--domain", "ac-a", "--course", c},
		{"tracking", "show", "--domain", "ac-a", "--course", c, "--svg", svg},
		{"tracking", "show", "--domain", "ac-a"},
		{"--format", "json", "tracking", "show", "--domain", "ac-a", "--course", c},
		{"--format", "json", "tracking", "sync", "--domain", "ac-a", "--course", c},
	} {
		r := run(args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
		aggregate = append(aggregate, r.stdout, r.stderr)
	}
	chart, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	aggregate = append(aggregate, string(chart))
	all := strings.Join(aggregate, "\n")
	if !strings.Contains(all, "enrolled 4, ever connected 0") || !strings.Contains(all, "1-25%: 0, 26-50%: 1") {
		t.Fatalf("statistics missing:\n%s", all)
	}
	for _, s := range secrets {
		if strings.Contains(all, s) {
			t.Errorf("aggregate output carries %q:\n%s", s, all)
		}
	}

	as := func(id int64) string { return strconv.FormatInt(id, 10) }
	p0 := as(participants[0])
	// Without --as the operator reads, audited as cli:<OS user>, not as a
	// Moodle user; with --as, on behalf of that user, whose roles count.
	if r := run("tracking", "list", "--domain", "ac-a", "--course", c); r.code != 0 || !strings.Contains(r.stdout, "Lætitia0") {
		t.Errorf("list without --as (the operator): exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, args := range [][]string{
		{"tracking", "list", "--domain", "ac-a", "--course", c, "--as", p0},
		{"certificates", "--domain", "ac-a", "--course", c, "--as", p0, "--out", filepath.Join(dir, "refused")},
		{"attendance", "mark", "--domain", "ac-a", "--course", c, "--users", p0, "--as", p0},
	} {
		r := run(args...)
		if r.code != 1 || !strings.Contains(r.stderr, "is not a formateur or manager") {
			t.Errorf("%v by a participant: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
		for _, s := range secrets {
			if strings.Contains(r.stdout+r.stderr, s) {
				t.Errorf("refusal leaks %q", s)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "refused")); err == nil {
		t.Error("a refused certificate run created its output directory")
	}

	r := run("tracking", "list", "--domain", "ac-a", "--course", c, "--as", as(formateur))
	if r.code != 0 || !strings.Contains(r.stdout, "Émerencienne,Lætitia0,École Jean-Jaurès,1,2,50") {
		t.Fatalf("list by the formateur: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "'=SUM(1+1)Anatole") || strings.Contains(r.stdout, "\n=SUM") || !strings.Contains(r.stdout, ",id_moodle") {
		t.Errorf("list: a formula cell is not neutralised, or the id column is missing:\n%s", r.stdout)
	}
	r = run("attendance", "mark", "--domain", "ac-a", "--course", c, "--users", p0+","+as(participants[1]), "--as", as(formateur), "--mirror")
	if r.code != 0 || strings.Count(r.stdout, "-> Formation terminée") != 2 {
		t.Fatalf("mark: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = run("attendance", "unmark", "--domain", "ac-a", "--course", c, "--users", as(participants[1]), "--as", as(formateur))
	if r.code != 0 || !strings.Contains(r.stdout, "Formation terminée -> non terminée") {
		t.Fatalf("unmark: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	out := filepath.Join(dir, "certs")
	r = run("certificates", "--domain", "ac-a", "--course", c, "--as", as(formateur), "--out", out, "--remote-minutes", "180")
	if r.code != 0 {
		t.Fatalf("certificates: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*"))
	if len(files) != 3 { // collective report, one certificate, the ZIP
		t.Fatalf("certificate files = %v", files)
	}
	r = run("tracking", "show", "--domain", "ac-a", "--course", c)
	if !strings.Contains(r.stdout, "attended (Formation terminée) 1") {
		t.Errorf("show after attendance:\n%s", r.stdout)
	}

	st, err := store.Open(context.Background(), "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	audits := map[string][]store.AuditEntry{}
	for _, action := range []string{"tracking.enrolment_list", "certificates.issue", "attendance.mark", "attendance.unmark"} {
		audits[action], _ = st.ListAudit(ctx, store.AuditFilter{Domain: "ac-a", Action: action})
	}
	outcomes := func(action string) string {
		var o []string
		for _, e := range audits[action] {
			o = append(o, e.Actor+"="+e.Outcome)
		}
		return strings.Join(o, " ")
	}
	op := cliActor()
	f := op + " on behalf of moodle:ac-a:user:" + as(formateur)
	p := op + " on behalf of moodle:ac-a:user:" + p0
	if got := outcomes("tracking.enrolment_list"); got != f+"=ok "+p+"=refused "+op+"=ok" {
		t.Errorf("enrolment list audit = %q", got)
	}
	if got := outcomes("certificates.issue"); got != f+"=ok "+p+"=refused" {
		t.Errorf("certificates audit = %q", got)
	}
	// Certificates are a job (the refused one failed at its first attempt,
	// a permission is not retried) whose files stay with it in the store.
	certJobs, _ := st.ListJobs(ctx, store.JobFilter{Kind: tracking.KindCertificates})
	states := map[store.JobState]int{}
	for _, j := range certJobs {
		states[j.State]++
		if j.State == store.JobFailed && j.Attempts != 1 {
			t.Errorf("the refused certificates job ran %d times", j.Attempts)
		}
		if j.State == store.JobSucceeded {
			if kept, err := st.JobFiles(ctx, j.ID); err != nil || len(kept) != 3 {
				t.Errorf("certificates job %d keeps %d files, want 3 (%v)", j.ID, len(kept), err)
			}
		}
	}
	if states[store.JobSucceeded] != 1 || states[store.JobFailed] != 1 {
		t.Errorf("certificates jobs by state: %v", states)
	}
	trail, _ := st.AttendanceChanges(ctx, "ac-a", course)
	if len(trail) != 3 || !trail[2].Old || trail[2].New || trail[2].Actor != f {
		t.Errorf("attendance trail = %+v", trail)
	}
	// --mirror reached Moodle's course completion.
	if !sim.Site("ac-a").MarkedComplete(int(course), int(participants[0])) {
		t.Error("mirror did not mark the course complete in Moodle")
	}
	// audit list: the operator's acts, with and without --as, by actor
	// prefix and course; a trainer's own acts in Moodle would read
	// moodle:ac-a:user:N, never cli:.
	r = run("--format", "json", "audit", "list", "--actor", op, "--course", c, "--since", "1h", "--action", "tracking.enrolment_list")
	var entries []struct {
		Actor, Action, Target, Outcome string
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &entries) != nil || len(entries) != 3 {
		t.Fatalf("audit list: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if entries[0].Actor != f || entries[2].Actor != op || entries[0].Target != "course:"+c {
		t.Errorf("audit list entries: %+v", entries)
	}
	if r := run("audit", "list", "--since", "yesterday"); r.code != 2 || !strings.Contains(r.stderr, "--since") {
		t.Errorf("audit list --since yesterday: exit %d %s", r.code, r.stderr)
	}
}

// An attendance mark is the bridge's decision: with --mirror on a course
// Moodle refuses to complete (frozen), the marks and their audit entries
// are recorded all the same (one transaction), and the mirror is a job
// that failed with Moodle's reason, shown by the command (exit 1) and in
// the jobs list; once the course is writable, `jobs retry` mirrors it.
func TestAttendanceMirrorFailureIsAJob(t *testing.T) {
	const token = "tracking-cli-token-0123456789"
	sim := moodlesim.New(moodlesim.Options{Sites: []string{"national", "ac-a"}, Token: token})
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	client, err := moodle.New(moodle.Site{Name: "ac-a", WWWRoot: srv.URL + "/ac-a", Token: token}, moodle.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	course, formateur, participants, _ := trackingSession(t, client, sim.Site("ac-a"))
	dir := t.TempDir()
	cfg := writeFile(t, dir, "bridge.yaml", "data_dir: "+dir+"\ndomains:\n  - name: ac-a\n    wwwroot: "+srv.URL+"/ac-a\n    token: "+token+"\n    zone: A\n")
	run := func(args ...string) result {
		return runBridge(t, time.Minute, nil, append([]string{"--config", cfg}, args...)...)
	}
	ctx := context.Background()
	if _, err := client.FreezeContext(ctx, moodle.Int(course), true); err != nil {
		t.Fatal(err)
	}
	as := func(id int64) string { return strconv.FormatInt(id, 10) }
	c := as(course)
	users := as(participants[0]) + "," + as(participants[1])
	r := run("attendance", "mark", "--domain", "ac-a", "--course", c, "--users", users, "--as", as(formateur), "--mirror")
	if r.code != 1 || strings.Count(r.stdout, "-> Formation terminée") != 2 || !strings.Contains(r.stderr, "not yet mirrored to Moodle") {
		t.Fatalf("mark on a frozen course: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	st, err := store.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	marked, _ := st.Attendance(ctx, "ac-a", course)
	audits, _ := st.ListAudit(ctx, store.AuditFilter{Domain: "ac-a", Action: "attendance.mark"})
	mirrors, _ := st.ListJobs(ctx, store.JobFilter{Kind: tracking.KindAttendanceMirror})
	st.Close()
	if len(marked) != 2 || len(audits) != 2 {
		t.Fatalf("marks %v with %d audit entries, want 2 and 2", marked, len(audits))
	}
	if len(mirrors) != 1 || mirrors[0].State != store.JobFailed || mirrors[0].LastError == "" {
		t.Fatalf("mirror jobs = %+v, want one failed with Moodle's reason", mirrors)
	}
	if r := run("jobs", "list", "--state", "failed"); !strings.Contains(r.stdout, tracking.KindAttendanceMirror) {
		t.Errorf("the failed mirror is not in the jobs list:\n%s", r.stdout)
	}
	if sim.Site("ac-a").MarkedComplete(int(course), int(participants[0])) {
		t.Fatal("a frozen course was completed")
	}
	// Writable again: the retried job mirrors both marks.
	if _, err := client.FreezeContext(ctx, moodle.Int(course), false); err != nil {
		t.Fatal(err)
	}
	if r := run("jobs", "retry", as(mirrors[0].ID)); r.code != 0 {
		t.Fatalf("retry: %+v", r)
	}
	serve := startBridge(t, nil, "--config", cfg, "serve", "--listen", "127.0.0.1:0")
	waitUntil(t, time.Minute, "the retried mirror job", func() bool {
		st, err := store.Open(ctx, "", dir)
		if err != nil {
			return false
		}
		defer st.Close()
		j, err := st.GetJob(ctx, mirrors[0].ID)
		return err == nil && j.State == store.JobSucceeded
	})
	serve.kill(syscall.SIGTERM)
	serve.wait(t, 30*time.Second)
	for _, p := range participants[:2] {
		if !sim.Site("ac-a").MarkedComplete(int(course), int(p)) {
			t.Errorf("after the retry, participant %d is not marked complete in Moodle", p)
		}
	}
}
