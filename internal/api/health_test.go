package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestReadyzReportsEachCheck(t *testing.T) {
	h := NewHealth()
	h.AddCheck(CheckFunc{"store", func(context.Context) error { return nil }})
	fail := true
	h.AddCheck(CheckFunc{"domain:ac-a", func(context.Context) error {
		if fail {
			return errors.New("connection refused")
		}
		return nil
	}})
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	get := func(path string) (int, string) {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	code, body := get("/readyz")
	if code != 503 || !strings.Contains(body, "connection refused") {
		t.Fatalf("readyz with a failing domain: %d %s", code, body)
	}
	var out struct {
		Ready  bool
		Checks []checkResult
	}
	json.Unmarshal([]byte(body), &out)
	if out.Ready || len(out.Checks) != 2 || !out.Checks[0].OK || out.Checks[1].OK {
		t.Fatalf("unexpected readyz payload: %+v", out)
	}
	fail = false
	if code, _ := get("/readyz"); code != 200 {
		t.Fatalf("readyz all ok: %d", code)
	}
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("healthz: %d %q", code, body)
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
	if rec.Body.String() != want {
		t.Fatalf("metrics:\n%s\nwant:\n%s", rec.Body.String(), want)
	}
}
