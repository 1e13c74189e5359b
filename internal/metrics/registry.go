package metrics

import (
	"sort"
	"strings"
	"sync"
	"time"
)

// Metric names other packages and the shipped dashboard and alerts use.
const (
	JobRuns        = "bridge_job_runs_total"
	JobDuration    = "bridge_job_run_duration_seconds"
	LeaseTakeovers = "bridge_lease_takeovers_total"
	FencedWrites   = "bridge_fenced_writes_total"
)

// Job run outcomes, the outcome label of JobRuns.
const (
	OutcomeSucceeded = "succeeded" // the handler returned a result
	OutcomeRetried   = "retried"   // a retryable error, another attempt will follow
	OutcomeFailed    = "failed"    // for good: permanent error or attempts spent
	OutcomeCancelled = "cancelled" // an operator cancelled the job
	OutcomeLeaseLost = "lease_lost"
	OutcomeReleased  = "released" // given back at shutdown
)

// Registry holds process-wide counters, histograms and gauges. Default is
// the one the bridge exports; tests may make their own.
type Registry struct {
	mu     sync.Mutex
	series map[string]*series // by name + "\x00" + label key
	hists  map[string]*histSeries
}

type series struct {
	name, kind, help string
	labels           map[string]string
	value            float64
}

type histSeries struct {
	name, help string
	labels     map[string]string
	h          *Histogram
}

// Default is the registry the package functions use and /metrics exports.
var Default = NewRegistry()

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{series: map[string]*series{}, hists: map[string]*histSeries{}}
}

func seriesKey(name string, labels map[string]string) string {
	return name + "\x00" + formatLabels(labels, "", "")
}

func copyLabels(labels map[string]string) map[string]string {
	out := make(map[string]string, len(labels))
	for k, v := range labels {
		out[k] = v
	}
	return out
}

// Add increments a counter.
func (r *Registry) Add(name, help string, labels map[string]string, delta float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := seriesKey(name, labels)
	s := r.series[k]
	if s == nil {
		s = &series{name: name, kind: "counter", help: help, labels: copyLabels(labels)}
		r.series[k] = s
	}
	s.value += delta
}

// Set sets a gauge.
func (r *Registry) Set(name, help string, labels map[string]string, value float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := seriesKey(name, labels)
	s := r.series[k]
	if s == nil {
		s = &series{name: name, kind: "gauge", help: help, labels: copyLabels(labels)}
		r.series[k] = s
	}
	s.value = value
}

// Observe adds a value to a histogram with LatencyBuckets.
func (r *Registry) Observe(name, help string, labels map[string]string, v float64) {
	r.mu.Lock()
	k := seriesKey(name, labels)
	hs := r.hists[k]
	if hs == nil {
		hs = &histSeries{name: name, help: help, labels: copyLabels(labels), h: NewHistogram(nil)}
		r.hists[k] = hs
	}
	r.mu.Unlock()
	hs.h.Observe(v)
}

// Collect writes every series, sorted by name then labels.
func (r *Registry) Collect(w *Writer) {
	r.mu.Lock()
	keys := make([]string, 0, len(r.series))
	for k := range r.series {
		keys = append(keys, k)
	}
	hkeys := make([]string, 0, len(r.hists))
	for k := range r.hists {
		hkeys = append(hkeys, k)
	}
	sort.Strings(keys)
	sort.Strings(hkeys)
	ss := make([]series, len(keys))
	for i, k := range keys {
		ss[i] = *r.series[k]
	}
	hs := make([]*histSeries, len(hkeys))
	for i, k := range hkeys {
		hs[i] = r.hists[k]
	}
	r.mu.Unlock()
	for _, s := range ss {
		w.Sample(s.name, s.kind, s.help, s.labels, s.value)
	}
	for _, h := range hs {
		w.Histogram(h.name, h.help, h.labels, h.h.Snapshot())
	}
}

// JobRun records one handler run: its outcome and how long it took.
func JobRun(kind, domain, outcome string, d time.Duration) {
	Default.Add(JobRuns, "Job handler runs by kind, domain and outcome.",
		map[string]string{"kind": kind, "domain": domain, "outcome": outcome}, 1)
	Default.Observe(JobDuration, "Duration of job handler runs, in seconds.",
		map[string]string{"kind": kind, "domain": domain}, d.Seconds())
}

// LeaseTakeover counts a job of kind leased by this process after another
// worker's lease on it expired.
func LeaseTakeover(kind string) {
	Default.Add(LeaseTakeovers, "Jobs taken over after another worker's lease expired, by kind.",
		map[string]string{"kind": kind}, 1)
}

// FencedWrite counts a write refused because the writer's lease token no
// longer held (another worker took the job over).
func FencedWrite(kind string) {
	Default.Add(FencedWrites, "Checkpoint, progress or completion writes refused because the lease token no longer held, by kind.",
		map[string]string{"kind": kind}, 1)
}

// InitJobSeries creates, at zero, the counters of events that may never
// happen in a process's life (a failed run, a takeover, a fenced write) for
// every job kind and domain, so the dashboard shows 0 instead of "No data"
// and an alert's increase() has a first sample to compare with.
func InitJobSeries(kinds, domains []string) {
	for _, kind := range kinds {
		Default.Add(LeaseTakeovers, "Jobs taken over after another worker's lease expired, by kind.",
			map[string]string{"kind": kind}, 0)
		Default.Add(FencedWrites, "Checkpoint, progress or completion writes refused because the lease token no longer held, by kind.",
			map[string]string{"kind": kind}, 0)
		for _, domain := range domains {
			Default.Add(JobRuns, "Job handler runs by kind, domain and outcome.",
				map[string]string{"kind": kind, "domain": domain, "outcome": OutcomeFailed}, 0)
		}
	}
}

// SetGauge sets a process-wide gauge, e.g. the calendar's last covered
// date as a Unix time. name must be a valid Prometheus metric name starting
// with "bridge_".
func SetGauge(name, help string, labels map[string]string, value float64) {
	if !strings.HasPrefix(name, "bridge_") {
		panic("metrics: gauge name must start with bridge_: " + name)
	}
	Default.Set(name, help, labels, value)
}

// Value returns a counter's or gauge's value, or a histogram's count; 0
// when the series does not exist. For tests.
func (r *Registry) Value(name string, labels map[string]string) float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := seriesKey(name, labels)
	if s := r.series[k]; s != nil {
		return s.value
	}
	if h := r.hists[k]; h != nil {
		return float64(h.h.Snapshot().Count)
	}
	return 0
}
