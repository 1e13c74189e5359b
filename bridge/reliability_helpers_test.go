package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/store"
)

// The reliability suite (issue 10) drives real processes: a `bridge
// moodlesim` whose state outlives the daemon, and `bridge serve` processes
// killed with SIGKILL and restarted. Every scenario runs on two sites of
// the same simulator: "ac-a" (interrupted, faulty...) and "ref" (one
// uninterrupted run), and the two end states must be identical.

const relToken = "rel-token-0123456789abcdef0123"

// longTests reports whether the long reliability tests run (CI sets it).
func longTests() bool { return os.Getenv("BRIDGE_LONG_TESTS") == "1" }

type relEnv struct {
	t        testing.TB
	sites    []string
	national string
	dir      string
	cfg      string
	sim      *proc
	serve    *proc
	st       *store.Store
	clients  map[string]*moodle.Client
	logs     []string // outputs of every serve process, for the secrets check
	// bridgeAddr, when set, is where the bridge reaches the sites (a
	// fault-injecting proxy); the test's own clients go to the simulator.
	bridgeAddr string
}

// newRelEnv starts a simulator serving ac-a and ref with the given extra
// flags (--faults, --release) and writes a config for both domains.
func newRelEnv(t testing.TB, simFlags ...string) *relEnv {
	t.Helper()
	return newRelEnvSites(t, []string{"ac-a", "ref"}, "", simFlags...)
}

// newRelEnvSites is newRelEnv with other sites and a national hub.
func newRelEnvSites(t testing.TB, sites []string, national string, simFlags ...string) *relEnv {
	t.Helper()
	args := append([]string{"moodlesim", "--listen", "127.0.0.1:0", "--token", relToken, "--sites", strings.Join(sites, ",")}, simFlags...)
	e := &relEnv{t: t, sites: sites, national: national, dir: t.TempDir(), sim: startProc(t, args...), clients: map[string]*moodle.Client{}}
	e.cfg = e.write("bridge.yaml", e.config(relToken))
	for _, site := range sites {
		c, err := moodle.New(moodle.Site{Name: site, WWWRoot: "http://" + e.sim.addr + "/" + site, Token: relToken},
			moodle.Options{Timeout: 30 * time.Second, Logger: zerolog.Nop()})
		if err != nil {
			t.Fatal(err)
		}
		e.clients[site] = c
	}
	st, err := store.Open(context.Background(), "", e.dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e.st = st
	return e
}

// config: short leases so a killed daemon's job is rescued within a
// second; many attempts with short backoff so fault runs finish quickly.
func (e *relEnv) config(token string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "data_dir: %s\njobs:\n  workers: 2\n  lease_duration: 1s\n  max_attempts: 400\n  max_backoff: 100ms\n  shutdown_grace: 1s\n", e.dir)
	if e.national != "" {
		fmt.Fprintf(&b, "national: %s\n", e.national)
	}
	b.WriteString("domains:\n")
	addr := e.sim.addr
	if e.bridgeAddr != "" {
		addr = e.bridgeAddr
	}
	for _, site := range e.sites {
		fmt.Fprintf(&b, "  - name: %s\n    wwwroot: http://%s/%s\n    token: %s\n    zone: A\n    timeout: 3s\n    unknown_users: create\n    create_auth: shibboleth\n",
			site, addr, site, token)
	}
	return b.String()
}

func (e *relEnv) startServe() {
	e.t.Helper()
	e.stopServe()
	e.serve = startProc(e.t, "--config", e.cfg, "serve", "--listen", "127.0.0.1:0")
}

// killServe sends SIGKILL: no graceful shutdown, leases stay held.
func (e *relEnv) killServe() {
	e.t.Helper()
	if e.serve == nil {
		return
	}
	e.serve.kill(syscall.SIGKILL)
	waitProc(e.t, e.serve, 10*time.Second)
	e.logs = append(e.logs, e.serve.output())
	e.serve = nil
}

func (e *relEnv) stopServe() {
	if e.serve != nil {
		e.serve.kill(syscall.SIGTERM)
		waitProc(e.t, e.serve, 20*time.Second)
		e.logs = append(e.logs, e.serve.output())
		e.serve = nil
	}
}

