package reliability

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/enrol"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/moodlesim"
)

// perSession is the sessions' capacity: 2,000 rows fill 4 sessions.
const perSession = 500

// enrolSite is one simulated académie with empty sessions.
type enrolSite struct {
	site     *moodlesim.Site
	client   *moodle.Client
	sessions []int64
}

// newEnrolSite serves one site; latency is added before every call, and
// the benchmarks give it a real Moodle's costs (see benchCost).
func newEnrolSite(tb testing.TB, rows int, latency time.Duration, cost ...moodlesim.CostModel) *enrolSite {
	tb.Helper()
	opts := moodlesim.Options{Sites: []string{"ac-a"}, Token: "bench-token", Faults: moodlesim.FaultSpec{Latency: latency, Seed: 1}}
	if len(cost) > 0 {
		opts.Cost = cost[0]
	}
	sim := moodlesim.New(opts)
	ts := httptest.NewServer(sim.Handler())
	tb.Cleanup(ts.Close)
	c, err := moodle.New(moodle.Site{Name: "ac-a", WWWRoot: sim.SiteURL(ts.URL, "ac-a"), Token: "bench-token"},
		moodle.Options{Timeout: 30 * time.Second, Logger: zerolog.Nop()})
	if err != nil {
		tb.Fatal(err)
	}
	s := &enrolSite{site: sim.Site("ac-a"), client: c}
	n := (rows + perSession - 1) / perSession
	var courses []moodle.CourseInput
	for i := 1; i <= n; i++ {
		courses = append(courses, moodle.CourseInput{FullName: fmt.Sprintf("Session %d", i), ShortName: fmt.Sprintf("S%d", i), CategoryID: 1})
	}
	created, err := c.CreateCourses(context.Background(), courses)
	if err != nil {
		tb.Fatalf("create sessions: %v", err)
	}
	for _, cr := range created {
		s.sessions = append(s.sessions, int64(cr.ID))
	}
	return s
}

// participantsCSV is a GAIA-like export of n people unknown to the site.
func participantsCSV(n int) string {
	var b strings.Builder
	b.WriteString("Nom;Prénom;Courriel;Établissement\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "NOM%d;Prénom%d;p%06d@ac-a.fr;0781%03dA\n", i, i, i, i%97)
	}
	return b.String()
}

// bulkEnrol is the bridge's path: plan the file (one lookup per chunk),
// then create and enrol in chunks of 100 rows.
func (s *enrolSite) bulkEnrol(tb testing.TB, rows int) {
	tb.Helper()
	ctx := context.Background()
	plan, err := enrol.PlanFile(ctx, s.client, strings.NewReader(participantsCSV(rows)), enrol.PlanOptions{
		CourseIDs: s.sessions, MaxPerSession: perSession, Unknown: "create", CreateAuth: "shibboleth"})
	if err != nil {
		tb.Fatalf("plan: %v", err)
	}
	if err := enrol.Apply(s.client, plan, enrol.Direct{Ctx: ctx}); err != nil {
		tb.Fatalf("apply: %v", err)
	}
	if c := plan.Counts(); c.ByStatus[enrol.StatusCreated] != rows {
		tb.Fatalf("bulk: %v, want %d created", c.ByStatus, rows)
	}
}

// naiveEnrol is what an operator's script (or the admin pages) does: one
// core_user_create_users call per person, then one enrol_manual_enrol_users
// call per enrolment, through the same client.
func (s *enrolSite) naiveEnrol(tb testing.TB, rows int) {
	tb.Helper()
	ctx := context.Background()
	for i := 0; i < rows; i++ {
		u, err := s.client.CreateUsers(ctx, []moodle.UserInput{{Username: fmt.Sprintf("p%06d", i), FirstName: fmt.Sprintf("Prénom%d", i),
			LastName: fmt.Sprintf("NOM%d", i), Email: fmt.Sprintf("p%06d@ac-a.fr", i), Auth: "shibboleth"}})
		if err != nil || len(u) != 1 {
			tb.Fatalf("naive create %d: %v", i, err)
		}
		course := s.sessions[i/perSession]
		if err := s.client.EnrolUsers(ctx, []moodle.Enrolment{{RoleID: 5, UserID: u[0].ID, CourseID: moodle.Int(course)}}); err != nil {
			tb.Fatalf("naive enrol %d: %v", i, err)
		}
	}
}

// checkEnrolled asserts the final state both paths must reach: every
// participant exists once and each session holds its share.
func (s *enrolSite) checkEnrolled(tb testing.TB, rows int) {
	tb.Helper()
	if got := s.site.Counts(); got.Users != rows || got.Enrolments != rows {
		tb.Fatalf("site holds %d users and %d enrolments, want %d each", got.Users, got.Enrolments, rows)
	}
	for i, id := range s.sessions {
		want := min(perSession, rows-i*perSession)
		if got := len(s.site.EnrolledUserIDs(int(id))); got != want {
			tb.Fatalf("session %d holds %d participants, want %d", id, got, want)
		}
	}
}

