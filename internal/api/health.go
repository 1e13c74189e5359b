// Package api is the bridge's HTTP surface: health and readiness probes,
// Prometheus metrics, and the signed JSON API the Moodle plugins call.
package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Checker is one dependency whose health /readyz reports: the store, or a
// domain's Moodle site.
type Checker interface {
	Name() string
	Check(ctx context.Context) error
}

// CheckFunc adapts a function to Checker.
type CheckFunc struct {
	CheckName string
	Fn        func(ctx context.Context) error
}

func (c CheckFunc) Name() string                    { return c.CheckName }
func (c CheckFunc) Check(ctx context.Context) error { return c.Fn(ctx) }

// Collector writes metric families in Prometheus text exposition format.
type Collector func(w *MetricsWriter)

// Health serves /healthz, /readyz and /metrics.
type Health struct {
	mu         sync.RWMutex
	checks     []Checker
	collectors []Collector
	timeout    time.Duration
}

// NewHealth returns an empty Health; add checks and collectors to it.
func NewHealth() *Health { return &Health{timeout: 5 * time.Second} }

// AddCheck registers a readiness check.
func (h *Health) AddCheck(c Checker) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.checks = append(h.checks, c)
}

// AddCollector registers a metrics collector.
func (h *Health) AddCollector(c Collector) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.collectors = append(h.collectors, c)
}

// Register mounts the three routes on mux.
func (h *Health) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", h.serveReady)
	mux.HandleFunc("GET /metrics", h.serveMetrics)
}

type checkResult struct {
	Name  string `json:"name"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
	MS    int64  `json:"ms"`
}

// serveReady runs every check in parallel, each with a deadline, and
// answers 503 when any fails.
func (h *Health) serveReady(w http.ResponseWriter, r *http.Request) {
	h.mu.RLock()
	checks := append([]Checker(nil), h.checks...)
	h.mu.RUnlock()
	results := make([]checkResult, len(checks))
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Add(1)
		go func(i int, c Checker) {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(r.Context(), h.timeout)
			defer cancel()
			start := time.Now()
			err := c.Check(ctx)
			results[i] = checkResult{Name: c.Name(), OK: err == nil, MS: time.Since(start).Milliseconds()}
			if err != nil {
				results[i].Error = err.Error()
			}
		}(i, c)
	}
	wg.Wait()
	status := http.StatusOK
	for _, res := range results {
		if !res.OK {
			status = http.StatusServiceUnavailable
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"ready": status == http.StatusOK, "checks": results})
}

func (h *Health) serveMetrics(w http.ResponseWriter, r *http.Request) {
	h.mu.RLock()
	collectors := append([]Collector(nil), h.collectors...)
	h.mu.RUnlock()
	mw := &MetricsWriter{}
	for _, c := range collectors {
		c(mw)
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	io.WriteString(w, mw.String())
}

// MetricsWriter accumulates Prometheus text format, one HELP/TYPE header
// per family however many collectors add samples to it.
type MetricsWriter struct {
	families map[string]*family
	order    []string
}

type family struct {
	help, kind string
	samples    []string
}

// Sample adds one sample of a counter or gauge family.
func (m *MetricsWriter) Sample(name, kind, help string, labels map[string]string, value float64) {
	if m.families == nil {
		m.families = map[string]*family{}
	}
	f, ok := m.families[name]
	if !ok {
		f = &family{help: help, kind: kind}
		m.families[name] = f
		m.order = append(m.order, name)
	}
	f.samples = append(f.samples, name+formatLabels(labels)+" "+formatValue(value))
}

func (m *MetricsWriter) String() string {
	var b strings.Builder
	for _, name := range m.order {
		f := m.families[name]
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, f.help, name, f.kind)
		for _, s := range f.samples {
			b.WriteString(s)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func formatLabels(labels map[string]string) string {
	if len(labels) == 0 {
		return ""
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	esc := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	for i, k := range keys {
		parts[i] = k + `="` + esc.Replace(labels[k]) + `"`
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func formatValue(v float64) string {
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d", int64(v))
	}
	return fmt.Sprintf("%g", v)
}