func (e *relEnv) job(id int64) store.Job {
	e.t.Helper()
	j, err := e.st.GetJob(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return j
}

// waitJob waits for a job to end and fails the test unless it succeeded.
func (e *relEnv) waitJob(id int64, timeout time.Duration) store.Job {
	e.t.Helper()
	var j store.Job
	pollUntil(e.t, timeout, fmt.Sprintf("job %d to end", id), func() bool {
		j = e.job(id)
		return j.State == store.JobSucceeded || j.State == store.JobFailed || j.State == store.JobCancelled
	})
	if j.State != store.JobSucceeded {
		e.t.Fatalf("job %d %s ended %s after %d attempt(s): %s", id, j.Kind, j.State, j.Attempts, j.LastError)
	}
	return j
}

// timeJob waits for the reference run and returns how long it ran, the
// scale of the kill delays.
func (e *relEnv) timeJob(id int64) time.Duration {
	e.t.Helper()
	start := time.Now()
	pollUntil(e.t, time.Minute, "the reference job to start", func() bool { return e.job(id).State != store.JobQueued })
	started := time.Now()
	e.waitJob(id, 2*time.Minute)
	took := time.Since(started)
	e.t.Logf("reference job %d: %s (queued %s)", id, took, started.Sub(start))
	return max(took, 100*time.Millisecond)
}

// killDuring kills the daemon `kills` times while job id runs, restarts
// it each time, and lets the job finish. Kill point k is seeded: a
// progress step drawn at random in the k-th slice of the first half of
// the job's steps (so kills spread over its phases), then a random delay
// up to maxDelay. It returns how many kills hit the job while it ran.
func (e *relEnv) killDuring(id int64, kills int, rng *rand.Rand, maxDelay time.Duration) int {
	e.t.Helper()
	fractions := make([]float64, kills)
	for k := range fractions {
		// One kill per slice of the first half of the job's steps: a
		// resumed job skips its checkpoints and runs the tail quickly,
		// where kills would find it finished.
		fractions[k] = (float64(k) + rng.Float64()) / float64(2*kills)
	}
	hits := 0
	for k := 0; k < kills; k++ {
		before := e.job(id).Attempts
		e.startServe()
		pollUntil(e.t, 30*time.Second, "the daemon to lease the job", func() bool {
			j := e.job(id)
			return j.State != store.JobQueued && (j.State != store.JobRunning || j.Attempts > before)
		})
		leased := time.Now()
		pollUntil(e.t, time.Minute, "the kill point's progress", func() bool {
			j := e.job(id)
			return j.State != store.JobRunning || float64(j.ProgressDone) >= fractions[k]*float64(max(j.ProgressTotal-1, 0))
		})
		delay := time.Duration(rng.Int63n(int64(maxDelay)))
		time.Sleep(delay)
		j := e.job(id)
		e.killServe()
		if j.State == store.JobRunning {
			hits++
		}
		e.t.Logf("kill %d at %s (+%s): job %d %s, progress %d/%d %s", k+1, time.Since(leased).Round(time.Millisecond), delay.Round(time.Millisecond),
			id, j.State, j.ProgressDone, j.ProgressTotal, j.ProgressMessage)
	}
	e.startServe()
	return hits
}

// siteState is what a scenario compares between the interrupted site and
// the reference: per course shortname, the e-mails of its enrolled users.
type siteState map[string][]string

func (e *relEnv) courseState(site string, shortnames []string) siteState {
	e.t.Helper()
	c := e.clients[site]
	out := siteState{}
	for _, sn := range shortnames {
		courses, err := c.GetCoursesByField(context.Background(), "shortname", sn)
		if err != nil {
			e.t.Fatalf("%s: course %s: %v", site, sn, err)
		}
		if len(courses) != 1 {
			e.t.Fatalf("%s: %d courses with shortname %s, want exactly 1", site, len(courses), sn)
		}
		users, err := c.GetEnrolledUsers(context.Background(), courses[0].ID, moodle.EnrolledUsersOptions{})
		if err != nil {
			e.t.Fatalf("%s: enrolled users of %s: %v", site, sn, err)
		}
		emails := []string{}
		seen := map[string]bool{}
		for _, u := range users {
			if seen[u.Email] {
				e.t.Fatalf("%s: %s enrolled twice in %s", site, u.Email, sn)
			}
			seen[u.Email] = true
			emails = append(emails, u.Email)
		}
		sort.Strings(emails)
		out[sn] = emails
	}
	return out
}

// checkUsersOnce asserts each e-mail names exactly one account on the site.
func (e *relEnv) checkUsersOnce(site string, emails []string) {
	e.t.Helper()
	for start := 0; start < len(emails); start += 100 {
		chunk := emails[start:min(start+100, len(emails))]
		users, err := e.clients[site].GetUsersByField(context.Background(), "email", chunk)
		if err != nil {
			e.t.Fatalf("%s: users by email: %v", site, err)
		}
		count := map[string]int{}
		for _, u := range users {
			count[strings.ToLower(u.Email)]++
		}
		for _, m := range chunk {
			if count[strings.ToLower(m)] != 1 {
				e.t.Fatalf("%s: %d accounts for %s, want exactly 1", site, count[strings.ToLower(m)], m)
			}
		}
	}
}

func sameState(t *testing.T, what string, got, want siteState) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d courses, reference has %d", what, len(got), len(want))
	}
	for sn, w := range want {
		g := got[sn]
		if strings.Join(g, ",") != strings.Join(w, ",") {
			t.Fatalf("%s: course %s holds %d users, reference %d (first differences: %v vs %v)", what, sn, len(g), len(w), head(g), head(w))
		}
	}
}

