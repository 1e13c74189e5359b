package enrol

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/moodlesim"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
)

// matrixFaults is issue 20's fault matrix: 25% 5xx, 10% timeouts (a hang
// ended after 200 ms by dropping the connection, as a client timeout
// would), 10% fail-after-commit (the call commits, the answer is a 500)
// and 10% connection resets, half before the call runs and half once it
// committed.
var matrixFaults = moodlesim.FaultSpec{Rate5xx: 0.25, Timeout: 0.10, AfterCommit: 0.10, Reset: 0.05, ResetAfter: 0.05,
	TimeoutMax: 200 * time.Millisecond, Seed: 20}

// faultRun is what one enrolment job left on its site.
type faultRun struct {
	state    []string
	writes   map[string]int
	calls    int
	faults   map[string]int
	attempts int
	took     time.Duration
}

// runEnrolJob enrols n people into a session (a quarter of them have an
// account already, the others are created, with groups), through a job
// submitted once and run by a pool whose jobs retry reads and steps in
// place as the daemon's do (app.Open, with shorter delays); faults apply
// while the job runs.
func runEnrolJob(t *testing.T, n int, faults moodlesim.FaultSpec) faultRun {
	t.Helper()
	sim := moodlesim.New(moodlesim.Options{Sites: []string{"ac-a"}, Token: "tok"})
	ts := httptest.NewServer(sim.Handler())
	t.Cleanup(ts.Close)
	client, err := moodle.New(moodle.Site{Name: "ac-a", WWWRoot: ts.URL, Token: "tok"}, moodle.Options{Timeout: 5 * time.Second, Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	env := &simEnv{sim: sim, site: sim.Site("ac-a"), client: client}
	env.course = env.newCourse(t, "SESSION-1")
	env.addUsers(t, 0, n/4)
	var b strings.Builder
	b.WriteString("Nom;Prénom;Courriel;Groupe\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "NOM%d;Prénom;user%06d@ac-a.fr;Groupe %d\n", i, i, i%5)
	}
	file := []byte(b.String())

	st := storetest.SQLite(t)
	reg := jobs.NewRegistry()
	reg.SetJobContext(func(ctx context.Context) context.Context {
		return moodle.WithReadRetry(ctx, moodle.ReadRetry{Base: 20 * time.Millisecond, Max: 200 * time.Millisecond})
	})
	reg.SetStepRetry(jobs.StepRetry{Attempts: 4, Base: 20 * time.Millisecond, Max: 200 * time.Millisecond}) // app.Open's, faster
	reg.Register(KindApply, func(ctx context.Context, run *jobs.Run) (any, error) {
		var p JobPayload
		if err := run.Decode(&p); err != nil {
			return nil, err
		}
		return RunApplyJob(ctx, client, st, run, p)
	})
	pool := jobs.NewPool(st, reg, jobs.PoolOptions{PollInterval: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- pool.Run(ctx) }()
	defer func() { cancel(); <-done }()

	before := client.Stats().TotalCalls
	sim.SetFaults(faults)
	start := time.Now()
	opts := PlanOptions{CourseIDs: []int64{env.course}, Unknown: "create", CreateAuth: "shibboleth"}
	job, _, err := jobs.NewQueue(st).Submit(ctx, jobs.Spec{Kind: KindApply, Domain: "ac-a", MaxAttempts: 8, // the default of jobs.max_attempts
		Payload: JobPayload{File: file, Options: opts}})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(4 * time.Minute)
	for !job.Finished() {
		if time.Now().After(deadline) {
			t.Fatalf("job %d still %s after 4 min (attempt %d): %s", job.ID, job.State, job.Attempts, job.LastError)
		}
		time.Sleep(10 * time.Millisecond)
		job, _ = st.GetJob(ctx, job.ID)
	}
	took := time.Since(start)
	sim.SetFaults(moodlesim.FaultSpec{})
	if job.State != store.JobSucceeded {
		t.Fatalf("job %s after %d attempt(s): %s", job.State, job.Attempts, job.LastError)
	}
	return faultRun{state: env.site.State(), writes: env.site.Writes(), calls: int(client.Stats().TotalCalls - before),
		faults: sim.FaultCounts(), attempts: job.Attempts, took: took}
}

// checkEnrolMatrix: the enrolment under faults leaves exactly the clean
// run's Moodle state, and every effect (account, enrolment, group,
// membership) happened once.
func checkEnrolMatrix(t *testing.T, n int) {
	clean := runEnrolJob(t, n, moodlesim.FaultSpec{})
	faulty := runEnrolJob(t, n, matrixFaults)
	if d := stateDiff(clean.state, faulty.state); d != "" {
		t.Fatalf("%d rows under faults: the site differs from the clean run:\n%s", n, d)
	}
	if len(clean.state) < n {
		t.Fatalf("the clean state has %d lines for %d rows", len(clean.state), n)
	}
	for key, count := range faulty.writes {
		if count != 1 {
			t.Errorf("%s written %d times under faults, want once", key, count)
		}
	}
	if len(faulty.writes) != len(clean.writes) {
		t.Errorf("%d effects under faults, %d in the clean run", len(faulty.writes), len(clean.writes))
	}
	injected := 0
	for _, c := range faulty.faults {
		injected += c
	}
	if injected < 10 {
		t.Fatalf("only %d faults injected: the run proves little", injected)
	}
	t.Logf("%d rows: clean %d calls, 1 attempt, %v; faults %d calls, %d attempt(s), %v, injected %v",
		n, clean.calls, clean.took.Round(time.Millisecond), faulty.calls, faulty.attempts, faulty.took.Round(time.Millisecond), faulty.faults)
}

func TestEnrolFaultMatrix2000(t *testing.T) { checkEnrolMatrix(t, 2000) }

// TestEnrolFaultMatrix20000 runs in scripts/test.sh (no -short there).
func TestEnrolFaultMatrix20000(t *testing.T) {
	if testing.Short() {
		t.Skip("20,000 rows under faults: skipped with -short (scripts/test.sh runs it)")
	}
	checkEnrolMatrix(t, 20000)
}

// stateDiff lists the lines only one side has.
func stateDiff(want, got []string) string {
	seen := map[string]int{}
	for _, l := range want {
		seen[l]++
	}
	for _, l := range got {
		seen[l]--
	}
	var out []string
	for l, n := range seen {
		switch {
		case n > 0:
			out = append(out, "  clean only: "+l)
		case n < 0:
			out = append(out, "  faulty only: "+l)
		}
	}
	sort.Strings(out)
	if len(out) > 30 {
		out = append(out[:30], fmt.Sprintf("  ... %d more", len(out)-30))
	}
	return strings.Join(out, "\n")
}
