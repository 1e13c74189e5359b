package calendar

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Paris must load on minimal images
)

func d(s string) time.Time {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		panic(err)
	}
	return t
}

func mustNew(t testing.TB, opts Options) *Calendar {
	t.Helper()
	c, err := New(opts)
	if err != nil {
		t.Fatalf("New(%+v): %v", opts, err)
	}
	return c
}

func codes(ws []Warning) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Code)
	}
	return out
}

func TestEaster(t *testing.T) {
	for year, want := range map[int]string{
		2024: "2024-03-31", 2025: "2025-04-20", 2026: "2026-04-05",
		2000: "2000-04-23", 2019: "2019-04-21", 2038: "2038-04-25", 2285: "2285-03-22",
	} {
		if got := Easter(year).Format(dateLayout); got != want {
			t.Errorf("Easter(%d) = %s, want %s", year, got, want)
		}
	}
}

func TestPublicHolidaysMetropole2025(t *testing.T) {
	var got []string
	for _, h := range PublicHolidays(2025, "") {
		got = append(got, h.Date.Format(dateLayout))
	}
	want := []string{"2025-01-01", "2025-04-21", "2025-05-01", "2025-05-08", "2025-05-29",
		"2025-06-09", "2025-07-14", "2025-08-15", "2025-11-01", "2025-11-11", "2025-12-25"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}

func TestRegionalPublicHolidays(t *testing.T) {
	cases := []struct {
		region, day string
		want        bool
	}{
		{"alsace-moselle", "2025-04-18", true}, // Vendredi saint 2025
		{"Alsace", "2024-03-29", true},         // Vendredi saint 2024
		{"alsace-moselle", "2025-12-26", true},
		{"", "2025-04-18", false},
		{"", "2025-12-26", false},
		{"guyane", "2025-06-10", true},
		{"973", "2026-06-10", true},
		{"", "2025-06-10", false},
		{"martinique", "2025-05-22", true},
		{"guadeloupe", "2025-05-27", true},
		{"martinique", "2025-05-27", false},
		{"La Réunion", "2025-12-20", true},
		{"mayotte", "2025-04-27", true},
		{"", "2025-07-14", true},
		{"guyane", "2025-07-14", true},
	}
	for _, tc := range cases {
		c := mustNew(t, Options{Region: tc.region})
		if got := c.IsPublicHoliday(d(tc.day)); got != tc.want {
			t.Errorf("region %q, %s: IsPublicHoliday = %v, want %v", tc.region, tc.day, got, tc.want)
		}
	}
}

func TestNewRejectsUnknownZoneAndRegion(t *testing.T) {
	if _, err := New(Options{Zone: "D"}); err == nil {
		t.Error("zone D accepted")
	}
	if _, err := New(Options{Region: "atlantis"}); err == nil {
		t.Error("region atlantis accepted")
	}
	c := mustNew(t, Options{Zone: "zone b"})
	if c.Zone() != "B" {
		t.Errorf("Zone() = %q, want B", c.Zone())
	}
}

func TestFridayBeforeToussaint2025ZoneA(t *testing.T) {
	c := mustNew(t, Options{Zone: "A"})
	r, ok := c.SchoolHolidayOn(d("2025-10-18"))
	if !ok || r.Name != "Vacances de la Toussaint" || !r.Start.Equal(d("2025-10-18")) || !r.End.Equal(d("2025-11-02")) {
		t.Fatalf("SchoolHolidayOn(2025-10-18) = %+v, %v", r, ok)
	}
	ws := c.CheckSession(SessionPlan{Start: d("2025-10-17"), End: d("2025-10-17")})
	want := []string{CodeStartFriday, CodeStartEveSchoolHoliday}
	if !slices.Equal(codes(ws), want) {
		t.Fatalf("codes = %v, want %v", codes(ws), want)
	}
	for _, w := range ws {
		if w.MessageFR == "" || w.MessageEN == "" || !w.Date.Equal(d("2025-10-17")) {
			t.Errorf("incomplete warning %+v", w)
		}
	}
}

func TestStartWarnings(t *testing.T) {
	c := mustNew(t, Options{Zone: "A"})
	cases := map[string][]string{
		"2025-11-10": {CodeStartEvePublicHoliday}, // Monday before 11 Nov
		"2025-11-11": {CodeStartPublicHoliday},    // Armistice, a Tuesday
		"2025-11-15": {CodeStartWeekend},          // Saturday
		"2025-10-22": {CodeStartInSchoolHolidays}, // Toussaint
		"2025-07-14": {CodeStartPublicHoliday, CodeStartInSchoolHolidays},
		"2025-11-13": nil,                                          // plain Thursday
		"2025-05-07": {CodeStartEvePublicHoliday},                  // before 8 May
		"2026-02-06": {CodeStartFriday, CodeStartEveSchoolHoliday}, // before winter holidays zone A
	}
	for day, want := range cases {
		if got := codes(c.StartWarnings(d(day))); !slices.Equal(got, want) {
			t.Errorf("%s: codes = %v, want %v", day, got, want)
		}
	}
}

func TestRemoteWorkload(t *testing.T) {
	c := mustNew(t, Options{Zone: "A"})
	// Four plain working weeks (Monday 17 Nov to Sunday 14 Dec 2025).
	plan := SessionPlan{Start: d("2025-11-17"), End: d("2025-12-14"), RemoteMinutes: 12 * 60}
	if got := codes(c.CheckSession(plan)); !slices.Equal(got, []string{CodeRemoteWorkload}) {
		t.Fatalf("12 h over 4 weeks: codes = %v", got)
	}
	plan.RemoteMinutes = 8 * 60
	if got := c.CheckSession(plan); len(got) != 0 {
		t.Fatalf("8 h over 4 weeks: unexpected warnings %v", codes(got))
	}
	if weeks, days := c.WorkingWeeks(plan.Start, plan.End); weeks != 4 || days != 20 {
		t.Fatalf("WorkingWeeks = %d weeks, %d days; want 4, 20", weeks, days)
	}
}

func TestPlainWorkingWeeksNoWarning(t *testing.T) {
	c := mustNew(t, Options{Zone: "C", Region: "metropole"})
	plan := SessionPlan{Start: d("2025-11-18"), End: d("2025-12-12"), RemoteMinutes: 6 * 60, InPersonMinutes: 6 * 60}
	if ws := c.CheckSession(plan); len(ws) != 0 {
		t.Fatalf("unexpected warnings: %+v", ws)
	}
}

func TestSessionCrossingToussaintExcludesHolidayWeeks(t *testing.T) {
	c := mustNew(t, Options{Zone: "B"})
	// 6 Oct to 16 Nov 2025: 6 calendar weeks, 2 of them Toussaint, and 11 Nov.
	plan := SessionPlan{Start: d("2025-10-06"), End: d("2025-11-16"), RemoteMinutes: 9 * 60}
	ws := c.CheckSession(plan)
	if got := codes(ws); !slices.Equal(got, []string{CodeRemoteWorkload, CodeCrossesSchoolHolidays}) {
		t.Fatalf("codes = %v", got)
	}
	if weeks, days := c.WorkingWeeks(plan.Start, plan.End); weeks != 4 || days != 19 {
		t.Fatalf("WorkingWeeks = %d, %d; want 4 weeks, 19 days", weeks, days)
	}
	if !ws[1].Date.Equal(d("2025-10-18")) || !strings.Contains(ws[1].MessageFR, "Toussaint") {
		t.Fatalf("crossing warning = %+v", ws[1])
	}
}

func TestInvalidSpan(t *testing.T) {
	c := mustNew(t, Options{Zone: "A"})
	ws := c.CheckSession(SessionPlan{Start: d("2025-11-20"), End: d("2025-11-19")})
	if got := codes(ws); !slices.Equal(got, []string{CodeInvalidSpan}) {
		t.Fatalf("codes = %v", got)
	}
}

func TestNextWorkingDayAndSuggestStart(t *testing.T) {
	c := mustNew(t, Options{Zone: "A"})
	cases := map[string]string{
		"2025-10-17": "2025-11-03", // Friday before Toussaint
		"2025-11-10": "2025-11-12", // skip Armistice
		"2025-11-13": "2025-11-14",
		"2025-11-14": "2025-11-17", // skip weekend
	}
	for from, want := range cases {
		if got := c.NextWorkingDay(d(from)).Format(dateLayout); got != want {
			t.Errorf("NextWorkingDay(%s) = %s, want %s", from, got, want)
		}
	}
	if got := c.SuggestStart(d("2025-10-17")).Format(dateLayout); got != "2025-11-03" {
		t.Errorf("SuggestStart = %s, want 2025-11-03", got)
	}
	if got := c.SuggestStart(d("2025-11-13")).Format(dateLayout); got != "2025-11-13" {
		t.Errorf("SuggestStart on a good day = %s", got)
	}
}

func TestLocalTimeIsReducedToItsOwnDay(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	c := mustNew(t, Options{})
	// 00:30 in Paris on 14 July is still 13 July in UTC.
	if !c.IsPublicHoliday(time.Date(2025, 7, 14, 0, 30, 0, 0, paris)) {
		t.Fatal("14 July 00:30 Paris not seen as a holiday")
	}
}

func TestParseRangesAndExtraRanges(t *testing.T) {
	rs, err := ParseRanges([]string{
		"# Guyane 2025-2026",
		"2025-10-18..2025-11-02 Vacances de la Toussaint",
		"",
		"2026-02-14..2026-03-01",
	})
	if err != nil {
		t.Fatalf("ParseRanges: %v", err)
	}
	if len(rs) != 2 || rs[0].Name != "Vacances de la Toussaint" || rs[1].Name != "" || !rs[1].End.Equal(d("2026-03-01")) {
		t.Fatalf("ranges = %+v", rs)
	}
	c := mustNew(t, Options{Region: "guyane", Extra: rs})
	if _, ok := c.SchoolHolidayOn(d("2026-02-20")); !ok {
		t.Error("extra range not used")
	}
	if _, ok := c.SchoolHolidayOn(d("2025-12-24")); ok {
		t.Error("no zone: metropolitan Christmas holidays must not apply")
	}
	for _, bad := range []string{"2025-10-18 2025-11-02", "2025-13-01..2025-12-01", "2025-11-02..2025-10-18 x", "2025-10-18..nope"} {
		if _, err := ParseRanges([]string{bad}); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("ParseRanges(%q) error = %v, want a line-1 error", bad, err)
		}
	}
}

