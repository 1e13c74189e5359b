package moodle

import (
	"maps"
	"sync"
	"time"

	"github.com/magistere/bridge/internal/metrics"
)

// Stats is a snapshot of the HTTP calls a client made, by function
// ("upload.php" and "pluginfile.php" for the files endpoints).
type Stats struct {
	Calls       map[string]int64
	Errors      map[string]int64
	TotalCalls  int64
	TotalErrors int64
	// Latency holds each function's call durations in seconds (failed
	// calls included), for the per-domain latency histograms.
	Latency map[string]metrics.HistogramSnapshot
}

type statsRecorder struct {
	mu      sync.Mutex
	calls   map[string]int64
	errors  map[string]int64
	latency map[string]*metrics.Histogram
	total   int64
	failed  int64
}

func newStatsRecorder() *statsRecorder {
	return &statsRecorder{calls: map[string]int64{}, errors: map[string]int64{}, latency: map[string]*metrics.Histogram{}}
}

func (s *statsRecorder) add(function string, took time.Duration, err error) {
	s.mu.Lock()
	s.calls[function]++
	s.total++
	if err != nil {
		s.errors[function]++
		s.failed++
	}
	h := s.latency[function]
	if h == nil {
		h = metrics.NewHistogram(nil)
		s.latency[function] = h
	}
	s.mu.Unlock()
	h.ObserveDuration(took)
}

func (s *statsRecorder) snapshot() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	lat := make(map[string]metrics.HistogramSnapshot, len(s.latency))
	for fn, h := range s.latency {
		lat[fn] = h.Snapshot()
	}
	return Stats{Calls: maps.Clone(s.calls), Errors: maps.Clone(s.errors), TotalCalls: s.total, TotalErrors: s.failed, Latency: lat}
}

// Stats returns the calls made so far by function, and the errors.
func (c *Client) Stats() Stats { return c.stats.snapshot() }
