package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/metrics"
)

// fakeDomain is a probe whose answer a test flips, counting calls.
type fakeDomain struct {
	mu    sync.Mutex
	err   error
	calls atomic.Int64
	delay time.Duration
}

func (f *fakeDomain) probe(ctx context.Context) error {
	f.calls.Add(1)
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

func (f *fakeDomain) set(err error) { f.mu.Lock(); f.err = err; f.mu.Unlock() }

// healthFixture: a store check and two domains, ac-a up and ac-b down,
// probes cached for ttl; the verbose view verifies with the test secrets.
func healthFixture(t *testing.T, ttl time.Duration) (*Health, *fakeDomain, *fakeDomain, *atomic.Bool) {
	t.Helper()
	h := NewHealth()
	h.SetProbeTiming(ttl, time.Second, time.Second)
	storeUp := &atomic.Bool{}
	storeUp.Store(true)
	h.AddCheck(CheckFunc{"store", func(context.Context) error {
		if !storeUp.Load() {
			return errors.New("store: dial tcp 127.0.0.1:3306: connection refused")
		}
		return nil
	}})
	a, b := &fakeDomain{}, &fakeDomain{err: errors.New("moodle site ac-b: connection refused")}
	h.AddDomain("ac-a", a.probe)
	h.AddDomain("ac-b", b.probe)
	h.SetVerifier(NewVerifier(lookupTestSecret, VerifierOptions{MaxSkew: time.Hour}))
	return h, a, b, storeUp
}

func serveHealth(h *Health, r *http.Request) (int, readyBody, string) {
	mux := http.NewServeMux()
	h.Register(mux)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, r)
	var out readyBody
	json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out, rec.Body.String()
}

func TestReadyzNeedsTheStoreAndOneDomain(t *testing.T) {
	h, a, b, storeUp := healthFixture(t, time.Nanosecond)
	get := func(path string) (int, readyBody, string) {
		return serveHealth(h, httptest.NewRequest("GET", path, nil))
	}

	code, out, body := get("/readyz")
	if code != 200 || !out.Ready || out.DomainsUp != 1 || out.DomainsTotal != 2 {
		t.Fatalf("one domain down of two: want 200 ready 1/2, got %d %s", code, body)
	}
	if strings.Contains(body, "connection refused") || strings.Contains(body, "ac-b") || out.Domains != nil {
		t.Fatalf("the unsigned answer must carry only counts: %s", body)
	}
	if code, out, body := get("/readyz?domain=ac-b"); code != 503 || out.Ready || out.Domain != "ac-b" {
		t.Fatalf("readyz for the domain that is down: want 503, got %d %s", code, body)
	}
	if code, _, body := get("/readyz?domain=ac-a"); code != 200 {
		t.Fatalf("readyz for the domain that is up: want 200, got %d %s", code, body)
	}
	if code, _, body := get("/readyz?domain=ac-zz"); code != 404 || !strings.Contains(body, "unknown domain") {
		t.Fatalf("readyz for an unknown domain: want 404, got %d %s", code, body)
	}
	a.set(errors.New("timeout"))
	if code, out, body := get("/readyz"); code != 503 || out.DomainsUp != 0 {
		t.Fatalf("every domain down: want 503, got %d %s", code, body)
	}
	a.set(nil)
	b.set(nil)
	storeUp.Store(false)
	if code, out, body := get("/readyz"); code != 503 || out.Store {
		t.Fatalf("store down: want 503, got %d %s", code, body)
	}
	if code, _, body := get("/readyz?domain=ac-a"); code != 503 {
		t.Fatalf("store down, domain up: want 503, got %d %s", code, body)
	}
	storeUp.Store(true)
	if code, out, body := get("/readyz"); code != 200 || out.DomainsUp != 2 {
		t.Fatalf("all up: want 200 2/2, got %d %s", code, body)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != 200 || rec.Body.String() != "ok\n" {
		t.Fatalf("healthz: %d %q", rec.Code, rec.Body.String())
	}
}

func TestReadyzWithoutDomainsNeedsOnlyTheStore(t *testing.T) {
	h := NewHealth()
	h.AddCheck(CheckFunc{"store", func(context.Context) error { return nil }})
	if code, _, body := serveHealth(h, httptest.NewRequest("GET", "/readyz", nil)); code != 200 {
		t.Fatalf("no domain configured, store up: want 200, got %d %s", code, body)
	}
}

func TestReadyzVerboseIsSignedAndShowsOwnErrorsOnly(t *testing.T) {
	h, _, _, _ := healthFixture(t, time.Nanosecond)
	if code, _, body := serveHealth(h, httptest.NewRequest("GET", "/readyz?verbose=1", nil)); code != 401 || strings.Contains(body, "ac-a") {
		t.Fatalf("unsigned verbose: want 401 and nothing else, got %d %s", code, body)
	}
	forged := signedRequest(t, "GET", "/readyz?verbose=1", "ac-a", []byte("not the secret"), nil, time.Now())
	if code, _, body := serveHealth(h, forged); code != 401 {
		t.Fatalf("badly signed verbose: want 401, got %d %s", code, body)
	}
	// Signed by ac-b: ac-b's own error shows, the store's too.
	code, out, body := serveHealth(h, signedRequest(t, "GET", "/readyz?verbose=1", "ac-b", secretB, nil, time.Now()))
	if code != 200 || len(out.Domains) != 2 || len(out.Checks) != 1 || !out.Checks[0].OK {
		t.Fatalf("signed verbose: %d %s", code, body)
	}
	if out.Domains[0].Name != "ac-a" || !out.Domains[0].OK || out.Domains[0].CheckedAt.IsZero() || out.Domains[0].LastOK.IsZero() {
		t.Fatalf("ac-a should be up with its probe times: %s", body)
	}
	if out.Domains[1].Name != "ac-b" || out.Domains[1].OK || !strings.Contains(out.Domains[1].Error, "connection refused") {
		t.Fatalf("ac-b should be down with its own error shown to itself: %s", body)
	}
	// Signed by ac-a: ac-b is down, but its error text is not ac-a's business.
	_, out, body = serveHealth(h, signedRequest(t, "GET", "/readyz?verbose=1&domain=ac-b", "ac-a", secretA, nil, time.Now()))
	if len(out.Domains) != 1 || out.Domains[0].OK || out.Domains[0].Error != "" {
		t.Fatalf("another academy's error must be hidden: %s", body)
	}
	// A replayed request is refused like on the API.
	req := signedRequest(t, "GET", "/readyz?verbose=1", "ac-a", secretA, nil, time.Now())
	replay := req.Clone(context.Background())
	serveHealth(h, req)
	if code, _, _ := serveHealth(h, replay); code != 401 {
		t.Fatalf("replayed verbose request: want 401, got %d", code)
	}
}

func TestReadyzCachesDomainProbes(t *testing.T) {
	h, a, b, _ := healthFixture(t, time.Hour)
	for range 20 {
		if code, _, body := serveHealth(h, httptest.NewRequest("GET", "/readyz", nil)); code != 200 {
			t.Fatalf("readyz: %d %s", code, body)
		}
	}
	serveHealth(h, httptest.NewRequest("GET", "/metrics", nil))
	if a.calls.Load() != 1 || b.calls.Load() != 1 {
		t.Fatalf("20 readyz and one scrape within the TTL should probe each domain once, got %d and %d", a.calls.Load(), b.calls.Load())
	}
	// Concurrent requests share one probe in flight.
	h2 := NewHealth()
	slow := &fakeDomain{delay: 100 * time.Millisecond}
	h2.AddDomain("slow", slow.probe)
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() { defer wg.Done(); serveHealth(h2, httptest.NewRequest("GET", "/readyz", nil)) }()
	}
	wg.Wait()
	if slow.calls.Load() != 1 {
		t.Fatalf("10 concurrent readyz should share one probe, got %d", slow.calls.Load())
	}
}

