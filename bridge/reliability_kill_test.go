package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/enrol"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodle"
)

// relCSV is a GAIA-like export of n people unknown to the sites.
func relCSV(n int) ([]byte, []string) {
	var b strings.Builder
	emails := make([]string, n)
	b.WriteString("Nom;Prénom;Courriel;Établissement\n")
	for i := range emails {
		emails[i] = fmt.Sprintf("p%05d@ac-a.fr", i)
		fmt.Fprintf(&b, "NOM%d;Prénom;%s;0781%03dA\n", i, emails[i], i%97)
	}
	return []byte(b.String()), emails
}

// createSessions creates n empty courses S1..Sn on a site.
func (e *relEnv) createSessions(site string, n int) []int64 {
	e.t.Helper()
	var in []moodle.CourseInput
	for _, sn := range shortnames("S", n) {
		in = append(in, moodle.CourseInput{FullName: "Session " + sn, ShortName: sn, CategoryID: 1})
	}
	created, err := e.clients[site].CreateCourses(context.Background(), in)
	if err != nil {
		e.t.Fatalf("%s: create sessions: %v", site, err)
	}
	ids := make([]int64, len(created))
	for i, c := range created {
		ids[i] = int64(c.ID)
	}
	return ids
}

// submitEnrol queues enrol.apply; maxAttempts 0 keeps the default (5),
// which bounds how many daemon crashes one job survives.
func (e *relEnv) submitEnrol(site string, file []byte, sessions []int64, maxAttempts int) int64 {
	e.t.Helper()
	return e.submitEnrolPath(site, file, sessions, maxAttempts, "")
}

// submitEnrolPath is submitEnrol through the given enrolment path
// (enrol.PathCore, or "" for the domain's).
func (e *relEnv) submitEnrolPath(site string, file []byte, sessions []int64, maxAttempts int, path string) int64 {
	e.t.Helper()
	p := enrol.JobPayload{File: file, Options: enrol.PlanOptions{CourseIDs: sessions, MaxPerSession: 500, EnrolPath: path}}
	j, _, err := jobs.NewQueue(e.st).Submit(context.Background(), jobs.Spec{Kind: enrol.KindApply, Domain: site, Payload: p,
		Key: enrol.JobKey(site, enrol.FileSHA256(file), p.Options), RequestedBy: "reliability", MaxAttempts: maxAttempts})
	if err != nil {
		e.t.Fatalf("submit enrol.apply on %s: %v", site, err)
	}
	return j.ID
}

// runCSVKills enrols a 2,000-row file into 4 sessions while the daemon is
// killed `kills` times, and compares the site with an uninterrupted run.
func runCSVKills(t *testing.T, seed int64, kills int) int {
	e := newRelEnv(t, "--faults", "latency=60ms,seed=1")
	file, emails := relCSV(2000)
	refSessions := e.createSessions("ref", 4)
	sessions := e.createSessions("ac-a", 4)

	e.startServe()
	took := e.timeJob(e.submitEnrol("ref", file, refSessions, 0))
	e.killServe()

	id := e.submitEnrol("ac-a", file, sessions, 0)
	hits := e.killDuring(id, kills, rand.New(rand.NewSource(seed)), min(took/10, 200*time.Millisecond))
	e.waitJob(id, 3*time.Minute)
	e.stopServe()

	e.checkUsersOnce("ac-a", emails)
	sameState(t, "csv enrolment", e.courseState("ac-a", shortnames("S", 4)), e.courseState("ref", shortnames("S", 4)))
	e.checkNoSecrets()
	return hits
}

// TestKillDuringCSVEnrolment: 8 SIGKILLs at seeded random points of a
// 2,000-row enrolment (two runs of 4); afterwards no account exists twice
// and every session holds exactly the reference run's participants.
func TestKillDuringCSVEnrolment(t *testing.T) {
	runs := []int64{11, 12}
	if !longTests() {
		runs = runs[:1] // 4 kill points; CI (BRIDGE_LONG_TESTS=1) runs all 8
	}
	hits := 0
	for _, seed := range runs {
		t.Run("seed="+strconv.FormatInt(seed, 10), func(t *testing.T) { hits += runCSVKills(t, seed, 4) })
	}
	t.Logf("%d of %d kills hit the job while it ran", hits, 4*len(runs))
	if hits == 0 {
		t.Fatal("no kill hit the running job: the scenario tests nothing")
	}
}

