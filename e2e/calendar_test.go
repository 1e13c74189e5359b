package e2e

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestSessionsCreateEveryZone runs `sessions create` once per school zone
// of the example configuration (and La Réunion, whose 2026/2027 calendar
// is shipped) with an evening virtual class: every zone creates its
// session, zones A, B and C warn about Noël (La Réunion about its austral summer), zones without data warn
// calendar_unknown, and the sessions are the same on the real site and on
// the simulator.
func TestSessionsCreateEveryZone(t *testing.T) {
	run(t, "sessions-create-every-zone", func(e *env) *state {
		raw, err := os.ReadFile("../config/bridge.example.yaml")
		if err != nil {
			e.t.Fatal(err)
		}
		var zones []string
		for _, m := range regexp.MustCompile(`(?m)^[\s#]*zone:\s*"?([^"#\s]+)"?`).FindAllStringSubmatch(string(raw), -1) {
			zones = append(zones, m[1])
		}
		zones = append(zones, "reunion")
		parc := e.parcours("academie", "E2E-ZONES")
		cfg, err := os.ReadFile(e.config)
		if err != nil {
			e.t.Fatal(err)
		}
		academie := regexp.MustCompile(`(?s)(- name: academie\n.*?zone: )\S+`)
		if !academie.Match(cfg) {
			e.t.Fatalf("no academie zone in\n%s", cfg)
		}
		st := newState()
		for i, zone := range zones {
			if err := os.WriteFile(e.config, academie.ReplaceAll(cfg, []byte("${1}"+zone)), 0o600); err != nil {
				e.t.Fatal(err)
			}
			out := e.ok("sessions", "create", "--domain", "academie", "--from", parc, "--name", "Session "+zone,
				"--pattern", fmt.Sprintf("%s-Z%d-{n}", parc, i), "--start", "2026-12-18", "--end", "2027-02-05",
				"--virtual", "26/01/2027 18:30")
			if strings.Count(out, "(created)") != 1 || !strings.Contains(out, "warning virtual_outside_hours") {
				e.t.Errorf("[%s] zone %s:\n%s", e.tg.kind, zone, out)
			}
			metro := zone == "A" || zone == "B" || zone == "C"
			if (metro || zone == "reunion") != strings.Contains(out, "warning start_eve_school_holidays") ||
				(zone == "reunion") != strings.Contains(out, "Vacances d'été austral") ||
				(metro || zone == "reunion") == strings.Contains(out, "warning calendar_unknown") {
				e.t.Errorf("[%s] zone %s warnings:\n%s", e.tg.kind, zone, out)
			}
			e.snapCourse(st, "academie", fmt.Sprintf("%s-Z%d-1", parc, i))
		}
		return st
	})
}
