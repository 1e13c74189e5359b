package metrics

import (
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestHistogramExposition(t *testing.T) {
	h := NewHistogram([]float64{0.1, 1})
	for _, v := range []float64{0.05, 0.1, 0.5, 3} {
		h.Observe(v)
	}
	var w Writer
	w.Histogram("bridge_x_seconds", "X.", map[string]string{"domain": "ac-a"}, h.Snapshot())
	want := "# HELP bridge_x_seconds X.\n# TYPE bridge_x_seconds histogram\n" +
		"bridge_x_seconds_bucket{domain=\"ac-a\",le=\"0.1\"} 2\n" +
		"bridge_x_seconds_bucket{domain=\"ac-a\",le=\"1\"} 3\n" +
		"bridge_x_seconds_bucket{domain=\"ac-a\",le=\"+Inf\"} 4\n" +
		"bridge_x_seconds_sum{domain=\"ac-a\"} 3.65\n" +
		"bridge_x_seconds_count{domain=\"ac-a\"} 4\n"
	if w.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", w.String(), want)
	}
}

func TestRegistryCountersGaugesAndHistograms(t *testing.T) {
	r := NewRegistry()
	r.Add("bridge_c_total", "C.", map[string]string{"kind": "b"}, 1)
	r.Add("bridge_c_total", "C.", map[string]string{"kind": "a"}, 1)
	r.Add("bridge_c_total", "C.", map[string]string{"kind": "a"}, 2)
	r.Set("bridge_g", "G.", nil, 5)
	r.Set("bridge_g", "G.", nil, 7)
	r.Observe("bridge_h_seconds", "H.", nil, 0.2)
	var w Writer
	r.Collect(&w)
	out := w.String()
	for _, want := range []string{
		"bridge_c_total{kind=\"a\"} 3\nbridge_c_total{kind=\"b\"} 1\n",
		"# TYPE bridge_g gauge\nbridge_g 7\n",
		"bridge_h_seconds_count 1\n",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("lack %q in:\n%s", want, out)
		}
	}
}

// defaultRound gives each run of TestPackageFunctionsFeedDefault a kind of
// its own: Default lives as long as the process (go test -count=N).
var defaultRound atomic.Int32

func TestPackageFunctionsFeedDefault(t *testing.T) {
	kind := fmt.Sprintf("enrol-%d", defaultRound.Add(1))
	JobRun(kind, "ac-a", OutcomeSucceeded, 1500*time.Millisecond)
	LeaseTakeover(kind)
	FencedWrite(kind)
	SetGauge("bridge_test_gauge", "Test.", map[string]string{"zone": "A"}, 42)
	var w Writer
	Default.Collect(&w)
	out := w.String()
	for _, want := range []string{
		`bridge_job_runs_total{domain="ac-a",kind="` + kind + `",outcome="succeeded"} 1`,
		`bridge_job_run_duration_seconds_bucket{domain="ac-a",kind="` + kind + `",le="2.5"} 1`,
		`bridge_lease_takeovers_total{kind="` + kind + `"} 1`,
		`bridge_fenced_writes_total{kind="` + kind + `"} 1`,
		`bridge_test_gauge{zone="A"} 42`,
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("lack %q in:\n%s", want, out)
		}
	}
	defer func() {
		if recover() == nil {
			t.Fatal("SetGauge with a name outside bridge_ should panic")
		}
	}()
	SetGauge("other", "", nil, 1)
}

func TestFormatValue(t *testing.T) {
	for v, want := range map[float64]string{1: "1", 0.25: "0.25", math.Inf(1): "+Inf", 1.7e18: "1.7e+18", -3: "-3"} {
		if got := formatValue(v); got != want {
			t.Errorf("formatValue(%v) = %q, want %q", v, got, want)
		}
	}
}
