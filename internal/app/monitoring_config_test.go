package app_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/metrics"
)

// The shipped alert rules and Grafana dashboard only name metrics the
// bridge exports: each one appears in /metrics of a served bridge after
// some activity (fenced writes and lease takeovers counted by hand: they
// need a paused worker).
func TestMonitoringConfigNamesExportedMetrics(t *testing.T) {
	rules, err := os.ReadFile("../../config/prometheus-alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	dashRaw, err := os.ReadFile("../../config/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string `json:"title"`
		Panels []struct {
			Type    string `json:"type"`
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(dashRaw, &dash); err != nil {
		t.Fatalf("config/grafana-dashboard.json: %v", err)
	}
	var exprs []string
	for _, p := range dash.Panels {
		if p.Type != "row" && len(p.Targets) == 0 {
			t.Errorf("dashboard panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	if len(exprs) < 10 {
		t.Fatalf("dashboard has %d queries", len(exprs))
	}

	metrics.FencedWrite("enrol")
	metrics.LeaseTakeover("enrol")
	_, base := activeApp(t)
	body := scrape(t, base)
	exported := map[string]bool{}
	for _, line := range strings.Split(body, "\n") {
		if name, ok := strings.CutPrefix(line, "# TYPE "); ok {
			f := strings.Fields(name)
			exported[f[0]] = true
			if f[1] == "histogram" {
				for _, suffix := range []string{"_bucket", "_sum", "_count"} {
					exported[f[0]+suffix] = true
				}
			}
		}
	}
	name := regexp.MustCompile(`\bbridge_[a-z0-9_]+`)
	used := map[string]string{}
	for _, line := range strings.Split(string(rules), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		for _, m := range name.FindAllString(line, -1) {
			used[m] = "config/prometheus-alerts.yml"
		}
	}
	for _, e := range exprs {
		for _, m := range name.FindAllString(e, -1) {
			used[m] = "config/grafana-dashboard.json"
		}
	}
	if len(used) < 10 {
		t.Fatalf("only %d metric names found in the monitoring files", len(used))
	}
	for m, file := range used {
		if !exported[m] {
			t.Errorf("%s uses %s, which /metrics does not export", file, m)
		}
	}
	// promtool (Debian package prometheus, which scripts/test.sh installs)
	// checks the rules' syntax; in CI its absence is a failure.
	path, err := exec.LookPath("promtool")
	if err != nil && os.Getenv("CI") == "true" {
		t.Fatal("promtool is not installed (Debian package prometheus); scripts/test.sh installs it")
	}
	if err == nil {
		out, err := exec.Command(path, "check", "rules", "../../config/prometheus-alerts.yml").CombinedOutput()
		if err != nil {
			t.Errorf("promtool check rules: %v\n%s", err, out)
		}
		// Its unit tests: a domain down 10 min, a late schedule, a failing kind fire.
		test := exec.Command(path, "test", "rules", "prometheus-alerts.test.yml")
		test.Dir = "../../config"
		if out, err := test.CombinedOutput(); err != nil {
			t.Errorf("promtool test rules: %v\n%s", err, out)
		}
	}
}