func TestReadyzDoesNotWaitLongForAHangingDomain(t *testing.T) {
	h := NewHealth()
	h.SetProbeTiming(time.Nanosecond, 50*time.Millisecond, 10*time.Second)
	up, hung := &fakeDomain{}, &fakeDomain{delay: 5 * time.Second}
	h.AddDomain("up", up.probe)
	h.AddDomain("hung", hung.probe)
	start := time.Now()
	code, out, body := serveHealth(h, httptest.NewRequest("GET", "/readyz", nil))
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("readyz waited %v for a hanging domain", took)
	}
	if code != 200 || out.DomainsUp != 1 {
		t.Fatalf("one domain up, one hanging: want 200 1/2, got %d %s", code, body)
	}
}

func TestMetricsTextFormat(t *testing.T) {
	h := NewHealth()
	h.AddCollector(func(w *MetricsWriter) {
		w.Sample("bridge_jobs", "gauge", "Jobs by state.", map[string]string{"state": "queued"}, 3)
		w.Sample("bridge_jobs", "gauge", "Jobs by state.", map[string]string{"state": "failed"}, 1)
	})
	h.AddCollector(func(w *MetricsWriter) {
		w.Sample("bridge_moodle_calls_total", "counter", "Moodle calls.", map[string]string{"domain": `a"b`}, 2.5)
	})
	rec := httptest.NewRecorder()
	h.serveMetrics(rec, httptest.NewRequest("GET", "/metrics", nil))
	want := "# HELP bridge_jobs Jobs by state.\n# TYPE bridge_jobs gauge\n" +
		"bridge_jobs{state=\"queued\"} 3\nbridge_jobs{state=\"failed\"} 1\n" +
		"# HELP bridge_moodle_calls_total Moodle calls.\n# TYPE bridge_moodle_calls_total counter\n" +
		"bridge_moodle_calls_total{domain=\"a\\\"b\"} 2.5\n"
	if !strings.HasPrefix(rec.Body.String(), want) {
		t.Fatalf("metrics:\n%s\nwant first:\n%s", rec.Body.String(), want)
	}
}

func TestMetricsExportDomainStatusAndProcessCounters(t *testing.T) {
	h, _, _, _ := healthFixture(t, time.Hour)
	metrics.FencedWrite("test-kind")
	rec := httptest.NewRecorder()
	h.serveMetrics(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		"# TYPE bridge_domain_up gauge\n",
		`bridge_domain_up{domain="ac-a"} 1` + "\n",
		`bridge_domain_up{domain="ac-b"} 0` + "\n",
		`bridge_fenced_writes_total{kind="test-kind"} `,
		`bridge_domain_last_up_timestamp_seconds{domain="ac-a"} `,
	} {
		if !strings.Contains(body, want) {
			t.Fatalf("metrics lack %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, `bridge_domain_last_up_timestamp_seconds{domain="ac-b"}`) {
		t.Fatalf("a domain never up has no last-up time:\n%s", body)
	}
}