func head(s []string) []string { return s[:min(3, len(s))] }

func (e *relEnv) checkNoSecrets() {
	e.t.Helper()
	all := strings.Join(e.logs, "\n") + e.sim.output()
	if e.serve != nil {
		all += e.serve.output()
	}
	if strings.Contains(all, relToken) {
		e.t.Fatal("the web-service token appears in a serve or moodlesim log")
	}
}

func shortnames(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i+1)
	}
	return out
}

// pollUntil is waitUntil with a 5 ms period: kill points must not all fall
// after a fast job's end.
func pollUntil(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The helpers below are startBridge, proc.wait, runBridge and writeFile
// for testing.TB, so that benchmarks can use relEnv too.

func startProc(tb testing.TB, args ...string) *proc {
	tb.Helper()
	addrFile := filepath.Join(tb.TempDir(), "addr")
	p := &proc{done: make(chan struct{})}
	p.cmd = exec.Command(binPath, args...)
	p.cmd.Env = append(cleanEnv(), "BRIDGE_ADDR_FILE="+addrFile)
	p.cmd.Stdout, p.cmd.Stderr = p, p
	if err := p.cmd.Start(); err != nil {
		tb.Fatalf("start bridge %v: %v", args, err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	tb.Cleanup(func() { p.kill(syscall.SIGKILL) })
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		if b, err := os.ReadFile(addrFile); err == nil && len(b) > 0 {
			p.addr = strings.TrimSpace(string(b))
			return p
		}
		select {
		case <-p.done:
			tb.Fatalf("bridge %v exited early:\n%s", args, p.output())
		case <-time.After(20 * time.Millisecond):
		}
	}
	tb.Fatalf("bridge %v did not start listening:\n%s", args, p.output())
	return nil
}

func waitProc(tb testing.TB, p *proc, timeout time.Duration) int {
	tb.Helper()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(timeout):
		tb.Fatalf("process did not exit within %s:\n%s", timeout, tail(p.output(), 2000))
		return -1
	}
}

func runBridgeTB(tb testing.TB, timeout time.Duration, args ...string) result {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Env = cleanEnv()
	cmd.Dir = tb.TempDir()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return result{ee.ExitCode(), out.String(), errb.String()}
	case err != nil:
		tb.Fatalf("run bridge %v: %v", args, err)
	}
	return result{0, out.String(), errb.String()}
}

func (e *relEnv) write(name, content string) string {
	e.t.Helper()
	path := filepath.Join(e.dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		e.t.Fatal(err)
	}
	return path
}