// TestBulkEnrolReachesTheNaiveStateWithFarFewerCalls: the same 1,000
// people end up in the same sessions either way; the bridge makes at least
// 20 times fewer web-service calls (2 per person for the naive path).
func TestBulkEnrolReachesTheNaiveStateWithFarFewerCalls(t *testing.T) {
	const rows = 1000
	bulk := newEnrolSite(t, rows, 0)
	before := bulk.client.Stats().TotalCalls
	bulk.bulkEnrol(t, rows)
	bulkCalls := bulk.client.Stats().TotalCalls - before
	bulk.checkEnrolled(t, rows)

	naive := newEnrolSite(t, rows, 0)
	before = naive.client.Stats().TotalCalls
	naive.naiveEnrol(t, rows)
	naiveCalls := naive.client.Stats().TotalCalls - before
	naive.checkEnrolled(t, rows)

	if naiveCalls != 2*rows {
		t.Fatalf("naive path made %d calls, want %d", naiveCalls, 2*rows)
	}
	if bulkCalls*20 > naiveCalls {
		t.Fatalf("bulk path made %d calls for %d rows, not 20x fewer than %d", bulkCalls, rows, naiveCalls)
	}
	t.Logf("%d rows: bulk %d calls, naive %d calls", rows, bulkCalls, naiveCalls)
}

// BenchmarkEnrolBulkVsNaive runs both paths in the same invocation on
// fresh sites and reports wall time, rows/s, calls, peak heap (the
// simulator's included: it runs in-process) and the ratios. Run with
// -benchtime=1x: one iteration is already thousands of calls.
func BenchmarkEnrolBulkVsNaive(b *testing.B) {
	sizes := []int{2000, 20000}
	if os.Getenv("BRIDGE_BENCH_SIZES") == "small" {
		sizes = sizes[:1]
	}
	for _, rows := range sizes {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			var bulk, naive runStats
			for i := 0; i < b.N; i++ {
				bulk.add(measure(b, rows, (*enrolSite).bulkEnrol))
				naive.add(measure(b, rows, (*enrolSite).naiveEnrol))
			}
			n := float64(b.N)
			b.ReportMetric(bulk.wall.Seconds()/n, "bulk-s")
			b.ReportMetric(float64(rows)*n/bulk.wall.Seconds(), "bulk-rows/s")
			b.ReportMetric(float64(bulk.calls)/n, "bulk-calls")
			b.ReportMetric(float64(bulk.peak)/(1<<20), "bulk-peak-MiB")
			b.ReportMetric(naive.wall.Seconds()/n, "naive-s")
			b.ReportMetric(float64(rows)*n/naive.wall.Seconds(), "naive-rows/s")
			b.ReportMetric(float64(naive.calls)/n, "naive-calls")
			b.ReportMetric(float64(naive.peak)/(1<<20), "naive-peak-MiB")
			b.ReportMetric(naive.wall.Seconds()/bulk.wall.Seconds(), "speedup-x")
			b.ReportMetric(float64(naive.calls)/float64(bulk.calls), "fewer-calls-x")
		})
	}
}

// callLatency is a fixed delay added to every call, on top of the cost
// model (BRIDGE_BENCH_LATENCY, default none).
func callLatency(tb testing.TB) time.Duration {
	v := os.Getenv("BRIDGE_BENCH_LATENCY")
	if v == "" {
		return 0
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		tb.Fatalf("BRIDGE_BENCH_LATENCY: %v", err)
	}
	return d
}

// benchCost is what the simulator charges like a real Moodle 4.5: per call,
// per account, per enrolment row (moodlesim.RealMoodle45, checked against
// the real site by e2e's TestSimulatorPredictsRealTime). BRIDGE_BENCH_COST
// overrides it ("none" measures the simulator's own speed).
func benchCost(tb testing.TB) moodlesim.CostModel {
	v := os.Getenv("BRIDGE_BENCH_COST")
	switch v {
	case "":
		return moodlesim.RealMoodle45
	case "none":
		return moodlesim.CostModel{}
	}
	m, err := moodlesim.ParseCost(v)
	if err != nil {
		tb.Fatalf("BRIDGE_BENCH_COST: %v", err)
	}
	return m
}

type runStats struct {
	wall  time.Duration
	calls int64
	peak  uint64
}

func (r *runStats) add(o runStats) {
	r.wall += o.wall
	r.calls += o.calls
	r.peak = max(r.peak, o.peak)
}

// measure times one path on a fresh site; setup and checks are untimed.
func measure(b *testing.B, rows int, path func(*enrolSite, testing.TB, int)) runStats {
	b.StopTimer()
	s := newEnrolSite(b, rows, callLatency(b), benchCost(b))
	calls := s.client.Stats().TotalCalls
	meter := StartPeakMeter(5 * time.Millisecond)
	start := time.Now()
	b.StartTimer()
	path(s, b, rows)
	b.StopTimer()
	out := runStats{wall: time.Since(start), calls: s.client.Stats().TotalCalls - calls, peak: meter.Stop()}
	s.checkEnrolled(b, rows)
	b.StartTimer()
	return out
}
