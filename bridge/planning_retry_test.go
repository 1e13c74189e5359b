package main

import (
	"bytes"
	"context"
	"io"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/app"
	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/store"
)

// callFaults stands between the bridge and the simulator and answers 503
// (without running the call) to the calls fail picks: n is the call's
// number (1-based), fn its web-service function.
type callFaults struct {
	mu       sync.Mutex
	forward  *httputil.ReverseProxy
	fail     func(n int, fn string) bool
	n        int
	injected map[string]int
}

func startCallFaults(t *testing.T, simAddr string, fail func(n int, fn string) bool) (*callFaults, string) {
	t.Helper()
	target, _ := url.Parse("http://" + simAddr)
	p := &callFaults{forward: httputil.NewSingleHostReverseProxy(target), fail: fail, injected: map[string]int{}}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, strings.TrimPrefix(srv.URL, "http://")
}

func (p *callFaults) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	form, _ := url.ParseQuery(string(body))
	fn := form.Get("wsfunction")
	p.mu.Lock()
	p.n++
	fail := fn != "" && p.fail(p.n, fn)
	if fail {
		p.injected[fn]++
	}
	p.mu.Unlock()
	if fail {
		http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
		return
	}
	p.forward.ServeHTTP(w, r)
}

func (p *callFaults) total() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, c := range p.injected {
		n += c
	}
	return n
}

// TestEnrolPlanningSurvivesReadFaults: with 25% of the reads answered 503
// (the faults of issue 20, where 5 of 6 runs failed at once), `bridge
// enrol` plans and applies 300 rows on each of three runs: its planning
// reads retry transient failures with capped backoff, and every person is
// enrolled exactly once.
func TestEnrolPlanningSurvivesReadFaults(t *testing.T) {
	e := newRelEnv(t)
	rng := rand.New(rand.NewSource(20))
	proxy, addr := startCallFaults(t, e.sim.addr, func(_ int, fn string) bool { return moodle.IsRead(fn) && rng.Float64() < 0.25 })
	e.bridgeAddr = addr
	e.cfg = e.write("bridge.yaml", e.config(relToken))
	sessions := e.createSessions("ac-a", 3)
	file, emails := relCSV(900)
	lines := strings.Split(strings.TrimSuffix(string(file), "\n"), "\n")
	for run := 0; run < 3; run++ {
		part := lines[0] + "\n" + strings.Join(lines[1+run*300:1+(run+1)*300], "\n") + "\n"
		csv := filepath.Join(e.dir, "run"+strconv.Itoa(run)+".csv")
		if err := os.WriteFile(csv, []byte(part), 0o600); err != nil {
			t.Fatal(err)
		}
		before := proxy.total()
		r := runBridgeTB(t, 3*time.Minute, "--config", e.cfg, "enrol", "--domain", "ac-a",
			"--course", strconv.FormatInt(sessions[run], 10), "--csv", csv)
		if r.code != 0 {
			t.Fatalf("run %d: exit %d\n%s%s", run+1, r.code, tail(r.stdout, 2000), tail(r.stderr, 2000))
		}
		t.Logf("run %d: %d read(s) answered 503, enrolment done", run+1, proxy.total()-before)
	}
	if proxy.total() < 3 {
		t.Fatalf("only %d faults injected: the runs prove nothing", proxy.total())
	}
	e.checkUsersOnce("ac-a", emails)
	state := e.courseState("ac-a", shortnames("S", 3))
	for run, sn := range shortnames("S", 3) {
		if want := emails[run*300 : (run+1)*300]; strings.Join(state[sn], ",") != strings.Join(want, ",") {
			t.Fatalf("session %s holds %d people, want the %d of run %d", sn, len(state[sn]), len(want), run+1)
		}
	}
}

// TestBootstrapSurvivesA503: the first call `domains bootstrap` makes
// (a read) and its first category creation (a write) are answered 503; it
// completes, one domains.bootstrap job per domain, with one copy of each
// category of the skeleton.
func TestBootstrapSurvivesA503(t *testing.T) {
	e := newRelEnv(t)
	firstWrite := true
	proxy, addr := startCallFaults(t, e.sim.addr, func(n int, fn string) bool {
		if fn == "core_course_create_categories" && firstWrite {
			firstWrite = false
			return true
		}
		return n == 1
	})
	e.bridgeAddr = addr
	e.cfg = e.write("bridge.yaml", e.config(relToken))
	r := runBridgeTB(t, 2*time.Minute, "--config", e.cfg, "domains", "bootstrap")
	if r.code != 0 {
		t.Fatalf("bootstrap: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if proxy.total() != 2 {
		t.Fatalf("%d faults injected (%v), want the two planned", proxy.total(), proxy.injected)
	}
	// Bootstrap is a job per domain, run in the CLI process.
	boot, err := e.st.ListJobs(context.Background(), store.JobFilter{Kind: app.KindDomainsBootstrap})
	if err != nil || len(boot) != 2 || boot[0].State != store.JobSucceeded || boot[1].State != store.JobSucceeded {
		t.Fatalf("domains.bootstrap jobs: %+v %v", boot, err)
	}
	cats, err := e.clients["ac-a"].GetCategories(context.Background(), nil, true)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, c := range cats {
		if c.IDNumber != "" {
			seen[c.IDNumber]++
		}
	}
	for _, sc := range domains.Skeleton {
		if seen[sc.IDNumber] != 1 {
			t.Errorf("category %s exists %d times, want once", sc.IDNumber, seen[sc.IDNumber])
		}
	}
}
