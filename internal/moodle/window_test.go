package moodle

import (
	"errors"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/moodlesim"
)

// simCall is one bulk call in the model below.
type simCall struct {
	kind    string
	rows    int
	demand  time.Duration // the site's work for it (cost model)
	sent    time.Duration // when the client sent it
	started time.Duration // when a site worker took it
	chunk   int
}

// windowRun is what a modelled run of 2,000 new accounts gave.
type windowRun struct {
	makespan, demand time.Duration
	meanInFlight     float64
	maxLimit         int
}

// runWindowModel plays, on a virtual clock, 20 chunks of 100 accounts
// created with a password and each chunk's enrolment pipelined after it,
// against a site whose calls cost what moodlesim's cost model says and
// run on cores workers (a call beyond them waits in line, as PHP's do in
// moodlesim's Site.spend). The client keeps w.Limit() calls in flight and
// tells w each call's time, as enrol's pump does.
func runWindowModel(cost moodlesim.CostModel, cores int, w *Window) windowRun {
	return runWindowModelSlowing(cost, cores, w, 1)
}

// runWindowModelSlowing is runWindowModel on a site whose calls get
// slower as it fills up: the last chunk's calls cost slowdown times the
// first's (measured on a real Moodle creating 20,000 accounts: about 5).
func runWindowModelSlowing(cost moodlesim.CostModel, cores int, w *Window, slowdown float64) windowRun {
	const chunks, rows = 20, 100
	createDemand := cost.PerCall + rows*cost.PerUserPassword
	enrolDemand := cost.PerCall + rows*cost.PerEnrolRow
	scale := func(d time.Duration, k int) time.Duration {
		return time.Duration(float64(d) * (1 + (slowdown-1)*float64(k)/(chunks-1)))
	}
	var queue []simCall
	for k := 0; k < chunks; k++ {
		queue = append(queue, simCall{kind: "create", rows: rows, demand: scale(createDemand, k), chunk: k})
	}
	var (
		now              time.Duration
		waiting, running []simCall // the site's line and its workers' calls
		res              windowRun
		inFlightArea     float64
		totalDemand      time.Duration
	)
	for len(queue) > 0 || len(waiting)+len(running) > 0 {
		for len(queue) > 0 && len(waiting)+len(running) < w.Limit() {
			c := queue[0]
			queue = queue[1:]
			c.sent = now
			totalDemand += c.demand
			waiting = append(waiting, c)
		}
		res.maxLimit = max(res.maxLimit, w.Limit())
		for len(running) < cores && len(waiting) > 0 {
			c := waiting[0]
			waiting = waiting[1:]
			c.started = now
			running = append(running, c)
		}
		// The next event: the first running call to end.
		next := -1
		for i, c := range running {
			if next < 0 || c.started+c.demand < running[next].started+running[next].demand {
				next = i
			}
		}
		end := running[next].started + running[next].demand
		inFlightArea += float64(len(waiting)+len(running)) * (end - now).Seconds()
		now = end
		done := running[next]
		running = append(running[:next], running[next+1:]...)
		w.Observe(done.kind, done.rows, now-done.sent, nil)
		if done.kind == "create" { // its enrolment goes first
			queue = append([]simCall{{kind: "enrol", rows: rows, demand: scale(enrolDemand, done.chunk), chunk: done.chunk}}, queue...)
		}
	}
	res.makespan, res.demand = now, totalDemand
	res.meanInFlight = inFlightArea / now.Seconds()
	return res
}

// TestWindowOnTheCostModel: on the cost model measured on a real Moodle
// (2 cores), the window keeps both cores busy without piling calls up in
// the site's line; on a 4-core site it grows to use them; on one core it
// stops sending a second call that would only wait.
func TestWindowOnTheCostModel(t *testing.T) {
	cost := moodlesim.RealMoodle45
	for _, tc := range []struct {
		name             string
		cores, start, hi int
		minLimit         int     // the window must reach this
		maxMeanInFlight  float64 // and keep no more than this in flight on average
	}{
		{"2 cores, concurrency 4", cost.Cores, 2, 4, 2, 3},
		{"4 cores, concurrency 8", 4, 2, 8, 4, 5.5},
		{"1 core, concurrency 4", 1, 2, 4, 1, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := NewWindow(tc.start, tc.hi)
			r := runWindowModel(cost, tc.cores, w)
			// Busy cores: the run takes no longer than the site's work spread
			// over its cores and 10% (the window's probing and its start below
			// the cores), plus one call (the pipeline's tail). A window stuck
			// at 2 on 4 cores, or at 1 on 2, takes about twice as long.
			ideal := r.demand / time.Duration(tc.cores)
			bound := ideal + ideal/10 + cost.PerCall + 100*cost.PerUserPassword
			t.Logf("makespan %v (bound %v), mean in flight %.2f, max limit %d, final %d, %d changes",
				r.makespan, bound, r.meanInFlight, r.maxLimit, w.Limit(), w.Changes())
			if r.makespan > bound {
				t.Errorf("makespan %v over %v: the site's cores were left idle", r.makespan, bound)
			}
			if r.maxLimit < tc.minLimit {
				t.Errorf("window reached %d, want at least %d", r.maxLimit, tc.minLimit)
			}
			if r.meanInFlight > tc.maxMeanInFlight {
				t.Errorf("%.2f calls in flight on average, want at most %.1f (calls waiting in the site's line)", r.meanInFlight, tc.maxMeanInFlight)
			}
			if r.maxLimit > tc.hi {
				t.Errorf("window %d over the domain's concurrency %d", r.maxLimit, tc.hi)
			}
		})
	}
}

