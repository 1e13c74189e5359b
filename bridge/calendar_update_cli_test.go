package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/calendar"
	"github.com/magistere/bridge/internal/config"
	"github.com/magistere/bridge/internal/moodle"
)

// TestCalendarUpdateFromFile: export the data in use, refuse it back (not
// newer), refuse a broken file, install a newer one atomically where
// calendar_file points, and see calendar check use it.
func TestCalendarUpdateFromFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "ac.token", "tok\n")
	calFile := filepath.Join(dir, "cal", "calendar.csv")
	cfg := writeFile(t, dir, "bridge.yaml", `
data_dir: `+dir+`
calendar_file: `+calFile+`
domains:
  - name: ac-a
    wwwroot: https://moodle.example/ac-a
    token_file: ac.token
    zone: A
`)
	exported := filepath.Join(dir, "export.csv")
	r := runBridge(t, 30*time.Second, nil, "--config", cfg, "calendar", "export", "--out", exported)
	if r.code != 0 || !strings.Contains(r.stdout, "(embedded, taken 2026-12-06)") {
		t.Fatalf("export: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	raw, err := os.ReadFile(exported)
	if err != nil || !strings.HasPrefix(string(raw), calendar.DataFormat+"\n# taken: 2026-12-06\n") {
		t.Fatalf("exported file: %v\n%.200s", err, raw)
	}

	// Not newer than the data in use: refused in one sentence, nothing written.
	r = runBridge(t, 30*time.Second, nil, "--config", cfg, "calendar", "update", "--from", exported)
	if r.code != 1 || !strings.Contains(r.stderr, "taken on 2026-12-06, not after the calendar data in use (embedded, taken on 2026-12-06); nothing was installed") {
		t.Fatalf("same date: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(calFile); !os.IsNotExist(err) {
		t.Fatalf("refused update wrote calendar_file: %v", err)
	}

	// Invalid: the line and the problem, nothing written.
	newer := strings.Replace(string(raw), "# taken: 2026-12-06", "# taken: 2027-03-15", 1)
	broken := writeFile(t, dir, "broken.csv", newer+"holiday,A,2028-10-21,2028-11-05\n")
	r = runBridge(t, 30*time.Second, nil, "--config", cfg, "calendar", "update", "--from", broken)
	if r.code != 1 || !regexp.MustCompile(`refused: .*broken\.csv line \d+: want 5 fields`).MatchString(r.stderr) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
		t.Fatalf("broken: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// Newer, extending zone A to school year 2028/2029's Toussaint.
	newer = strings.Replace(newer, "coverage,A,2015-01-01,2028-07-04,", "coverage,A,2015-01-01,2028-12-15,", 1) +
		"holiday,A,2028-07-05,2028-08-31,Vacances d'été\nholiday,A,2028-10-21,2028-11-05,Vacances de la Toussaint\n"
	good := writeFile(t, dir, "calendrier-2027-03.csv", newer)
	r = runBridge(t, 30*time.Second, nil, "--config", cfg, "calendar", "update", "--from", good)
	if r.code != 0 || !strings.Contains(r.stdout, "taken 2027-03-15) at "+calFile) ||
		!strings.Contains(r.stdout, "known until 2028-12-15 (was 2028-07-04)") {
		t.Fatalf("update: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if got, _ := os.ReadFile(calFile); string(got) != newer {
		t.Fatal("calendar_file differs from the file given")
	}
	r = runBridge(t, 30*time.Second, nil, "--config", cfg, "--format", "json", "calendar", "check", "--domain", "ac-a", "--start", "2028-10-20", "--end", "2028-11-24")
	var out struct {
		Warnings []calendarWarning `json:"warnings"`
		Data     struct{ Origin, Taken string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 {
		t.Fatalf("check after update: %v exit %d\n%s%s", err, r.code, r.stdout, r.stderr)
	}
	var codes []string
	for _, w := range out.Warnings {
		codes = append(codes, w.Code)
	}
	if strings.Join(codes, ",") != "start_friday,start_eve_school_holidays,crosses_school_holidays" || out.Data.Origin != calFile || out.Data.Taken != "2027-03-15" {
		t.Fatalf("check after update: %v %+v", codes, out.Data)
	}
	// The same file again is not newer any more.
	if r = runBridge(t, 30*time.Second, nil, "--config", cfg, "calendar", "update", "--from", good); r.code != 1 || !strings.Contains(r.stderr, "not after") {
		t.Fatalf("second update: exit %d\n%s", r.code, r.stderr)
	}

	// A damaged calendar_file is a configuration error naming the key.
	os.WriteFile(calFile, []byte("garbage\n"), 0o644)
	r = runBridge(t, 30*time.Second, nil, "--config", cfg, "config", "check")
	if r.code != 2 || !strings.Contains(r.stderr, "calendar_file") || !strings.Contains(r.stderr, "remove it to use the embedded copy") {
		t.Fatalf("damaged calendar_file: exit %d\n%s", r.code, r.stderr)
	}
	if r = runBridge(t, 30*time.Second, nil, "--config", cfg, "calendar", "update"); r.code != 2 {
		t.Fatalf("update without --from: exit %d", r.code)
	}
}

func TestCalendarStatusHorizon(t *testing.T) {
	emb, err := calendar.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	day := func(s string) time.Time { v, _ := time.Parse(time.DateOnly, s); return v }
	for _, tc := range []struct {
		d           config.Domain
		today, want string // want: known_until
		warn        string
	}{
		{config.Domain{Zone: "B"}, "2026-12-06", "2028-07-04", ""},
		{config.Domain{Zone: "B"}, "2028-03-01", "2028-07-04", "known only until 04/07/2028, less than 6 months ahead"},
		{config.Domain{Zone: "nouvelle-caledonie"}, "2026-12-06", "2026-12-18", "zone Nouvelle-Calédonie known only until 18/12/2026"},
		{config.Domain{Zone: "guyane"}, "2026-12-06", "", "zone Guyane unknown from today"},
		{config.Domain{Zone: "guyane", Holidays: []string{"2026-12-01..2027-08-31 année configurée"}}, "2026-12-06", "2027-06-06", ""},
		{config.Domain{Zone: "reunion"}, "2027-03-01", "2027-07-02", "zone La Réunion known only until 02/07/2027"},
	} {
		st := calendarStatus(tc.d, emb, day(tc.today))
		if st == nil || st.KnownUntil != tc.want || (tc.warn == "") != (st.Warning == "") || !strings.Contains(st.Warning, tc.warn) {
			t.Errorf("%s on %s: %+v, want known until %q and warning %q", tc.d.Zone, tc.today, st, tc.want, tc.warn)
		}
	}
	if st := calendarStatus(config.Domain{}, emb, day("2026-12-06")); st != nil {
		t.Errorf("no zone: %+v", st)
	}
}

// exampleZones are the zones config/bridge.example.yaml names, commented-out
// examples included.
func exampleZones(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile("../config/bridge.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var zones []string
	for _, m := range regexp.MustCompile(`(?m)^[\s#]*zone:\s*"?([^"#\s]+)"?`).FindAllStringSubmatch(string(raw), -1) {
		zones = append(zones, m[1])
	}
	if len(zones) < 3 {
		t.Fatalf("found zones %v in the example, want at least 3", zones)
	}
	return zones
}

// TestSessionsCreateEveryExampleZone runs each zone of the example
// configuration through `sessions create` on the simulator (with a virtual
// class in the evening): no error, sessions made, the planning warnings
// printed, calendar_unknown where the data stops; and `domains check` says
// how far each zone is known.
func TestSessionsCreateEveryExampleZone(t *testing.T) {
	const token = "zones-token-abcdef0123456789"
	sim := startBridge(t, nil, "moodlesim", "--listen", "127.0.0.1:0", "--token", token, "--sites", "ac-z")
	dir := t.TempDir()
	cfgFor := func(zone string) string {
		return writeFile(t, dir, "bridge-"+zone+".yaml", `
data_dir: `+dir+`
domains:
  - name: ac-z
    wwwroot: http://`+sim.addr+`
    token: `+token+`
    zone: `+zone+`
`)
	}
	zones := exampleZones(t)
	cfg := cfgFor(zones[0])
	if r := runBridge(t, time.Minute, nil, "--config", cfg, "domains", "bootstrap"); r.code != 0 {
		t.Fatalf("bootstrap: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r := runBridge(t, time.Minute, nil, "--config", cfg, "domains", "bootstrap", "--domain", "ac-z")
	gab := regexp.MustCompile(`category gabarit\s+id (\d+)`).FindStringSubmatch(r.stdout)
	if gab == nil {
		t.Fatalf("no gabarit id in:\n%s", r.stdout)
	}
	client, err := moodle.New(moodle.Site{Name: "ac-z", WWWRoot: "http://" + sim.addr, Token: token}, moodle.Options{Timeout: 10 * time.Second, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	cat, _ := strconv.ParseInt(gab[1], 10, 64)
	created, err := client.CreateCourses(context.Background(), []moodle.CourseInput{{FullName: "Gabarit", ShortName: "GABZ", CategoryID: moodle.Int(cat)}})
	if err != nil {
		t.Fatal(err)
	}
	r = runBridge(t, time.Minute, nil, "--config", cfg, "workflow", "run", "create-parcours", "--domain", "ac-z",
		"--course", strconv.FormatInt(int64(created[0].ID), 10), "--shortname", "PZ")
	m := regexp.MustCompile(`"course_id":(\d+)`).FindStringSubmatch(r.stdout)
	if r.code != 0 || m == nil {
		t.Fatalf("create-parcours: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	parcours := m[1]
	for i, zone := range zones {
		cfg := cfgFor(zone)
		// Friday 18/12/2026, the eve of Noël in zones A, B and C; an
		// evening virtual class in the last week of January 2027.
		r := runBridge(t, time.Minute, nil, "--config", cfg, "sessions", "create", "--domain", "ac-z", "--from", parcours,
			"--name", "Session "+zone, "--pattern", "PZ"+strconv.Itoa(i)+"-{n}", "--start", "2026-12-18", "--end", "2027-02-05",
			"--virtual", "26/01/2027 18:30")
		if r.code != 0 || strings.Count(r.stdout, "(created)") != 1 || !strings.Contains(r.stdout, "warning start_friday") ||
			!strings.Contains(r.stdout, "warning virtual_outside_hours") {
			t.Errorf("zone %s: exit %d\n%s%s", zone, r.code, r.stdout, r.stderr)
			continue
		}
		known := zone == "A" || zone == "B" || zone == "C"
		if known != strings.Contains(r.stdout, "warning start_eve_school_holidays") || known == strings.Contains(r.stdout, "warning calendar_unknown") {
			t.Errorf("zone %s (known %v):\n%s", zone, known, r.stdout)
		}
		r = runBridge(t, time.Minute, nil, "--config", cfg, "domains", "check")
		want := "ac-z: school calendar of zone " + strings.ToUpper(zone) + " known until 2028-07-04 (embedded)"
		if !known || !time.Now().Before(time.Date(2028, 1, 4, 0, 0, 0, 0, time.UTC)) {
			want = "ac-z: WARNING calendar: school calendar of zone"
		}
		if !strings.Contains(r.stdout, want) {
			t.Errorf("domains check, zone %s: want %q in\n%s", zone, want, r.stdout)
		}
	}
}
