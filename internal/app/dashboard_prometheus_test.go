package app_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/demo"
)

// TestDashboardQueriesReturnData runs a real Prometheus (Debian's
// prometheus package, which scripts/test.sh installs) scraping a bridge
// serve whose second academy's site is stopped, then asks it every query of
// the shipped Grafana dashboard: each must return series, so the dashboard
// an operator imports shows data on the day one domain is down.
func TestDashboardQueriesReturnData(t *testing.T) {
	promBin, err := exec.LookPath("prometheus")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("prometheus is not installed (Debian package prometheus); scripts/test.sh installs it")
		}
		t.Skip("prometheus is not installed (Debian package prometheus); scripts/test.sh installs it")
	}
	_, base := activeApp(t)
	target := strings.TrimPrefix(base, "http://")

	dir := t.TempDir()
	cfg := fmt.Sprintf("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: bridge\n    static_configs:\n      - targets: ['%s']\n", target)
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	prom := exec.Command(promBin, "--config.file="+cfgPath, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	var logs strings.Builder
	prom.Stdout, prom.Stderr = &logs, &logs
	if err := prom.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { prom.Process.Kill(); prom.Wait() })
	promURL := "http://" + addr

	// Rates need two samples in their window: wait for a few scrapes.
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := promQuery(promURL, `count_over_time(up{job="bridge"}[1m])`)
		if err == nil && len(res) == 1 && sampleValue(res[0]) >= 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus did not scrape the bridge 4 times in 60 s (last: %v %v)\n%s", res, err, logs.String())
		}
		time.Sleep(500 * time.Millisecond)
	}

	for _, q := range dashboardQueries(t) {
		expr := strings.NewReplacer(`$job`, `.*`, `$domain`, `.*`, `$__rate_interval`, `1m`).Replace(q.expr)
		res, err := promQuery(promURL, expr)
		if err != nil {
			t.Errorf("panel %q: %s: %v", q.panel, expr, err)
			continue
		}
		if len(res) == 0 {
			t.Errorf("panel %q returns no data: %s", q.panel, expr)
		}
	}
	// The stopped domain is shown down, the others up.
	res, err := promQuery(promURL, `max by (domain) (bridge_domain_up)`)
	if err != nil {
		t.Fatal(err)
	}
	up := map[string]string{}
	for _, r := range res {
		up[r.Metric["domain"]] = fmt.Sprint(sampleValue(r))
	}
	if up[demo.AcademyB] != "0" || up[demo.AcademyA] != "1" || up[demo.National] != "1" {
		t.Errorf("domain up as Prometheus sees it: %v; want %s down, the others up", up, demo.AcademyB)
	}
}

type dashboardQuery struct{ panel, expr string }

func dashboardQueries(t *testing.T) []dashboardQuery {
	t.Helper()
	raw, err := os.ReadFile("../../config/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatal(err)
	}
	var out []dashboardQuery
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			out = append(out, dashboardQuery{p.Title, tg.Expr})
		}
	}
	if len(out) == 0 {
		t.Fatal("the dashboard has no queries")
	}
	return out
}

type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

// promQuery runs an instant query through Prometheus' HTTP API.
func promQuery(base, expr string) ([]promSample, error) {
	res, err := httpGetJSON(base + "/api/v1/query?query=" + url.QueryEscape(expr))
	if err != nil {
		return nil, err
	}
	var out struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string       `json:"resultType"`
			Result     []promSample `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(res, &out); err != nil {
		return nil, fmt.Errorf("prometheus answer: %w: %s", err, res)
	}
	if out.Status != "success" {
		return nil, fmt.Errorf("prometheus: %s", out.Error)
	}
	return out.Data.Result, nil
}

// sampleValue is an instant sample's value (Prometheus sends it as a
// string), or -1.
func sampleValue(s promSample) float64 {
	text, _ := s.Value[1].(string)
	v, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return -1
	}
	return v
}

// httpGetJSON fetches a Prometheus API answer; 400 and 422 carry the
// query's error in the JSON body.
func httpGetJSON(u string) ([]byte, error) {
	res, err := http.Get(u)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != 200 && res.StatusCode != 400 && res.StatusCode != 422 {
		return nil, fmt.Errorf("HTTP %d: %s", res.StatusCode, body)
	}
	return body, nil
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
