package main

import (
	"context"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/moodle"
)

// TestArchiveCLI: dry run, archive without access with a backup,
// workflow show, unarchive back to the exact place, automatic archiving
// and retention dry runs, usage errors.
func TestArchiveCLI(t *testing.T) {
	const token = "archive-token-abcdef0123456789"
	sim, dir, cfg := simSite(t, token, `    archive_after_days: 5
`)
	if r := runBridge(t, time.Minute, nil, "--config", cfg, "domains", "bootstrap"); r.code != 0 {
		t.Fatalf("bootstrap: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	ctx := context.Background()
	client, err := moodle.New(moodle.Site{Name: "ac-a", WWWRoot: "http://" + sim.addr, Token: token}, moodle.Options{Timeout: 10 * time.Second, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	session, err := client.FindCategoryByIDNumber(ctx, "BRIDGE-SDF")
	if err != nil || session == nil {
		t.Fatalf("session category: %v", err)
	}
	archiveCat, err := client.FindCategoryByIDNumber(ctx, "BRIDGE-ARC")
	if err != nil || archiveCat == nil {
		t.Fatalf("archive category: %v", err)
	}
	created, err := client.CreateCourses(ctx, []moodle.CourseInput{{FullName: "Session A", ShortName: "SA", CategoryID: session.ID}})
	if err != nil {
		t.Fatal(err)
	}
	course := strconv.FormatInt(int64(created[0].ID), 10)
	base := []string{"--config", cfg, "archive", "--domain", "ac-a", "--course", course}

	r := runBridge(t, time.Minute, nil, append(base, "--access", "none", "--dry-run")...)
	if r.code != 0 || !strings.Contains(r.stdout, "dry run: archive course "+course) || !strings.Contains(r.stdout, "visible true -> false") {
		t.Fatalf("dry run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if c := getCourse(t, client, created[0].ID); int64(c.CategoryID) != int64(session.ID) {
		t.Fatal("dry run moved the course")
	}
	r = runBridge(t, time.Minute, nil, append(base, "--access", "none", "--backup")...)
	if r.code != 0 || !strings.Contains(r.stdout, "frozen true, hidden true") {
		t.Fatalf("archive: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	m := regexp.MustCompile(`backup: (\S+\.mbz)`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no backup path in:\n%s", r.stdout)
	}
	if fi, err := os.Stat(m[1]); err != nil || fi.Size() == 0 || !strings.HasPrefix(m[1], dir) {
		t.Fatalf("backup file %s: %v", m[1], err)
	}
	if c := getCourse(t, client, created[0].ID); c.CategoryID != archiveCat.ID || bool(c.Visible) {
		t.Fatalf("archived course: category %d visible %v", c.CategoryID, c.Visible)
	}
	r = runBridge(t, time.Minute, nil, "--config", cfg, "workflow", "show", "--domain", "ac-a", "--course", course)
	if r.code != 0 || !strings.Contains(r.stdout, "session_archivee") && !strings.Contains(r.stdout, "Session archivée") {
		t.Fatalf("workflow show: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runBridge(t, time.Minute, nil, "--config", cfg, "unarchive", "--domain", "ac-a", "--course", course)
	if r.code != 0 || !strings.Contains(r.stdout, "unarchived course "+course) {
		t.Fatalf("unarchive: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if c := getCourse(t, client, created[0].ID); c.CategoryID != session.ID || !bool(c.Visible) {
		t.Fatalf("unarchived course: category %d visible %v", c.CategoryID, c.Visible)
	}
	if r = runBridge(t, time.Minute, nil, "--config", cfg, "unarchive", "--domain", "ac-a", "--course", course); r.code != 1 {
		t.Fatalf("second unarchive: exit %d, want 1\n%s", r.code, r.stderr)
	}

	// Without an end date the session is never due; once it ended 10 days
	// ago, past archive_after_days (5), it is.
	r = runBridge(t, time.Minute, nil, "--config", cfg, "archive", "auto", "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, "would archive 0 course(s)") {
		t.Fatalf("auto dry run without end date: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	end := time.Now().Add(-10 * 24 * time.Hour).Unix()
	start := end - 7*24*3600
	if _, err := client.UpdateCourses(ctx, []moodle.CourseUpdate{{ID: created[0].ID, StartDate: &start, EndDate: &end}}); err != nil {
		t.Fatal(err)
	}
	// It was unarchived on purpose: automatic archiving leaves it, and says so.
	r = runBridge(t, time.Minute, nil, "--config", cfg, "archive", "auto", "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, "would archive 0 course(s)") || !strings.Contains(r.stdout, "SA: reopened by unarchive") {
		t.Fatalf("auto dry run of a reopened session: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Archived again by hand, then reopened no more: auto takes it when due.
	if r = runBridge(t, time.Minute, nil, append(base, "--access", "none")...); r.code != 0 {
		t.Fatalf("archive again: exit %d\n%s", r.code, r.stderr)
	}
	if r = runBridge(t, time.Minute, nil, "--config", cfg, "unarchive", "--domain", "ac-a", "--course", course); r.code != 0 {
		t.Fatalf("unarchive again: exit %d\n%s", r.code, r.stderr)
	}
	r = runBridge(t, time.Minute, nil, "--config", cfg, "archive", "auto", "--domain", "ac-a", "--yes")
	if r.code != 0 || strings.Contains(r.stdout, "course "+course+": archived") {
		t.Fatalf("auto after a second unarchive: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runBridge(t, time.Minute, nil, "--config", cfg, "retention", "run", "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, "0 course(s)") {
		t.Fatalf("retention dry run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	for _, args := range [][]string{
		{"--config", cfg, "archive", "--domain", "ac-a"},
		append(base, "--access", "writable"),
		{"--config", cfg, "archive", "auto", "--access", "writable"},
		{"--config", cfg, "archive", "--domain", "nowhere", "--course", "3"},
	} {
		if r = runBridge(t, time.Minute, nil, args...); r.code != 2 {
			t.Fatalf("%v: exit %d, want 2\n%s", args, r.code, r.stderr)
		}
	}
	if strings.Contains(r.stdout+r.stderr, token) {
		t.Fatal("token printed")
	}
}

func getCourse(t *testing.T, c *moodle.Client, id moodle.Int) moodle.Course {
	t.Helper()
	cs, err := c.GetCourses(context.Background(), []moodle.Int{id})
	if err != nil || len(cs) != 1 {
		t.Fatalf("course %d: %v %v", id, cs, err)
	}
	return cs[0]
}
