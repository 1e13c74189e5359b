package metrics

import (
	"sort"
	"sync"
	"time"
)

// LatencyBuckets are upper bounds in seconds for web-service calls and job
// runs: from a cached site-info call (10 ms) to a course backup (10 min).
var LatencyBuckets = []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600}

// Histogram counts observations into fixed buckets. Safe for concurrent use.
type Histogram struct {
	mu     sync.Mutex
	bounds []float64
	counts []uint64 // per bucket, not cumulative
	sum    float64
	count  uint64
}

// NewHistogram returns a histogram over sorted upper bounds (nil: LatencyBuckets).
func NewHistogram(bounds []float64) *Histogram {
	if bounds == nil {
		bounds = LatencyBuckets
	}
	return &Histogram{bounds: bounds, counts: make([]uint64, len(bounds))}
}

// Observe adds one value.
func (h *Histogram) Observe(v float64) {
	i := sort.SearchFloat64s(h.bounds, v) // first bound >= v
	h.mu.Lock()
	if i < len(h.counts) {
		h.counts[i]++
	}
	h.sum += v
	h.count++
	h.mu.Unlock()
}

// ObserveDuration adds d in seconds.
func (h *Histogram) ObserveDuration(d time.Duration) { h.Observe(d.Seconds()) }

// HistogramSnapshot is a histogram's state at one moment.
type HistogramSnapshot struct {
	Bounds []float64
	Counts []uint64 // per bucket, not cumulative; values above the last bound are only in Count
	Sum    float64
	Count  uint64
}

// Snapshot copies the histogram.
func (h *Histogram) Snapshot() HistogramSnapshot {
	h.mu.Lock()
	defer h.mu.Unlock()
	return HistogramSnapshot{Bounds: h.bounds, Counts: append([]uint64(nil), h.counts...), Sum: h.sum, Count: h.count}
}