// prepareParcours bootstraps both sites and creates a parcours PARC from a
// gabarit on each, through the CLI (jobs run in the CLI process).
func (e *relEnv) prepareParcours() map[string]string {
	e.t.Helper()
	if r := runBridgeTB(e.t, time.Minute, "--config", e.cfg, "domains", "bootstrap"); r.code != 0 {
		e.t.Fatalf("bootstrap: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	parcours := map[string]string{}
	for _, site := range []string{"ac-a", "ref"} {
		r := runBridgeTB(e.t, time.Minute, "--config", e.cfg, "domains", "bootstrap", "--domain", site)
		gab := regexp.MustCompile(`category gabarit\s+id (\d+)`).FindStringSubmatch(r.stdout)
		if gab == nil {
			e.t.Fatalf("no gabarit category for %s in:\n%s", site, r.stdout)
		}
		cat, _ := strconv.ParseInt(gab[1], 10, 64)
		created, err := e.clients[site].CreateCourses(context.Background(), []moodle.CourseInput{{FullName: "Gabarit", ShortName: "GAB", CategoryID: moodle.Int(cat)}})
		if err != nil {
			e.t.Fatal(err)
		}
		r = runBridgeTB(e.t, 2*time.Minute, "--config", e.cfg, "workflow", "run", "create-parcours", "--domain", site,
			"--course", strconv.FormatInt(int64(created[0].ID), 10), "--shortname", "PARC")
		m := regexp.MustCompile(`"course_id":(\d+)`).FindStringSubmatch(r.stdout)
		if r.code != 0 || m == nil {
			e.t.Fatalf("create-parcours on %s: exit %d\n%s%s", site, r.code, r.stdout, r.stderr)
		}
		parcours[site] = m[1]
	}
	return parcours
}

// submitSessions queues create-sessions (12 sessions of 25 for 300
// participants) without running it, and returns the job id.
func (e *relEnv) submitSessions(site, parcours string) int64 {
	e.t.Helper()
	r := runBridgeTB(e.t, time.Minute, "--config", e.cfg, "--format", "json", "sessions", "create", "--domain", site, "--from", parcours,
		"--name", "Lecture", "--start", "2025-11-03", "--end", "2025-12-12", "--participants", "300", "--max", "25", "--no-wait")
	var out struct {
		Job int64 `json:"job"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &out) != nil || out.Job == 0 {
		e.t.Fatalf("sessions create on %s: exit %d\n%s%s", site, r.code, r.stdout, r.stderr)
	}
	return out.Job
}

// allShortnames lists every course of a site, to catch a duplicated course
// whatever shortname Moodle gave it.
func (e *relEnv) allShortnames(site string) []string {
	e.t.Helper()
	courses, err := e.clients[site].GetCoursesByField(context.Background(), "", "")
	if err != nil {
		e.t.Fatalf("%s: list courses: %v", site, err)
	}
	var out []string
	for _, c := range courses {
		if c.ID != 1 {
			out = append(out, c.ShortName)
		}
	}
	sort.Strings(out)
	return out
}

func runSessionKills(t *testing.T, seed int64, kills int) int {
	e := newRelEnv(t, "--faults", "latency=25ms,seed=1")
	parcours := e.prepareParcours()
	e.startServe()
	took := e.timeJob(e.submitSessions("ref", parcours["ref"]))
	e.killServe()

	id := e.submitSessions("ac-a", parcours["ac-a"])
	hits := e.killDuring(id, kills, rand.New(rand.NewSource(seed)), took/8)
	e.waitJob(id, 3*time.Minute)
	e.stopServe()

	got, want := e.allShortnames("ac-a"), e.allShortnames("ref")
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("courses after the interrupted run:\n %v\nreference:\n %v", got, want)
	}
	sessions := shortnames("PARC-S", 12)
	sameState(t, "sessions", e.courseState("ac-a", sessions), e.courseState("ref", sessions))
	e.checkNoSecrets()
	return hits
}

// TestKillDuringSessionCreation: 6 SIGKILLs (two runs of 3: a job is
// given up after 5 attempts, a crash counting as one) while 12 sessions are created
// from a parcours; afterwards each session exists exactly once, as in the
// uninterrupted reference run. With the CSV's 8 and the deployment's 6
// (reliability_deploy_test.go), 20 kill points in all.
func TestKillDuringSessionCreation(t *testing.T) {
	runs := []int64{21, 22}
	if !longTests() {
		runs = runs[:1]
	}
	hits := 0
	for _, seed := range runs {
		t.Run("seed="+strconv.FormatInt(seed, 10), func(t *testing.T) { hits += runSessionKills(t, seed, 3) })
	}
	t.Logf("%d of %d kills hit the job while it ran", hits, 3*len(runs))
	if hits == 0 {
		t.Fatal("no kill hit the running job: the scenario tests nothing")
	}
}
