package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/api"
	"github.com/magistere/bridge/internal/app"
	"github.com/magistere/bridge/internal/config"
	"github.com/magistere/bridge/internal/demo"
	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodlesim"
	"github.com/magistere/bridge/internal/store"
)

// servedApp runs a bridge serve over the simulator's national site and
// first academy, with the second academy's site stopped (its address
// refuses connections), and a daily schedule on the first academy.
func servedApp(t *testing.T) (a *app.App, base string) {
	t.Helper()
	sim := moodlesim.New(moodlesim.Options{Sites: []string{demo.National, demo.AcademyA, demo.AcademyB}, Token: "ops-token"})
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	stopped := httptest.NewServer(http.NotFoundHandler())
	stopped.Close()
	cfg := demo.Config(t.TempDir(), srv.URL, "ops-token")
	for i := range cfg.Domains {
		if cfg.Domains[i].Name == demo.AcademyB {
			cfg.Domains[i].WWWRoot = stopped.URL + "/" + demo.AcademyB
		}
	}
	cfg.Schedules = []config.ScheduleCfg{{Name: "reminders-a", Cron: "0 3 * * *", Kind: "workflow.reminders", Domain: demo.AcademyA}}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, cfg, zerolog.Nop(), app.Options{PollEvery: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{demo.National, demo.AcademyA} {
		d, _ := a.Fleet.Get(name)
		if _, err := domains.Bootstrap(ctx, d, a.Store); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { a.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done; a.Close() })
	return a, "http://" + ln.Addr().String()
}

func get(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func getURL(t *testing.T, url string) (int, string) {
	req, _ := http.NewRequest("GET", url, nil)
	return get(t, req)
}

func TestServeReadyWithOneDomainStopped(t *testing.T) {
	a, base := servedApp(t)
	code, body := getURL(t, base+"/readyz")
	var out struct {
		Ready        bool              `json:"ready"`
		DomainsUp    int               `json:"domains_up"`
		DomainsTotal int               `json:"domains_total"`
		Domains      []api.CheckResult `json:"domains"`
	}
	json.Unmarshal([]byte(body), &out)
	if code != 200 || !out.Ready || out.DomainsUp != 2 || out.DomainsTotal != 3 {
		t.Fatalf("one academy stopped: want 200 with 2/3 domains up, got %d %s", code, body)
	}
	if code, body := getURL(t, base+"/readyz?domain="+demo.AcademyB); code != 503 {
		t.Fatalf("the stopped academy: want 503, got %d %s", code, body)
	}
	if code, body := getURL(t, base+"/readyz?domain="+demo.AcademyA); code != 200 {
		t.Fatalf("the running academy: want 200, got %d %s", code, body)
	}
	if code, _ := getURL(t, base+"/readyz?domain=ac-nowhere"); code != 404 {
		t.Fatalf("an unknown domain: want 404, got %d", code)
	}
	if code, _ := getURL(t, base+"/readyz?verbose=1"); code != 401 {
		t.Fatalf("unsigned verbose view: want 401, got %d", code)
	}
	req, _ := http.NewRequest("GET", base+"/readyz?verbose=1", nil)
	if err := api.Sign(req, demo.AcademyB, "0", []byte(secretOf(t, a, demo.AcademyB)), nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	code, body = get(t, req)
	out.Domains = nil
	json.Unmarshal([]byte(body), &out)
	if code != 200 || len(out.Domains) != 3 {
		t.Fatalf("signed verbose view: %d %s", code, body)
	}
	for _, d := range out.Domains {
		if (d.Name == demo.AcademyB) == d.OK {
			t.Fatalf("verbose status of %s wrong: %s", d.Name, body)
		}
		if d.Name == demo.AcademyB && !strings.Contains(d.Error, "refused") {
			t.Fatalf("the stopped academy sees its own error: %s", body)
		}
	}
	if code, body := getURL(t, base+"/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("healthz: %d %q", code, body)
	}
}

// sampleLine is one Prometheus text-format sample.
var sampleLine = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? (-?[0-9]+(\.[0-9]+)?(e[+-]?[0-9]+)?|\+Inf|-Inf|NaN)$`)

// scrape fetches /metrics and checks every line is valid text format.
func scrape(t *testing.T, base string) string {
	t.Helper()
	code, body := getURL(t, base+"/metrics")
	if code != 200 {
		t.Fatalf("metrics: %d", code)
	}
	for _, line := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
		if strings.HasPrefix(line, "# HELP ") || strings.HasPrefix(line, "# TYPE ") {
			continue
		}
		if !sampleLine.MatchString(line) {
			t.Fatalf("invalid exposition line %q", line)
		}
	}
	return body
}

// activeApp is servedApp after a scheduled job ran and another was queued
// for later.
func activeApp(t *testing.T) (*app.App, string) {
	t.Helper()
	a, base := servedApp(t)
	ctx := context.Background()
	a.Sched.FireAll(ctx, time.Date(2026, 3, 2, 4, 0, 0, 0, time.UTC))
	_, _, err := a.Queue.Submit(ctx, jobs.Spec{Kind: "workflow.reminders", Domain: demo.AcademyA, RunAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		list, err := a.Store.ListJobs(ctx, store.JobFilter{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		succeeded := 0
		for _, j := range list {
			if j.State == store.JobSucceeded {
				succeeded++
			}
		}
		if succeeded > 0 { // the catch-up of the scheduler may add today's run
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the scheduled job did not succeed: %+v", list)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return a, base
}

func TestMetricsAppearAfterActivity(t *testing.T) {
	_, base := activeApp(t)
	body := scrape(t, base)
	for _, want := range []string{
		`bridge_domain_up{domain="` + demo.AcademyA + `"} 1`,
		`bridge_domain_up{domain="` + demo.AcademyB + `"} 0`,
		`bridge_moodle_call_duration_seconds_bucket{domain="` + demo.AcademyA + `",function="core_webservice_get_site_info",le="+Inf"} `,
		`bridge_moodle_call_duration_seconds_count{domain="` + demo.AcademyB + `",function="core_webservice_get_site_info"} `,
		`bridge_job_runs_total{domain="` + demo.AcademyA + `",kind="workflow.reminders",outcome="succeeded"} `,
		`bridge_job_run_duration_seconds_count{domain="` + demo.AcademyA + `",kind="workflow.reminders"} `,
		`bridge_queue_depth{kind="workflow.reminders",state="queued"} 1`,
		`bridge_queue_oldest_due_seconds 0`,
		`bridge_schedule_interval_seconds{kind="workflow.reminders",schedule="reminders-a"} 86400`,
		`bridge_schedule_last_success_timestamp_seconds{domain="` + demo.AcademyA + `",kind="workflow.reminders",schedule="reminders-a"} `,
		`bridge_jobs{state="queued"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Fatalf("metrics lack %q:\n%s", want, body)
		}
	}
}

// secretOf is a domain's secret as the app runs with it (the demo makes
// random ones).
func secretOf(t *testing.T, a *app.App, domain string) string {
	t.Helper()
	d, err := a.Fleet.Get(domain)
	if err != nil {
		t.Fatal(err)
	}
	return d.Config.Secret
}

// TestJobCountersStartAtZero: a replica that has run no job of a kind
// still exports that kind's counters, at 0 (CI once scraped a replica
// that had run none of 300 jobs, and found no series at all).
func TestJobCountersStartAtZero(t *testing.T) {
	a, base := servedApp(t)
	body := scrape(t, base)
	for _, kind := range a.Registry.Kinds() {
		for _, name := range []string{"bridge_jobs_succeeded_total", "bridge_jobs_failed_total", "bridge_jobs_retried_total"} {
			if kind == "workflow.reminders" { // the scheduler's catch-up may have run one
				continue
			}
			if want := name + `{kind="` + kind + `"} 0`; !strings.Contains(body, want) {
				t.Fatalf("metrics lack %q:\n%s", want, body)
			}
		}
	}
}
