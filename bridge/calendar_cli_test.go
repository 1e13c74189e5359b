package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestCalendarCheckText(t *testing.T) {
	r := runBridge(t, 30*time.Second, nil, "calendar", "check", "--zone", "B", "--start", "2026-12-18", "--end", "22/12/2026")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"warning start_friday 2026-12-18", "warning start_eve_school_holidays 2026-12-18", "Vacances de Noël"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "calendar_unknown") {
		t.Errorf("December 2026 is in the data:\n%s", r.stdout)
	}
}

func TestCalendarCheckJSONUnknownAndVirtual(t *testing.T) {
	r := runBridge(t, 30*time.Second, nil, "--format", "json", "calendar", "check", "--zone", "A",
		"--start", "2028-09-11", "--end", "2028-10-06", "--virtual", "12/09/2028 19:30")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var out struct {
		Zone     string            `json:"zone"`
		Warnings []calendarWarning `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	var got []string
	for _, w := range out.Warnings {
		got = append(got, w.Code)
	}
	if out.Zone != "A" || strings.Join(got, ",") != "calendar_unknown,virtual_outside_hours" {
		t.Fatalf("zone %q warnings %v", out.Zone, got)
	}
	if w := out.Warnings[0]; w.Date != "2028-09-11" || w.FR != "calendrier scolaire inconnu pour le 11/09/2028 (zone A) : mettre à jour les données" || w.EN == "" {
		t.Errorf("calendar_unknown warning: %+v", w)
	}
}

func TestCalendarCheckZonesAndDomain(t *testing.T) {
	r := runBridge(t, 30*time.Second, nil, "calendar", "check", "--zone", "Z", "--start", "2027-01-11", "--end", "2027-01-29")
	if r.code != 2 || !strings.Contains(r.stderr, "guyane") {
		t.Errorf("unknown zone: exit %d, stderr %s", r.code, r.stderr)
	}
	dir := t.TempDir()
	writeFile(t, dir, "ac.token", "tok\n")
	good := writeFile(t, dir, "bridge.yaml", `
data_dir: `+dir+`
domains:
  - name: ac-guyane
    wwwroot: https://moodle.example/ac-guyane
    token_file: ac.token
    zone: guyane
    holidays: ["2026-10-17..2026-11-01 Toussaint"]
`)
	r = runBridge(t, 30*time.Second, nil, "--config", good, "calendar", "check", "--domain", "ac-guyane", "--start", "2026-10-19", "--end", "2026-10-30")
	if r.code != 0 || !strings.Contains(r.stdout, "start_in_school_holidays") || strings.Contains(r.stdout, "calendar_unknown") {
		t.Errorf("configured Guyane: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runBridge(t, 30*time.Second, nil, "--config", good, "calendar", "check", "--domain", "ac-guyane", "--start", "2027-06-09", "--end", "2027-06-11")
	if r.code != 0 || !strings.Contains(r.stdout, "calendar_unknown") || !strings.Contains(r.stdout, "Abolition de l'esclavage") {
		t.Errorf("Guyane in June 2027: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	bad := writeFile(t, dir, "bad.yaml", `
data_dir: `+dir+`
domains:
  - name: ac-x
    wwwroot: https://moodle.example/ac-x
    token_file: ac.token
    zone: atlantide
`)
	r = runBridge(t, 30*time.Second, nil, "--config", bad, "config", "check")
	if r.code != 2 || !strings.Contains(r.stderr, "domains[0].zone") || !strings.Contains(r.stderr, "A, B, C, corse") {
		t.Errorf("bad zone: exit %d, stderr %s", r.code, r.stderr)
	}
}
