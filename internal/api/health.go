// Package api is the bridge's HTTP surface: health and readiness probes,
// Prometheus metrics, and the signed JSON API the Moodle plugins call.
package api

import (
	"context"
	"io"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/magistere/bridge/internal/metrics"
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

// MetricsWriter accumulates Prometheus text format (see package metrics).
type MetricsWriter = metrics.Writer

// Defaults of the domain probes.
const (
	DefaultProbeTTL     = 10 * time.Second // a probe's result is reused this long
	DefaultProbeTimeout = 5 * time.Second  // one probe's deadline
	DefaultProbeWait    = 2 * time.Second  // what /readyz waits for a fresh probe before using the last result
)

// Health serves /healthz, /readyz and /metrics.
//
// Readiness has two kinds of dependencies: required checks (the store),
// each of which must pass, and domains (the académies' Moodle sites), of
// which one reachable is enough: one academy's outage must not make a load
// balancer drop the bridge for every other. Domain probes are cached for
// the probe TTL, so a load balancer polling every second reaches each
// Moodle at most once per TTL, and shared by concurrent requests.
type Health struct {
	mu         sync.RWMutex
	checks     []Checker
	domains    []*domainProbe
	byName     map[string]*domainProbe
	collectors []Collector
	verifier   *Verifier

	timeout   time.Duration // required checks and each domain probe
	ttl, wait time.Duration
	now       func() time.Time
}

// domainProbe caches one domain's last probe.
type domainProbe struct {
	name string
	fn   func(ctx context.Context) error

	mu       sync.Mutex
	done     bool // a probe finished at least once
	at       time.Time
	err      error
	dur      time.Duration
	lastOK   time.Time
	inflight chan struct{} // closed when the running probe ends; nil when none runs
}

// NewHealth returns an empty Health; add checks, domains and collectors to it.
func NewHealth() *Health {
	h := &Health{timeout: DefaultProbeTimeout, ttl: DefaultProbeTTL, wait: DefaultProbeWait,
		now: time.Now, byName: map[string]*domainProbe{}}
	h.collectors = append(h.collectors, h.collectDomains)
	return h
}

// SetProbeTiming changes the domain probes' cache TTL, how long a readiness
// request waits for a fresh probe, and each check's timeout (zero keeps a value).
func (h *Health) SetProbeTiming(ttl, wait, timeout time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if ttl > 0 {
		h.ttl = ttl
	}
	if wait > 0 {
		h.wait = wait
	}
	if timeout > 0 {
		h.timeout = timeout
	}
}

// SetVerifier enables the verbose view (/readyz?verbose=1), answered only
// to requests signed like the API's (see sign.go).
func (h *Health) SetVerifier(v *Verifier) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.verifier = v
}

// AddCheck registers a required readiness check (the store).
func (h *Health) AddCheck(c Checker) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.checks = append(h.checks, c)
}

// AddDomain registers a domain's probe; one reachable domain is enough for
// readiness, and /readyz?domain=NAME answers for this one.
func (h *Health) AddDomain(name string, probe func(ctx context.Context) error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := &domainProbe{name: name, fn: probe}
	h.domains = append(h.domains, p)
	h.byName[name] = p
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

// CheckResult is one dependency's status in the verbose view.
type CheckResult struct {
	Name string `json:"name"`
	OK   bool   `json:"ok"`
	// Error is only shown for the store and for the caller's own domain.
	Error string `json:"error,omitempty"`
	MS    int64  `json:"ms"`
	// CheckedAt is when the probe answered (domains: possibly cached).
	CheckedAt time.Time `json:"checked_at,omitzero"`
	// LastOK is the last time the domain answered, zero if never since start.
	LastOK time.Time `json:"last_ok,omitzero"`
	// Pending: no probe has finished yet for this domain.
	Pending bool `json:"pending,omitempty"`
}

type readyBody struct {
	Ready        bool          `json:"ready"`
	Store        bool          `json:"store"`
	DomainsUp    int           `json:"domains_up"`
	DomainsTotal int           `json:"domains_total"`
	Domain       string        `json:"domain,omitempty"`
	Error        string        `json:"error,omitempty"`
	Checks       []CheckResult `json:"checks,omitempty"`
	Domains      []CheckResult `json:"domains,omitempty"`
}

// serveReady answers 200 when every required check passes and at least one
// domain is reachable (or none is configured); with ?domain=D, when the
// store and D are up (404 for a domain not configured). The plain answer
// carries only counts; ?verbose=1, signed like an API request, adds each
// check's status.
func (h *Health) serveReady(w http.ResponseWriter, r *http.Request) {
	h.mu.RLock()
	checks := append([]Checker(nil), h.checks...)
	domains := append([]*domainProbe(nil), h.domains...)
	byName, verifier := h.byName, h.verifier
	h.mu.RUnlock()

	var caller *Caller
	if r.URL.Query().Get("verbose") != "" {
		if verifier == nil {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "verbose readiness needs the API's shared secrets configured"})
			return
		}
		c, release, err := verifier.Authenticate(w, r)
		if err != nil {
			verifier.refuse(w, r, err)
			return
		}
		defer release()
		caller = &c
	}
	if d := r.URL.Query().Get("domain"); d != "" {
		p, ok := byName[d]
		if !ok {
			writeJSON(w, http.StatusNotFound, readyBody{Domain: d, Error: "unknown domain / domaine inconnu"})
			return
		}
		domains = []*domainProbe{p}
	}

	required := h.runChecks(r.Context(), checks)
	doms := h.probeDomains(r.Context(), domains)
	out := readyBody{Store: true, DomainsTotal: len(doms), Domain: r.URL.Query().Get("domain")}
	for _, c := range required {
		out.Store = out.Store && c.OK
	}
	for _, d := range doms {
		if d.OK {
			out.DomainsUp++
		}
	}
	out.Ready = out.Store && (out.DomainsUp > 0 || len(doms) == 0)
	if caller != nil {
		out.Checks = required
		for i := range doms {
			if doms[i].Name != caller.Domain {
				doms[i].Error = "" // another academy's error text is theirs
			}
		}
		out.Domains = doms
	}
	status := http.StatusOK
	if !out.Ready {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, out)
}

