package main

import (
	"context"
	"math/rand"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/moodle"
)

// deployEnv is a relEnv whose simulator also serves the national hub, with
// a parcours shared to the offer and ready to be deployed.
type deployEnv struct {
	*relEnv
	offerID string
}

func newDeployEnv(t testing.TB, simFlags ...string) *deployEnv {
	t.Helper()
	e := newRelEnvSites(t, []string{"national", "ac-a", "ref"}, "national", simFlags...)
	d := &deployEnv{relEnv: e}
	out := d.cli("domains", "bootstrap")
	demo := regexp.MustCompile(`national: [\s\S]*?category demonstration\s+id (\d+)`).FindStringSubmatch(out)
	if demo == nil {
		t.Fatalf("no demonstration category in:\n%s", out)
	}
	cat, _ := strconv.ParseInt(demo[1], 10, 64)
	created, err := e.clients["national"].CreateCourses(context.Background(), []moodle.CourseInput{{FullName: "Écrire au cycle 2",
		ShortName: "ECR2", CategoryID: moodle.Int(cat), Summary: "Production d'écrits"}})
	if err != nil {
		t.Fatal(err)
	}
	course := strconv.FormatInt(int64(created[0].ID), 10)
	d.cli("workflow", "run", "set-metadata", "--domain", "national", "--course", course, "--remote-minutes", "180",
		"--inperson-minutes", "360", "--objectives", "Écrire")
	d.cli("offer", "share", "--domain", "national", "--course", course, "--origin", "DGESCO")
	m := regexp.MustCompile(`"id":(\d+)`).FindStringSubmatch(d.cli("--format", "json", "offer", "search", "--text", "ECRIRE"))
	if m == nil {
		t.Fatal("the shared parcours is not in the catalogue")
	}
	d.offerID = m[1]
	return d
}

func (d *deployEnv) cli(args ...string) string {
	d.t.Helper()
	r := runBridgeTB(d.t, 2*time.Minute, append([]string{"--config", d.cfg}, args...)...)
	if r.code != 0 {
		d.t.Fatalf("bridge %v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// submitDeploy requests the parcours for a site and approves it without
// running the deployment (a serve process does).
func (d *deployEnv) submitDeploy(site string) int64 {
	return d.submitDeployAs(site, "DEP-ECR2")
}

func (d *deployEnv) submitDeployAs(site, shortname string) int64 {
	d.t.Helper()
	out := d.cli("offer", "request", "--offer", d.offerID, "--target", site, "--name", "Écrire ("+site+")",
		"--shortname", shortname, "--requester", "2")
	req := regexp.MustCompile(`request (\d+) requested`).FindStringSubmatch(out)
	if req == nil {
		d.t.Fatalf("no request id in:\n%s", out)
	}
	out = d.cli("offer", "approve", "--request", req[1], "--async")
	job := regexp.MustCompile(`job (\d+) offer.deploy`).FindStringSubmatch(out)
	if job == nil {
		d.t.Fatalf("no job id in:\n%s", out)
	}
	id, _ := strconv.ParseInt(job[1], 10, 64)
	return id
}

// outline is the deployed course's section names, to compare with the
// reference deployment.
func (d *deployEnv) outline(site string) []string { return d.outlineOf(site, "DEP-ECR2") }

func (d *deployEnv) outlineOf(site, shortname string) []string {
	d.t.Helper()
	found, err := d.clients[site].GetCoursesByField(context.Background(), "shortname", shortname)
	if err != nil || len(found) != 1 {
		d.t.Fatalf("%s: %d courses %s, want exactly 1 (%v)", site, len(found), shortname, err)
	}
	sections, err := d.clients[site].GetContents(context.Background(), found[0].ID)
	if err != nil {
		d.t.Fatalf("%s: contents: %v", site, err)
	}
	var names []string
	for _, s := range sections {
		names = append(names, s.Name)
	}
	return names
}

func runDeployKills(t *testing.T, seed int64, kills int) int {
	d := newDeployEnv(t, "--faults", "latency=150ms,seed=1")
	d.startServe()
	took := d.timeJob(d.submitDeploy("ref"))
	d.killServe()

	id := d.submitDeploy("ac-a")
	hits := d.killDuring(id, kills, rand.New(rand.NewSource(seed)), took/10)
	d.waitJob(id, 3*time.Minute)
	d.stopServe()

	if got, want := d.allShortnames("ac-a"), d.allShortnames("ref"); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("courses after the interrupted deployment:\n %v\nreference:\n %v", got, want)
	}
	if got, want := d.outline("ac-a"), d.outline("ref"); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("deployed outline %v, reference %v", got, want)
	}
	d.checkNoSecrets()
	return hits
}

// TestKillDuringDeploy: 6 SIGKILLs (two runs of 3) while a shared
// parcours is deployed from the national hub into an académie (backup
// upload, asynchronous restore); afterwards the académie holds exactly one
// deployed course with the reference deployment's outline.
func TestKillDuringDeploy(t *testing.T) {
	runs := []int64{31, 32}
	if !longTests() {
		runs = runs[:1]
	}
	hits := 0
	for _, seed := range runs {
		t.Run("seed="+strconv.FormatInt(seed, 10), func(t *testing.T) { hits += runDeployKills(t, seed, 3) })
	}
	t.Logf("%d of %d kills hit the job while it ran", hits, 3*len(runs))
	if hits == 0 {
		t.Fatal("no kill hit the running job: the scenario tests nothing")
	}
}
