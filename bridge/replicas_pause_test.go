package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/enrol"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/moodlesim"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
	"github.com/rs/zerolog"
)

// TestPausedReplicaIsFenced runs 2, then 3, real `bridge serve` processes
// on one MariaDB store against a simulator, and applies a 1,200-row
// enrolment file (accounts to create, three sessions). The replica holding
// the job is frozen with SIGSTOP in the middle of the account creation
// until another replica takes the job over; with three replicas the new
// holder is frozen too, in the middle of the enrolments, until the third
// takes over. Then the frozen replicas are woken (SIGCONT) while the last
// holder runs. Exactly once:
//   - every Moodle effect happened once per natural key (the simulator's
//     write ledger: each account, enrolment and role assignment once);
//   - one execution completed: one job.succeeded audit entry, attempts and
//     lease token = pauses + 1;
//   - each woken replica sent no write to Moodle after waking up (each
//     replica reaches the simulator under its own path, so the test knows
//     who sent what), and logged that it was fenced.
//
// The lease is checked before each call and again at each read of the
// request's body (moodle.fencedTransport), so a replica frozen after its
// first check sends a body cut short on waking, which no server runs. (A
// replica frozen between its last check and the flush of its last bytes
// would still send that request: a window of microseconds, and the
// request is idempotent by natural key; the ledger above would still show
// one effect.)
func TestPausedReplicaIsFenced(t *testing.T) {
	for _, replicas := range []int{2, 3} {
		t.Run("replicas="+strconv.Itoa(replicas), func(t *testing.T) { runPausedReplicas(t, replicas) })
	}
}