// runChecks runs the required checks in parallel, each with the timeout.
func (h *Health) runChecks(ctx context.Context, checks []Checker) []CheckResult {
	h.mu.RLock()
	timeout := h.timeout
	h.mu.RUnlock()
	results := make([]CheckResult, len(checks))
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Add(1)
		go func(i int, c Checker) {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			start := time.Now()
			err := c.Check(cctx)
			results[i] = CheckResult{Name: c.Name(), OK: err == nil, MS: time.Since(start).Milliseconds(), CheckedAt: h.now()}
			if err != nil {
				results[i].Error = err.Error()
			}
		}(i, c)
	}
	wg.Wait()
	return results
}

// probeDomains returns each domain's status: the cached one when younger
// than the TTL, otherwise a fresh probe's, waited for at most h.wait (the
// previous result stands in while it runs on).
func (h *Health) probeDomains(ctx context.Context, probes []*domainProbe) []CheckResult {
	h.mu.RLock()
	ttl, wait, timeout := h.ttl, h.wait, h.timeout
	h.mu.RUnlock()
	chans := make([]chan struct{}, len(probes))
	for i, p := range probes {
		chans[i] = p.refresh(h.now, ttl, timeout)
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for _, ch := range chans {
		if ch == nil {
			continue
		}
		select {
		case <-ch:
		case <-timer.C:
		case <-ctx.Done():
		}
	}
	out := make([]CheckResult, len(probes))
	for i, p := range probes {
		out[i] = p.result()
	}
	return out
}

// refresh starts a probe when the last result is older than ttl and none is
// running, and returns the channel closed when the running probe ends (nil
// when the cached result is fresh).
func (p *domainProbe) refresh(now func() time.Time, ttl, timeout time.Duration) chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inflight != nil {
		return p.inflight
	}
	if p.done && now().Sub(p.at) < ttl {
		return nil
	}
	ch := make(chan struct{})
	p.inflight = ch
	go func() {
		// Detached from the request: a load balancer giving up must not
		// cancel the probe other requests wait for.
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		start := time.Now()
		err := p.fn(ctx)
		p.mu.Lock()
		p.done, p.at, p.err, p.dur, p.inflight = true, now(), err, time.Since(start), nil
		if err == nil {
			p.lastOK = p.at
		}
		p.mu.Unlock()
		close(ch)
	}()
	return ch
}

func (p *domainProbe) result() CheckResult {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := CheckResult{Name: p.name, OK: p.done && p.err == nil, MS: p.dur.Milliseconds(), CheckedAt: p.at, LastOK: p.lastOK, Pending: !p.done}
	if p.err != nil {
		r.Error = p.err.Error()
	}
	return r
}

// collectDomains exports each domain's cached status (refreshing stale
// ones, like /readyz) as bridge_domain_up and its probe duration.
func (h *Health) collectDomains(w *MetricsWriter) {
	h.mu.RLock()
	probes := append([]*domainProbe(nil), h.domains...)
	h.mu.RUnlock()
	results := h.probeDomains(context.Background(), probes)
	sort.Slice(results, func(i, j int) bool { return results[i].Name < results[j].Name })
	for _, r := range results {
		l := map[string]string{"domain": r.Name}
		up := 0.0
		if r.OK {
			up = 1
		}
		w.Sample("bridge_domain_up", "gauge", "1 when the domain's Moodle answered its last probe (core_webservice_get_site_info), else 0.", l, up)
		w.Sample("bridge_domain_probe_seconds", "gauge", "Duration of the domain's last probe, in seconds.", l, float64(r.MS)/1000)
		if !r.LastOK.IsZero() {
			w.Sample("bridge_domain_last_up_timestamp_seconds", "gauge", "Unix time of the domain's last successful probe.", l, float64(r.LastOK.Unix()))
		}
	}
}

func (h *Health) serveMetrics(w http.ResponseWriter, r *http.Request) {
	h.mu.RLock()
	collectors := append([]Collector(nil), h.collectors...)
	h.mu.RUnlock()
	mw := &MetricsWriter{}
	for _, c := range collectors {
		c(mw)
	}
	metrics.Default.Collect(mw)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	io.WriteString(w, mw.String())
}
