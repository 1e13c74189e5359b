package demo_test

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/demo"
	"github.com/magistere/bridge/internal/moodlesim"
	"github.com/magistere/bridge/internal/store"
)

// matrixFaults is issue 20's fault matrix: 25% 5xx, 10% timeouts (a hang
// the site ends after 200 ms by dropping the connection, as a client
// timeout would), 10% fail-after-commit (the call commits, the answer is a
// 500) and 10% connection resets, half before the call runs and half once
// it committed.
var matrixFaults = moodlesim.FaultSpec{Rate5xx: 0.25, Timeout: 0.10, AfterCommit: 0.10, Reset: 0.05, ResetAfter: 0.05,
	TimeoutMax: 200 * time.Millisecond, Seed: 20}

// demoRun is what one run of the demo left after each chapter.
type demoRun struct {
	states map[string]map[string][]string // chapter -> site -> State
	calls  int
	faults map[string]int
	jobs   []store.Job
	took   time.Duration
}

func runDemo(t *testing.T, faults moodlesim.FaultSpec) demoRun {
	t.Helper()
	r := demoRun{states: map[string]map[string][]string{}}
	start := time.Now()
	opts := demo.Options{Out: io.Discard, Faults: faults, MaxBackoff: 50 * time.Millisecond,
		AfterChapter: func(name string, e *demo.Env) {
			r.states[name] = map[string][]string{}
			for _, site := range e.Sim.SiteNames() {
				r.states[name][site] = e.Sim.Site(site).State()
			}
			r.calls = 0
			for _, site := range e.Sim.SiteNames() {
				for _, n := range e.Sim.Site(site).CallCounts() {
					r.calls += n
				}
			}
			r.faults = e.Sim.FaultCounts()
			r.jobs, _ = e.App.Store.ListJobs(context.Background(), store.JobFilter{Limit: 10000})
		}}
	if err := demo.Run(context.Background(), opts); err != nil {
		t.Fatalf("demo (faults %v): %v", faults, err)
	}
	r.took = time.Since(start)
	return r
}

// TestDemoUnderFaultsEndsAsClean is the fault matrix on the simulator for
// sessions create, deploy, archive, GAIA sync and tracking sync (and the
// demo's other jobs): the whole demo runs once cleanly and once with every
// job meeting matrixFaults, each job submitted once (no operator re-run:
// its own retries must suffice), and after every chapter the three sites
// hold exactly what the clean run left.
func TestDemoUnderFaultsEndsAsClean(t *testing.T) {
	clean := runDemo(t, moodlesim.FaultSpec{})
	faulty := runDemo(t, matrixFaults)
	for _, chapter := range demo.ChapterNames() {
		for site, want := range clean.states[chapter] {
			got := faulty.states[chapter][site]
			if d := diff(want, got); d != "" {
				t.Errorf("after chapter %q, site %s differs from the clean run:\n%s", chapter, site, d)
			}
		}
	}
	injected := 0
	for _, n := range faulty.faults {
		injected += n
	}
	if injected < 50 {
		t.Fatalf("only %d faults injected (%v): the run proves little", injected, faulty.faults)
	}
	byKind := map[string][2]int{} // jobs, attempts
	for _, j := range faulty.jobs {
		if j.State != store.JobSucceeded {
			t.Errorf("job %d (%s) ended %s: %s", j.ID, j.Kind, j.State, j.LastError)
		}
		k := byKind[j.Kind]
		byKind[j.Kind] = [2]int{k[0] + 1, k[1] + j.Attempts}
	}
	kinds := make([]string, 0, len(byKind))
	for k, v := range byKind {
		kinds = append(kinds, fmt.Sprintf("%s %d job(s) %d attempt(s)", k, v[0], v[1]))
	}
	sort.Strings(kinds)
	t.Logf("clean: %d calls, %v; faulty: %d calls, %v, faults %v", clean.calls, clean.took.Round(time.Millisecond),
		faulty.calls, faulty.took.Round(time.Millisecond), faulty.faults)
	t.Logf("jobs under faults: %s", strings.Join(kinds, "; "))
}

// runDates are a course's dates the demo derives from the time it runs:
// compared by their span, which the demo sets exactly.
var runDates = regexp.MustCompile(`start=(\d+) end=(\d+)`)

func normalise(l string) string {
	return runDates.ReplaceAllStringFunc(l, func(m string) string {
		v := runDates.FindStringSubmatch(m)
		start, _ := strconv.ParseInt(v[1], 10, 64)
		end, _ := strconv.ParseInt(v[2], 10, 64)
		if start == 0 || end == 0 {
			return m
		}
		return fmt.Sprintf("start=~ span=%d", end-start)
	})
}

// diff lists the lines only one side has.
func diff(want, got []string) string {
	seen := map[string]int{}
	for _, l := range want {
		seen[normalise(l)]++
	}
	for _, l := range got {
		seen[normalise(l)]--
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
