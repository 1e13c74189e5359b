package main

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/store"
)

// TestOfferShareDeploySurvivesKill drives the national offer as operators
// would, against a `bridge moodlesim` process with a national site and two
// academies whose writes are slow: share a parcours, find it, request it
// for ac-a, approve it with --async, let `bridge serve` deploy it and
// SIGKILL serve as soon as the upload step is checkpointed. A restarted
// serve finishes the deployment without uploading again, and deploying
// again yields the same job and still one course.
func TestOfferShareDeploySurvivesKill(t *testing.T) {
	const token = "offer-token-abcdef0123456789"
	sim := startBridge(t, nil, "moodlesim", "--listen", "127.0.0.1:0", "--token", token, "--sites", "national,ac-a,ac-b",
		"--faults", "latency=200ms,writes")
	dir := t.TempDir()
	var domainsYAML strings.Builder
	for _, d := range []string{"national", "ac-a", "ac-b"} {
		fmt.Fprintf(&domainsYAML, "  - name: %s\n    wwwroot: http://%s/%s\n    token: %s\n    zone: A\n", d, sim.addr, d, token)
	}
	cfg := writeFile(t, dir, "bridge.yaml", `
data_dir: `+dir+`
national: national
jobs:
  workers: 2
  lease_duration: 2s
  shutdown_grace: 1s
domains:
`+domainsYAML.String())
	bridge := func(args ...string) result {
		t.Helper()
		return runBridge(t, 2*time.Minute, nil, append([]string{"--config", cfg}, args...)...)
	}
	must := func(r result, what, want string) string {
		t.Helper()
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Fatalf("%s: exit %d, want %q in:\n%s%s", what, r.code, want, r.stdout, r.stderr)
		}
		return r.stdout
	}
	out := must(bridge("domains", "bootstrap"), "bootstrap", "ac-a: 8 categories created")
	demoCat := regexp.MustCompile(`national: [\s\S]*?category demonstration\s+id (\d+)`).FindStringSubmatch(out)
	if demoCat == nil {
		t.Fatalf("no demonstration category in:\n%s", out)
	}
	national := simClient(t, sim.addr, "national", token)
	cat, _ := strconv.ParseInt(demoCat[1], 10, 64)
	created, err := national.CreateCourses(context.Background(), []moodle.CourseInput{{FullName: "Écrire au cycle 2", ShortName: "ECR2",
		CategoryID: moodle.Int(cat), Summary: "Production d'écrits"}})
	if err != nil {
		t.Fatal(err)
	}
	course := strconv.FormatInt(int64(created[0].ID), 10)

	r := bridge("offer", "share", "--domain", "national", "--course", course, "--origin", "DGESCO")
	if r.code != 1 || !strings.Contains(r.stderr, "metadata_missing") {
		t.Fatalf("share without durations: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	must(bridge("workflow", "run", "set-metadata", "--domain", "national", "--course", course, "--remote-minutes", "180",
		"--inperson-minutes", "360", "--objectives", "Écrire"), "set-metadata", "succeeded")
	must(bridge("offer", "share", "--domain", "national", "--course", course, "--origin", "DGESCO", "--public", "Professeurs des écoles"),
		"share", "offer.share succeeded")
	out = must(bridge("--format", "json", "offer", "search", "--text", "ECRIRE", "--origin", "dgesco", "--min-minutes", "500"), "search", `"total":1`)
	var page store.OfferPage
	if err := json.Unmarshal([]byte(out), &page); err != nil || len(page.Offers) != 1 {
		t.Fatalf("search output: %v\n%s", err, out)
	}
	must(bridge("offer", "list", "--max-minutes", "100"), "list filtered out", "0 entries")
	offerID := strconv.FormatInt(page.Offers[0].ID, 10)

	r = bridge("offer", "request", "--offer", offerID, "--target", "ac-a", "--name", "Écrire (ac-a)")
	if r.code != 2 {
		t.Fatalf("request without shortname: exit %d", r.code)
	}
	out = must(bridge("offer", "request", "--offer", offerID, "--target", "ac-a", "--name", "Écrire (ac-a)", "--shortname", "AC-A-ECR2",
		"--requester", "2"), "request", "requested")
	requestID := regexp.MustCompile(`request (\d+) requested`).FindStringSubmatch(out)[1]
	out = must(bridge("offer", "requests", "--state", "requested", "--format", "json"), "requests", `"shortname":"AC-A-ECR2"`)
	var reqs []store.OfferRequest
	if err := json.Unmarshal([]byte(out), &reqs); err != nil || len(reqs) != 1 || strconv.FormatInt(reqs[0].ID, 10) != requestID {
		t.Fatalf("offer requests --format json: %v\n%s", err, out)
	}
	must(bridge("offer", "requests", "--state", "deployed"), "requests deployed", "0 request(s)")
	out = must(bridge("offer", "approve", "--request", requestID, "--async"), "approve", "queued")
	jobID, _ := strconv.ParseInt(regexp.MustCompile(`job (\d+) offer.deploy`).FindStringSubmatch(out)[1], 10, 64)

	st, err := store.Open(context.Background(), "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	serve := startBridge(t, nil, "--config", cfg, "serve", "--listen", "127.0.0.1:0")
	waitUntil(t, time.Minute, "the upload step's checkpoint", func() bool {
		steps, err := st.Steps(context.Background(), jobID)
		return err == nil && steps["upload"] != nil
	})
	serve.kill(syscall.SIGKILL)
	serve.wait(t, 10*time.Second)
	if j, _ := st.GetJob(context.Background(), jobID); j.State == store.JobSucceeded {
		t.Fatal("the deployment finished before the kill; the test proves nothing")
	}

	serve = startBridge(t, nil, "--config", cfg, "serve", "--listen", "127.0.0.1:0")
	waitUntil(t, time.Minute, "the deployment to succeed after the restart", func() bool {
		j, err := st.GetJob(context.Background(), jobID)
		if err == nil && j.State == store.JobFailed {
			t.Fatalf("deployment failed: %s", j.LastError)
		}
		return err == nil && j.State == store.JobSucceeded
	})
	_, body := httpGet(t, "http://"+serve.addr+"/metrics")
	if !strings.Contains(body, `domain="ac-a",function="local_bridge_get_restore_status"`) {
		t.Errorf("the restarted bridge did not finish the restore:\n%s", body)
	}
	if strings.Contains(body, `domain="ac-a",function="upload.php"`) {
		t.Errorf("the restarted bridge uploaded again:\n%s", body)
	}
	acA := simClient(t, sim.addr, "ac-a", token)
	found, err := acA.GetCoursesByField(context.Background(), "shortname", "AC-A-ECR2")
	if err != nil || len(found) != 1 {
		t.Fatalf("courses with the shortname on ac-a: %d %v", len(found), err)
	}
	serve.kill(syscall.SIGTERM)
	serve.wait(t, 20*time.Second)

	out = must(bridge("offer", "deploy", "--request", requestID), "deploy again", "same deployment as job "+strconv.FormatInt(jobID, 10))
	if !strings.Contains(out, "succeeded") {
		t.Fatalf("deploy again:\n%s", out)
	}
	if again, _ := acA.GetCoursesByField(context.Background(), "shortname", "AC-A-ECR2"); len(again) != 1 {
		t.Fatalf("%d courses after deploying again", len(again))
	}
	req, err := st.GetOfferRequest(context.Background(), mustInt(t, requestID))
	if err != nil || req.State != store.RequestDeployed || req.CourseID != int64(found[0].ID) {
		t.Fatalf("request: %+v %v", req, err)
	}
	if strings.Contains(serve.output()+out, token) {
		t.Fatal("token printed")
	}
}

func simClient(t *testing.T, addr, site, token string) *moodle.Client {
	t.Helper()
	c, err := moodle.New(moodle.Site{Name: site, WWWRoot: "http://" + addr + "/" + site, Token: token}, moodle.Options{Timeout: 10 * time.Second, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
