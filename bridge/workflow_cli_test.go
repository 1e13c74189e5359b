package main

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/moodle"
)

// TestWorkflowCLI drives the lifecycle commands as an operator would:
// bootstrap twice, a parcours from a gabarit, sessions with calendar
// warnings, and a show that explains a refusal.
func TestWorkflowCLI(t *testing.T) {
	const token = "wf-token-abcdef0123456789"
	sim, _, cfg := simSite(t, token, "")
	r := runBridge(t, time.Minute, nil, "--config", cfg, "domains", "bootstrap")
	if r.code != 0 || !strings.Contains(r.stdout, "ac-a: 8 categories created") {
		t.Fatalf("first bootstrap: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runBridge(t, time.Minute, nil, "--config", cfg, "domains", "bootstrap", "--domain", "ac-a")
	if r.code != 0 || !strings.Contains(r.stdout, "ac-a: 0 categories created, 0 records changed") {
		t.Fatalf("second bootstrap: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	gab := regexp.MustCompile(`category gabarit\s+id (\d+)`).FindStringSubmatch(r.stdout)
	if gab == nil {
		t.Fatalf("no gabarit id in:\n%s", r.stdout)
	}
	client, err := moodle.New(moodle.Site{Name: "ac-a", WWWRoot: "http://" + sim.addr, Token: token}, moodle.Options{Timeout: 10 * time.Second, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	cat, _ := strconv.ParseInt(gab[1], 10, 64)
	created, err := client.CreateCourses(context.Background(), []moodle.CourseInput{{FullName: "Gabarit", ShortName: "GAB", CategoryID: moodle.Int(cat)}})
	if err != nil {
		t.Fatal(err)
	}
	gabarit := strconv.FormatInt(int64(created[0].ID), 10)

	r = runBridge(t, time.Minute, nil, "--config", cfg, "workflow", "run", "create-parcours", "--domain", "ac-a", "--course", gabarit, "--shortname", "PARC")
	if r.code != 0 || !strings.Contains(r.stdout, "succeeded") {
		t.Fatalf("create-parcours: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	parcours := regexp.MustCompile(`"course_id":(\d+)`).FindStringSubmatch(r.stdout)[1]
	r = runBridge(t, time.Minute, nil, "--config", cfg, "sessions", "create", "--domain", "ac-a", "--from", parcours, "--name", "Lecture",
		"--start", "2025-10-17", "--end", "2025-12-12", "--participants", "90", "--max", "25")
	if r.code != 0 || !strings.Contains(r.stdout, "warning start_eve_school_holidays") || strings.Count(r.stdout, "(created)") != 4 {
		t.Fatalf("sessions create: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	session := regexp.MustCompile(`session (\d+)\s+PARC-S1`).FindStringSubmatch(r.stdout)[1]
	r = runBridge(t, time.Minute, nil, "--config", cfg, "workflow", "show", "--domain", "ac-a", "--course", session)
	if r.code != 0 || !strings.Contains(r.stdout, "session_preparation") || !strings.Contains(r.stdout, "refused  open:") {
		t.Fatalf("workflow show: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runBridge(t, time.Minute, nil, "--config", cfg, "workflow", "run", "open", "--domain", "ac-a", "--course", session)
	if r.code != 1 || !strings.Contains(r.stderr, "metadata_missing") {
		t.Fatalf("open without metadata: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r = runBridge(t, time.Minute, nil, "--config", cfg, "workflow", "run", "--domain", "ac-a"); r.code != 2 {
		t.Fatalf("missing transition: exit %d", r.code)
	}
	if strings.Contains(r.stdout+r.stderr, token) {
		t.Fatal("token printed")
	}
}
