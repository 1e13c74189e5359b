package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/app"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/moodlesim"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/tracking"
)

// TestTrackingSyncIsACheckpointedJob: `bridge tracking sync` of a whole
// domain (45 sessions) runs a tracking.sync job in the CLI process, one
// checkpoint per chunk of 20 courses, and prints what it did as before. A
// job resumed after its first chunk (checkpoints seeded as a crashed
// attempt leaves them) does not read that chunk again.
func TestTrackingSyncIsACheckpointedJob(t *testing.T) {
	const token = "tracking-job-token-0123456789"
	sim := moodlesim.New(moodlesim.Options{Sites: []string{"national", "ac-a"}, Token: token})
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	client, err := moodle.New(moodle.Site{Name: "ac-a", WWWRoot: srv.URL + "/ac-a", Token: token}, moodle.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var in []moodle.CourseInput
	for _, sn := range shortnames("T", 45) {
		in = append(in, moodle.CourseInput{FullName: "Session " + sn, ShortName: sn, CategoryID: 1})
	}
	made, err := client.CreateCourses(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	st, err := store.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var ids []int64
	for _, c := range made {
		ids = append(ids, int64(c.ID))
		if err := st.PutCourseState(ctx, store.CourseState{Domain: "ac-a", CourseID: int64(c.ID), State: "session_en_cours"}); err != nil {
			t.Fatal(err)
		}
	}
	cfg := writeFile(t, dir, "bridge.yaml", fmt.Sprintf("data_dir: %s\njobs:\n  lease_duration: 2s\ndomains:\n  - name: ac-a\n    wwwroot: %s/ac-a\n    token: %s\n    zone: A\n", dir, srv.URL, token))

	r := runBridge(t, 2*time.Minute, nil, "--config", cfg, "tracking", "sync", "--domain", "ac-a")
	if r.code != 0 || !strings.Contains(r.stdout, "45 session(s) synced on ac-a") || strings.Count(r.stdout, "\ncourse ") != 44 {
		t.Fatalf("tracking sync: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	list, err := st.ListJobs(ctx, store.JobFilter{Kind: tracking.KindSync})
	if err != nil || len(list) != 1 || list[0].State != store.JobSucceeded {
		t.Fatalf("tracking.sync jobs: %+v %v", list, err)
	}
	steps, _ := st.Steps(ctx, list[0].ID)
	for _, name := range []string{"sessions", "courses-0", "courses-20", "courses-40"} {
		if _, ok := steps[name]; !ok {
			t.Errorf("no checkpoint %q: %v", name, stepNames(steps))
		}
	}
	if len(steps) != 4 {
		t.Errorf("checkpoints %v, want sessions and 3 chunks", stepNames(steps))
	}

	// A resumed job: its first chunk is already checkpointed (with a
	// marker no sync would write), so only the others are read.
	job, _, err := jobs.NewQueue(st).Submit(ctx, jobs.Spec{Kind: tracking.KindSync, Domain: "ac-a", RequestedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	idsJSON, _ := json.Marshal(ids)
	marker := `[{"course_id":999999,"enrolled":7,"connected":0,"completed":0,"source":"crashed-attempt"}]`
	if err := st.SeedStep(ctx, job.ID, "sessions", idsJSON); err != nil {
		t.Fatal(err)
	}
	if err := st.SeedStep(ctx, job.ID, "courses-0", json.RawMessage(marker)); err != nil {
		t.Fatal(err)
	}
	serve := startBridge(t, nil, "--config", cfg, "serve", "--listen", "127.0.0.1:0")
	waitAllSucceeded(t, st, []int64{job.ID}, time.Minute)
	serve.kill(syscall.SIGTERM)
	serve.wait(t, 20*time.Second)
	var res app.TrackingSyncResult
	if err := json.Unmarshal(getJob(t, st, job.ID).Result, &res); err != nil {
		t.Fatal(err)
	}
	if res.Sessions != 1+25 || res.Courses[0].Source != "crashed-attempt" {
		t.Fatalf("resumed result: %d sessions, first %+v; want the checkpointed chunk then the 25 others", res.Sessions, res.Courses[0])
	}
}

func stepNames(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