// sharedDir finds <repo root>/../shared/<sub>, the repo root being the
// directory holding go.mod above the working directory.
func sharedDir(t testing.TB, sub string) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "..", "shared", sub)
			if _, err := os.Stat(p); err == nil {
				return p
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// TestEmbeddedRangesMatchDailyFile checks the committed range file against
// the public daily file, day by day, zones A, B and C, from 2015 to the end
// of school year 2025/2026 (2026-08-30), the last one the daily file knows:
// after it the daily file says "no holidays" for lack of data, and the
// transcribed official calendars take over (TestOfficial* tests).
func TestEmbeddedRangesMatchDailyFile(t *testing.T) {
	dir := sharedDir(t, "calendar")
	path := filepath.Join(dir, "vacances-scolaires.csv")
	if _, err := os.Stat(path); dir == "" || err != nil {
		t.Skip("shared/calendar/vacances-scolaires.csv not present; covered by TestEmbeddedRangesFixture")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cals := map[string]*Calendar{}
	for _, z := range []string{"A", "B", "C"} {
		cals[z] = mustNew(t, Options{Zone: z})
	}
	sc := bufio.NewScanner(f)
	checked := 0
	for sc.Scan() {
		rec := strings.Split(sc.Text(), ",")
		if len(rec) != 5 || rec[0] < "2015-01-01" || rec[0] > "2026-08-30" {
			continue
		}
		day := d(rec[0])
		for i, z := range []string{"A", "B", "C"} {
			r, got := cals[z].SchoolHolidayOn(day)
			want := rec[1+i] == "True"
			if got != want || (want && r.Name != rec[4]) {
				t.Fatalf("%s zone %s: embedded says %v (%q), daily file says %v (%q)", rec[0], z, got, r.Name, want, rec[4])
			}
		}
		checked++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if checked != 4260 { // days from 2015-01-01 to 2026-08-30
		t.Fatalf("checked %d days, want 4260", checked)
	}
}

// TestEmbeddedRangesFixture runs without the shared data: a few days copied
// from the daily file.
func TestEmbeddedRangesFixture(t *testing.T) {
	data, err := os.ReadFile("testdata/daily_sample.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")[1:]
	if len(lines) < 10 {
		t.Fatalf("fixture too small: %d lines", len(lines))
	}
	for _, line := range lines {
		rec := strings.Split(strings.TrimSpace(line), ",")
		for i, z := range []string{"A", "B", "C"} {
			r, got := mustNew(t, Options{Zone: z}).SchoolHolidayOn(d(rec[0]))
			if want := rec[1+i] == "True"; got != want || (want && r.Name != rec[4]) {
				t.Errorf("%s zone %s: got %v %q, want %v %q", rec[0], z, got, r.Name, want, rec[4])
			}
		}
	}
}

func BenchmarkCheckSession(b *testing.B) {
	c := mustNew(b, Options{Zone: "A"})
	plan := SessionPlan{Start: d("2025-09-15"), End: d("2026-06-30"), RemoteMinutes: 40 * 60}
	for b.Loop() {
		c.CheckSession(plan)
	}
}

func TestCalendarIsSafeForConcurrentUse(t *testing.T) {
	c := mustNew(t, Options{Zone: "A", Region: "alsace-moselle"})
	done := make(chan []string)
	for i := 0; i < 4; i++ {
		go func(year int) {
			plan := SessionPlan{Start: time.Date(year, 10, 17, 0, 0, 0, 0, time.UTC), End: time.Date(year, 12, 20, 0, 0, 0, 0, time.UTC)}
			done <- codes(c.CheckSession(plan))
		}(2022 + i)
	}
	for i := 0; i < 4; i++ {
		if ws := <-done; len(ws) == 0 {
			t.Error("a session across Toussaint got no warning")
		}
	}
}
