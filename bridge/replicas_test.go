package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
)

// TestReplicasRunEachJobOnce runs three real `bridge serve` processes on
// one MariaDB store. 300 jobs whose handler records each execution run
// exactly once; then, with 300 more, one process is killed with SIGKILL
// mid-run: its leased jobs are rescued by the others and every job
// finishes. Every job completes exactly once (one job.succeeded audit
// entry); the only jobs started twice are among those the dead process
// held when it died (their first run died with it), and they were first
// started there. (TestPausedReplicaIsFenced covers a frozen replica.)
func TestReplicasRunEachJobOnce(t *testing.T) {
	dsn := storetest.MySQLDSN(t)
	ctx := context.Background()
	st, err := store.Open(ctx, dsn, "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	dir := t.TempDir()
	const workers = 4
	cfg := writeFile(t, dir, "bridge.yaml", fmt.Sprintf(`
data_dir: %s
store:
  dsn: "%s"
jobs:
  workers: %d
  lease_duration: 2s
  shutdown_grace: 2s
`, dir, dsn, workers))
	var procs []*proc
	for i := 0; i < 3; i++ {
		procs = append(procs, startBridge(t, nil, "--config", cfg, "serve", "--listen", "127.0.0.1:0"))
	}
	for _, p := range procs {
		if code, body := httpGet(t, "http://"+p.addr+"/readyz"); code != 200 {
			t.Fatalf("replica not ready: %d %s", code, body)
		}
	}
	q := jobs.NewQueue(st)

	// Phase 1: no failure, every job runs exactly once.
	ids := submitDiagnostics(t, q, "p1", 300, 20)
	waitAllSucceeded(t, st, ids, 2*time.Minute)
	execs := executionsByJob(t, st)
	done := completionsByJob(t, st)
	for _, id := range ids {
		if n := len(execs[id]); n != 1 {
			t.Errorf("phase 1: job %d ran %d times, want exactly 1", id, n)
		}
		if done[id] != 1 {
			t.Errorf("phase 1: job %d completed %d times, want exactly 1", id, done[id])
		}
	}
	if owners := distinctOwners(execs, ids); owners < 2 {
		t.Errorf("phase 1: jobs ran on %d replica(s); the test expects the work to be shared", owners)
	}

	if code, body := httpGet(t, "http://"+procs[1].addr+"/metrics"); code != 200 ||
		!strings.Contains(body, `bridge_jobs{state="succeeded"} 300`) || !strings.Contains(body, "# TYPE bridge_jobs_succeeded_total counter") {
		t.Errorf("metrics after phase 1: %d\n%s", code, body)
	}

	// Phase 2: kill one replica while it holds leases.
	ids2 := submitDiagnostics(t, q, "p2", 300, 150)
	victim := procs[0]
	waitUntil(t, 60*time.Second, "the victim to run jobs", func() bool {
		return countOwnedBy(executionsByJob(t, st), ids2, victim.cmd.Process.Pid) >= 8
	})
	victim.kill(syscall.SIGKILL)
	victim.wait(t, 10*time.Second)
	// What the dead replica held: nobody can take these leases before they
	// expire (2 s), so the list read now is exact.
	held := map[int64]bool{}
	running, err := st.ListJobs(ctx, store.JobFilter{State: store.JobRunning, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range running {
		if strings.Contains(j.LeaseOwner, fmt.Sprintf("-%d-", victim.cmd.Process.Pid)) {
			held[j.ID] = true
		}
	}
	if len(held) > workers {
		t.Errorf("phase 2: the killed replica held %d leases with %d workers", len(held), workers)
	}
	waitAllSucceeded(t, st, ids2, 3*time.Minute)
	execs = executionsByJob(t, st)
	done = completionsByJob(t, st)
	twice := 0
	for _, id := range ids2 {
		runs := execs[id]
		switch {
		case len(runs) == 0:
			t.Errorf("phase 2: job %d succeeded without running", id)
		case len(runs) > 2:
			t.Errorf("phase 2: job %d ran %d times", id, len(runs))
		case len(runs) == 2:
			twice++
			if !held[id] || !strings.Contains(runs[0], fmt.Sprintf("pid=%d ", victim.cmd.Process.Pid)) {
				t.Errorf("phase 2: job %d ran twice but was not held by the killed replica (held: %v): %v", id, held[id], runs)
			}
		}
		// Exactly one completion audit entry, even for the jobs the
		// killed replica held: the success and its audit entry are one
		// transaction.
		if done[id] != 1 {
			t.Errorf("phase 2: job %d has %d completion audit entries, want exactly 1", id, done[id])
		}
	}
	t.Logf("phase 2: the killed replica held %d job(s); %d had started there and were rerun", len(held), twice)

	// The survivors stop gracefully on SIGTERM.
	for _, p := range procs[1:] {
		p.kill(syscall.SIGTERM)
		if code := p.wait(t, 20*time.Second); code != 0 {
			t.Errorf("graceful stop: exit %d\n%s", code, tail(p.output(), 2000))
		}
	}
}

func submitDiagnostics(t *testing.T, q *jobs.Queue, prefix string, n, sleepMS int) []int64 {
	t.Helper()
	ids := make([]int64, n)
	for i := range ids {
		j, _, err := q.Submit(context.Background(), jobs.Spec{Kind: "diagnostic.record", Key: fmt.Sprintf("%s-%d", prefix, i),
			Payload: map[string]int{"sleep_ms": sleepMS}, RequestedBy: "test"})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = j.ID
	}
	return ids
}

func waitAllSucceeded(t *testing.T, st *store.Store, ids []int64, timeout time.Duration) {
	t.Helper()
	waitUntil(t, timeout, "every job to succeed", func() bool {
		for _, id := range ids {
			j, err := st.GetJob(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if j.State == store.JobFailed || j.State == store.JobCancelled {
				t.Fatalf("job %d ended %s: %s", id, j.State, j.LastError)
			}
			if j.State != store.JobSucceeded {
				return false
			}
		}
		return true
	})
}

// executionsByJob reads the audit entries the diagnostic handler writes,
// in order: job id -> details ("host=… pid=… attempt=…").
func executionsByJob(t *testing.T, st *store.Store) map[int64][]string {
	t.Helper()
	out := map[int64][]string{}
	for offset := 0; ; offset += 1000 {
		page, err := st.ListAudit(context.Background(), store.AuditFilter{Action: "diagnostic.executed", Limit: 1000, Offset: offset})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page {
			out[e.JobID] = append(out[e.JobID], e.Detail+" ")
		}
		if len(page) < 1000 {
			break
		}
	}
	for id := range out {
		runs := out[id]
		// ListAudit is newest first; executions read oldest first.
		for i, j := 0, len(runs)-1; i < j; i, j = i+1, j-1 {
			runs[i], runs[j] = runs[j], runs[i]
		}
	}
	return out
}

// completionsByJob counts the job.succeeded audit entries per job: one
// per completion the store accepted.
func completionsByJob(t *testing.T, st *store.Store) map[int64]int {
	t.Helper()
	out := map[int64]int{}
	for offset := 0; ; offset += 1000 {
		page, err := st.ListAudit(context.Background(), store.AuditFilter{Action: "job.succeeded", Limit: 1000, Offset: offset})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page {
			out[e.JobID]++
		}
		if len(page) < 1000 {
			return out
		}
	}
}

func countOwnedBy(execs map[int64][]string, ids []int64, pid int) int {
	n := 0
	for _, id := range ids {
		for _, r := range execs[id] {
			if strings.Contains(r, "pid="+strconv.Itoa(pid)+" ") {
				n++
			}
		}
	}
	return n
}

func distinctOwners(execs map[int64][]string, ids []int64) int {
	seen := map[string]bool{}
	for _, id := range ids {
		for _, r := range execs[id] {
			if i := strings.Index(r, "pid="); i >= 0 {
				seen[strings.Fields(r[i:])[0]] = true
			}
		}
	}
	return len(seen)
}

func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}