// TestWindowOnASiteSlowingDown: a site whose calls get five times slower
// over the run (its user table growing) is not mistaken for a queue: the
// window keeps both cores busy instead of falling to one call.
func TestWindowOnASiteSlowingDown(t *testing.T) {
	cost := moodlesim.RealMoodle45
	w := NewWindow(2, 4)
	r := runWindowModelSlowing(cost, cost.Cores, w, 5)
	ideal := r.demand / time.Duration(cost.Cores)
	bound := ideal + ideal/10 + 5*(cost.PerCall+100*cost.PerUserPassword)
	t.Logf("makespan %v (ideal %v, bound %v), mean in flight %.2f, final limit %d", r.makespan, ideal, bound, r.meanInFlight, w.Limit())
	if r.makespan > bound || r.meanInFlight < 1.8 {
		t.Fatalf("makespan %v over %v or %.2f calls in flight: the window fell to one call on a slowing site", r.makespan, bound, r.meanInFlight)
	}
}

func TestWindowHalvesOnRetryableErrors(t *testing.T) {
	w := NewWindow(4, 4)
	w.Observe("create", 100, time.Second, errors.New("a row refused")) // not the site's load
	if w.Limit() != 4 {
		t.Fatalf("a permanent error changed the window to %d", w.Limit())
	}
	overloaded := failure.Retryable(errors.New("503"))
	for _, want := range []int{2, 1, 1} {
		w.Observe("create", 100, time.Second, overloaded)
		if w.Limit() != want {
			t.Fatalf("after a retryable error: %d, want %d", w.Limit(), want)
		}
	}
	// Calls without queueing grow it back by one per round, up to the bound.
	for i := 0; i < 50; i++ {
		w.Observe("create", 100, time.Second, nil)
	}
	if w.Limit() != 4 {
		t.Fatalf("after 50 calls at the base latency: %d, want 4", w.Limit())
	}
	if NewWindow(9, 2).Limit() != 2 || NewWindow(0, 0).Limit() != 1 {
		t.Fatal("the window's start is not kept within [1, max]")
	}
}

// TestWindowShrinksByOne: three calls in flight that each took 2.6 times
// a call's time alone (a real 2-core site: two run, and both run slower
// for sharing one MariaDB) take the window to two calls, not to one
// (3/2.6 rounded): one call at a time would leave a core idle.
func TestWindowShrinksByOne(t *testing.T) {
	w := NewWindow(3, 4)
	w.Observe("create", 100, time.Second, nil) // sets the base
	for i := 0; i < 3 && w.Limit() == 3; i++ {
		w.Observe("create", 100, 2600*time.Millisecond, nil)
	}
	if w.Limit() != 2 {
		t.Fatalf("limit %d after calls 2.6 times slower than alone at 3 in flight, want 2", w.Limit())
	}
}

// TestWindowKeepsItsFloor: a window told to keep two calls in flight
// neither shrinks nor halves below two, and rises to it at once.
func TestWindowKeepsItsFloor(t *testing.T) {
	w := NewWindow(1, 4)
	w.KeepAtLeast(2)
	if w.Limit() != 2 {
		t.Fatalf("limit %d after KeepAtLeast(2), want 2", w.Limit())
	}
	w.Observe("create", 100, time.Second, nil)
	for i := 0; i < 10; i++ {
		w.Observe("create", 100, 5*time.Second, nil)
		w.Observe("create", 100, time.Second, failure.Retryable(errors.New("503")))
	}
	if w.Limit() != 2 {
		t.Fatalf("limit %d after slow calls and 5xx, want the floor 2", w.Limit())
	}
	w.KeepAtLeast(9)
	if w.Limit() != 4 {
		t.Fatalf("limit %d with a floor above Max 4, want 4", w.Limit())
	}
}