func runPausedReplicas(t *testing.T, replicas int) {
	ctx := context.Background()
	dsn := storetest.MySQLDSN(t)
	st, err := store.Open(ctx, dsn, "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// One site, served at the root. 150 ms per call: each phase of the job lasts long enough to freeze
	// its worker in the middle of it.
	sim := moodlesim.New(moodlesim.Options{Sites: []string{"ac-a"}, Token: relToken,
		Faults: moodlesim.FaultSpec{Latency: 150 * time.Millisecond, Seed: 1}})
	router := &replicaRouter{sim: sim.Handler(), calls: map[string]map[string]int{}}
	ts := httptest.NewServer(router)
	defer ts.Close()
	site := sim.Site("ac-a")
	client, err := moodle.New(moodle.Site{Name: "ac-a", WWWRoot: ts.URL + "/test", Token: relToken},
		moodle.Options{Timeout: 30 * time.Second, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	var in []moodle.CourseInput
	for _, sn := range shortnames("S", 3) {
		in = append(in, moodle.CourseInput{FullName: "Session " + sn, ShortName: sn, CategoryID: 1})
	}
	created, err := client.CreateCourses(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	var sessions []int64
	for _, c := range created {
		sessions = append(sessions, int64(c.ID))
	}
	setupWrites := site.Writes()

	dir := t.TempDir()
	var procs []*proc
	byPid := map[int]string{} // pid -> the replica's path on the simulator
	for i := 0; i < replicas; i++ {
		name := "r" + strconv.Itoa(i)
		cfg := writeFile(t, dir, name+".yaml", fmt.Sprintf(`data_dir: %s
store:
  dsn: "%s"
jobs:
  workers: 2
  lease_duration: 2s
  shutdown_grace: 2s
domains:
  - name: ac-a
    wwwroot: %s/%s
    token: %s
    zone: A
    timeout: 10s
    unknown_users: create
    create_auth: shibboleth
`, dir, dsn, ts.URL, name, relToken))
		p := startBridge(t, nil, "--config", cfg, "serve", "--listen", "127.0.0.1:0")
		procs = append(procs, p)
		byPid[p.cmd.Process.Pid] = name
	}

	const rows = 1200
	file, _ := relCSV(rows)
	p := enrol.JobPayload{File: file, Options: enrol.PlanOptions{CourseIDs: sessions, MaxPerSession: rows / 3}}
	job, _, err := jobs.NewQueue(st).Submit(ctx, jobs.Spec{Kind: enrol.KindApply, Domain: "ac-a", Payload: p,
		Key: enrol.JobKey("ac-a", enrol.FileSHA256(file), p.Options), RequestedBy: "fencing-test", MaxAttempts: 5})
	if err != nil {
		t.Fatal(err)
	}
	started := time.Now()

	// Freeze the holder in the middle of a phase that writes to Moodle,
	// until another replica holds the job. The first pause comes while
	// accounts are created; the later one in whichever writing phase the
	// new holder is in: account creation and enrolment are pipelined, so
	// a fast holder may finish creating and enrolling before the test
	// sees an enrolment-only moment.
	phases := [][]string{{enrol.PhaseCreate}, {enrol.PhaseCreate, enrol.PhaseEnrol}}
	inPhase := func(msg string, want []string) bool {
		for _, p := range want {
			if strings.HasPrefix(msg, p) {
				return true
			}
		}
		return false
	}
	var frozen []*proc
	for k := 0; k < replicas-1; k++ {
		var j store.Job
		waitUntil(t, 2*time.Minute, fmt.Sprintf("lease %d to reach phase %s", k+1, phases[k]), func() bool {
			j = getJob(t, st, job.ID)
			if j.Finished() {
				t.Fatalf("job %d ended %s before the pause: %s", j.ID, j.State, j.LastError)
			}
			return j.State == store.JobRunning && j.LeaseToken == int64(k+1) && inPhase(j.ProgressMessage, phases[k])
		})
		holder := procOfOwner(t, procs, j.LeaseOwner)
		holder.kill(syscall.SIGSTOP)
		frozen = append(frozen, holder)
		t.Logf("froze pid %d at %s (%d/%d %q), lease token %d", holder.cmd.Process.Pid, time.Since(started).Round(time.Millisecond),
			j.ProgressDone, j.ProgressTotal, j.ProgressMessage, j.LeaseToken)
		waitUntil(t, time.Minute, "another replica to take the job over", func() bool {
			j = getJob(t, st, job.ID)
			return j.State == store.JobRunning && j.LeaseToken == int64(k+2)
		})
		t.Logf("taken over at %s by %s (lease token %d)", time.Since(started).Round(time.Millisecond), j.LeaseOwner, j.LeaseToken)
	}
	writesBeforeWaking := map[string]int{}
	for _, p := range frozen {
		writesBeforeWaking[byPid[p.cmd.Process.Pid]] = router.writes(byPid[p.cmd.Process.Pid])
	}
	for _, p := range frozen {
		p.kill(syscall.SIGCONT)
	}
	t.Logf("woke %d frozen replica(s) at %s", len(frozen), time.Since(started).Round(time.Millisecond))
	waitAllSucceeded(t, st, []int64{job.ID}, 3*time.Minute)
	took := time.Since(started)

	for _, p := range frozen {
		pid := p.cmd.Process.Pid
		waitUntil(t, 30*time.Second, fmt.Sprintf("woken pid %d to log that it was fenced", pid), func() bool {
			out := p.output()
			return strings.Contains(out, "fenced: another worker took the job over") && strings.Contains(out, fmt.Sprintf(`"job_id":%d`, job.ID))
		})
	}
	for name, before := range writesBeforeWaking {
		if after := router.writes(name); after != before {
			t.Errorf("replica %s sent %d Moodle write(s) after waking up (its job was taken over): %v", name, after-before, router.snapshot(name))
		}
	}
	// The metrics say it too: a fenced write on each woken replica, and
	// as many takeovers as pauses over the replicas.
	takeovers := 0
	for _, p := range procs {
		code, body := httpGet(t, "http://"+p.addr+"/metrics")
		if code != 200 {
			t.Fatalf("metrics: %d", code)
		}
		takeovers += metricValue(body, `bridge_lease_takeovers_total{kind="enrol.apply"}`)
		if slices.Contains(frozen, p) && metricValue(body, `bridge_fenced_writes_total{kind="enrol.apply"}`) < 1 {
			t.Errorf("woken pid %d counts no fenced write:\n%s", p.cmd.Process.Pid, body)
		}
	}
	if takeovers != replicas-1 {
		t.Errorf("%d lease takeovers counted, want %d", takeovers, replicas-1)
	}
	done := getJob(t, st, job.ID)
	if done.Attempts != replicas || done.LeaseToken != int64(replicas) {
		t.Errorf("attempts %d, lease token %d; want %d each (one lease per replica, no retry)", done.Attempts, done.LeaseToken, replicas)
	}
	completions, err := st.ListAudit(ctx, store.AuditFilter{Action: "job.succeeded", JobID: job.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(completions) != 1 {
		t.Errorf("%d completions audited for job %d, want exactly 1: %+v", len(completions), job.ID, completions)
	}

	// Exactly-once effects in Moodle, per natural key.
	effects := map[string]int{}
	for key, n := range site.Writes() {
		if n -= setupWrites[key]; n == 0 {
			continue
		}
		effects[strings.SplitN(key, ":", 2)[0]]++
		if n != 1 {
			t.Errorf("%s written %d times, want exactly once", key, n)
		}
	}
	if effects["user"] != rows || effects["enrolment"] != rows || effects["role"] != rows || effects["unenrolment"] != 0 {
		t.Errorf("effects by kind %v; want %d accounts, enrolments and role assignments, no unenrolment", effects, rows)
	}
	if c := site.Counts(); c.Users != rows || c.Enrolments != rows {
		t.Errorf("site holds %d accounts and %d enrolments, want %d each", c.Users, c.Enrolments, rows)
	}
	resent := 0
	for _, n := range site.WriteRequests() {
		resent += n - 1
	}
	calls := site.CallCounts()
	t.Logf("job %d succeeded in %s after %d lease(s); %d enrolment row(s) re-sent by a later holder (no effect); calls: %d create_users, %d enrol_users, %d get_users_by_field",
		job.ID, took.Round(time.Millisecond), done.LeaseToken, resent, calls["core_user_create_users"], calls["enrol_manual_enrol_users"], calls["core_user_get_users_by_field"])

	for _, p := range procs {
		p.kill(syscall.SIGTERM)
		if code := p.wait(t, 30*time.Second); code != 0 {
			t.Errorf("graceful stop: exit %d\n%s", code, tail(p.output(), 2000))
		}
	}
}

// replicaRouter serves the simulator's single site under /<replica>/ for
// each replica and counts the REST calls each one sends, by function.
type replicaRouter struct {
	sim   http.Handler
	mu    sync.Mutex
	calls map[string]map[string]int // replica -> function -> calls
}

func (rr *replicaRouter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	body, err := io.ReadAll(r.Body)
	if err != nil {
		// A body cut short (its sender stopped on a lost lease) is no
		// request: a web server runs nothing for it, so neither does this
		// router, nor does it count it.
		http.Error(w, "incomplete request body", http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	fn := r.URL.Query().Get("wsfunction")
	if form, err := url.ParseQuery(string(body)); err == nil && form.Get("wsfunction") != "" {
		fn = form.Get("wsfunction")
	}
	rr.mu.Lock()
	if rr.calls[name] == nil {
		rr.calls[name] = map[string]int{}
	}
	rr.calls[name][fn]++
	rr.mu.Unlock()
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/" + rest
	r2.URL.RawPath = ""
	rr.sim.ServeHTTP(w, r2)
}

// writes counts the calls of a replica that change Moodle.
func (rr *replicaRouter) writes(name string) int {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	n := 0
	for fn, c := range rr.calls[name] {
		if moodleWrite(fn) {
			n += c
		}
	}
	return n
}

func (rr *replicaRouter) snapshot(name string) map[string]int {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	out := map[string]int{}
	for fn, c := range rr.calls[name] {
		out[fn] = c
	}
	return out
}

func moodleWrite(fn string) bool {
	for _, w := range []string{"_create_", "_enrol_users", "_unenrol_users", "_add_group_members", "_update_", "_delete_"} {
		if strings.Contains(fn, w) {
			return true
		}
	}
	return false
}

// metricValue reads one sample of a Prometheus exposition (0 when absent).
func metricValue(body, series string) int {
	for _, line := range strings.Split(body, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			n, _ := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			return int(n)
		}
	}
	return 0
}

func getJob(t *testing.T, st *store.Store, id int64) store.Job {
	t.Helper()
	j, err := st.GetJob(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// procOfOwner finds the replica holding a lease: owners are
// hostname-pid-random (jobs.DefaultOwner).
func procOfOwner(t *testing.T, procs []*proc, owner string) *proc {
	t.Helper()
	parts := strings.Split(owner, "-")
	if len(parts) >= 3 {
		if pid, err := strconv.Atoi(parts[len(parts)-2]); err == nil {
			for _, p := range procs {
				if p.cmd.Process.Pid == pid {
					return p
				}
			}
		}
	}
	pids := make([]int, len(procs))
	for i, p := range procs {
		pids[i] = p.cmd.Process.Pid
	}
	sort.Ints(pids)
	t.Fatalf("lease owner %q is none of the replicas %v", owner, pids)
	return nil
}
