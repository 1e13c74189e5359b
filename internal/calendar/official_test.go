package calendar

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// officialCases are the transcribed official calendars (see the header of
// data/school_holidays_official.csv): first and last day without class.
var officialCases = []struct {
	zone, name, first, last string
}{
	// 2026/2027
	{"A", "Vacances de la Toussaint", "2026-10-17", "2026-11-01"},
	{"B", "Vacances de la Toussaint", "2026-10-17", "2026-11-01"},
	{"C", "Vacances de la Toussaint", "2026-10-17", "2026-11-01"},
	{"A", "Vacances de Noël", "2026-12-19", "2027-01-03"},
	{"B", "Vacances de Noël", "2026-12-19", "2027-01-03"},
	{"C", "Vacances de Noël", "2026-12-19", "2027-01-03"},
	{"A", "Vacances d'hiver", "2027-02-13", "2027-02-28"},
	{"B", "Vacances d'hiver", "2027-02-20", "2027-03-07"},
	{"C", "Vacances d'hiver", "2027-02-06", "2027-02-21"},
	{"A", "Vacances de printemps", "2027-04-10", "2027-04-25"},
	{"B", "Vacances de printemps", "2027-04-17", "2027-05-02"},
	{"C", "Vacances de printemps", "2027-04-03", "2027-04-18"},
	{"A", "Vacances d'été", "2027-07-03", "2027-08-31"},
	// 2027/2028
	{"A", "Vacances de la Toussaint", "2027-10-23", "2027-11-07"},
	{"B", "Vacances de la Toussaint", "2027-10-23", "2027-11-07"},
	{"C", "Vacances de la Toussaint", "2027-10-23", "2027-11-07"},
	{"A", "Vacances de Noël", "2027-12-18", "2028-01-02"},
	{"B", "Vacances de Noël", "2027-12-18", "2028-01-02"},
	{"C", "Vacances de Noël", "2027-12-18", "2028-01-02"},
	{"A", "Vacances d'hiver", "2028-02-19", "2028-03-05"},
	{"B", "Vacances d'hiver", "2028-02-05", "2028-02-20"},
	{"C", "Vacances d'hiver", "2028-02-12", "2028-02-27"},
	{"A", "Vacances de printemps", "2028-04-22", "2028-05-08"},
	{"B", "Vacances de printemps", "2028-04-08", "2028-04-23"},
	{"C", "Vacances de printemps", "2028-04-15", "2028-05-01"},
}

func TestOfficialHolidays2026To2028(t *testing.T) {
	for _, tc := range officialCases {
		c := mustNew(t, Options{Zone: tc.zone})
		first, last := d(tc.first), d(tc.last)
		for _, day := range []time.Time{first, last} {
			r, ok := c.SchoolHolidayOn(day)
			if !ok || r.Name != tc.name || !r.Start.Equal(first) || !r.End.Equal(last) {
				t.Errorf("zone %s %s: SchoolHolidayOn = %+v %v, want %s %s..%s", tc.zone, day.Format(dateLayout), r, ok, tc.name, tc.first, tc.last)
			}
		}
		for _, day := range []time.Time{first.AddDate(0, 0, -1), last.AddDate(0, 0, 1)} {
			if r, ok := c.SchoolHolidayOn(day); ok {
				t.Errorf("zone %s %s: in holidays %q, want a school day around %s", tc.zone, day.Format(dateLayout), r.Name, tc.name)
			}
			if !c.Known(day) {
				t.Errorf("zone %s %s: not known", tc.zone, day.Format(dateLayout))
			}
		}
		// The official order's "reprise des cours" is the day after last:
		// a Monday, or a Tuesday after a Monday public holiday (1 and 8 May
		// 2028), or the teachers' 1 September.
		if tc.name != "Vacances d'été" {
			reprise := last.AddDate(0, 0, 1)
			if reprise.Weekday() != time.Monday && !(reprise.Weekday() == time.Tuesday && c.IsPublicHoliday(last)) {
				t.Errorf("zone %s %s: reprise %s is a %s", tc.zone, tc.name, reprise.Format(dateLayout), reprise.Weekday())
			}
			if first.Weekday() != time.Saturday {
				t.Errorf("zone %s %s: first day %s is a %s, want the Saturday", tc.zone, tc.name, tc.first, first.Weekday())
			}
		}
	}
}

// The case: 18-22 December 2026 in zone B was silently blind.
func TestChristmas2026ZoneBWarns(t *testing.T) {
	c := mustNew(t, Options{Zone: "B"})
	ws := c.CheckSession(SessionPlan{Start: d("2026-12-18"), End: d("2026-12-22")})
	got := codes(ws)
	want := []string{CodeStartFriday, CodeStartEveSchoolHoliday, CodeCrossesSchoolHolidays}
	if !slices.Equal(got, want) {
		t.Fatalf("codes = %v, want %v (%+v)", got, want, ws)
	}
	if !strings.Contains(ws[1].MessageFR, "Vacances de Noël") {
		t.Errorf("eve warning does not name Christmas: %s", ws[1].MessageFR)
	}
}

func TestStartInEachZonesWinterAndSpring(t *testing.T) {
	for _, tc := range officialCases {
		c := mustNew(t, Options{Zone: tc.zone})
		ws := c.CheckSession(SessionPlan{Start: d(tc.first).AddDate(0, 0, 2), End: d(tc.last).AddDate(0, 0, 8)})
		i := slices.Index(codes(ws), CodeStartInSchoolHolidays)
		if i < 0 || !strings.Contains(ws[i].MessageFR, tc.name) {
			t.Errorf("zone %s %s: warnings %v", tc.zone, tc.name, codes(ws))
		}
		if slices.Contains(codes(ws), CodeCalendarUnknown) {
			t.Errorf("zone %s %s: calendar_unknown inside the data", tc.zone, tc.name)
		}
	}
}

func TestBeyondTheDataIsNeverSilent(t *testing.T) {
	c := mustNew(t, Options{Zone: "zone A"})
	ws := c.CheckSession(SessionPlan{Start: d("2028-09-15"), End: d("2028-10-20")})
	if len(ws) == 0 || ws[0].Code != CodeCalendarUnknown {
		t.Fatalf("warnings = %+v, want calendar_unknown first", ws)
	}
	if want := "calendrier scolaire inconnu pour le 15/09/2028 (zone A) : mettre à jour les données"; ws[0].MessageFR != want {
		t.Errorf("FR = %q\nwant %q", ws[0].MessageFR, want)
	}
	if want := "school calendar unknown for 15/09/2028 (zone A): update the data"; ws[0].MessageEN != want {
		t.Errorf("EN = %q\nwant %q", ws[0].MessageEN, want)
	}
	// A session that starts inside the data and runs beyond it: the first
	// unknown day is named. The last known day is the last day of class of
	// 2027/2028.
	ws = c.CheckSession(SessionPlan{Start: d("2028-06-26"), End: d("2028-07-10")})
	if len(ws) == 0 || ws[0].Code != CodeCalendarUnknown || !ws[0].Date.Equal(d("2028-07-05")) {
		t.Fatalf("warnings = %+v, want calendar_unknown for 2028-07-05", ws)
	}
	// Start warnings alone (a planner's single check) also say it, for the
	// start's eve too.
	if ws := c.StartWarnings(d("2028-07-04")); len(ws) == 0 || ws[0].Code != CodeCalendarUnknown {
		t.Fatalf("StartWarnings(2028-07-04) = %v", codes(ws))
	}
	// Before the data as well.
	if ws := c.StartWarnings(d("2014-06-02")); len(ws) == 0 || ws[0].Code != CodeCalendarUnknown {
		t.Fatalf("StartWarnings(2014-06-02) = %v", codes(ws))
	}
	// Inside the data: no such warning.
	if ws := c.CheckSession(SessionPlan{Start: d("2027-09-13"), End: d("2027-10-08")}); len(ws) != 0 {
		t.Fatalf("plain 2027 session: %+v", ws)
	}
}

func TestOverseasAcademie(t *testing.T) {
	// Guyane: no shipped school dates, so every check says calendar_unknown;
	// its public holidays (10 June) come with the zone.
	c := mustNew(t, Options{Zone: "Guyane"})
	if c.Zone() != "guyane" || c.Region() != RegionGuyane {
		t.Fatalf("zone %q region %q", c.Zone(), c.Region())
	}
	ws := c.CheckSession(SessionPlan{Start: d("2027-06-09"), End: d("2027-06-25")})
	if got := codes(ws); !slices.Equal(got, []string{CodeCalendarUnknown, CodeStartEvePublicHoliday}) {
		t.Fatalf("codes = %v (%+v)", got, ws)
	}
	if !strings.Contains(ws[0].MessageFR, "(zone Guyane)") || !strings.Contains(ws[1].MessageFR, "Abolition de l'esclavage") {
		t.Errorf("messages: %s / %s", ws[0].MessageFR, ws[1].MessageFR)
	}
	// With the académie's holidays configured, their span is known.
	extra, err := ParseRanges([]string{"2026-10-17..2026-11-01 Toussaint", "2027-06-26..2027-08-31 Vacances d'été"})
	if err != nil {
		t.Fatal(err)
	}
	c = mustNew(t, Options{Zone: "973", Extra: extra})
	ws = c.CheckSession(SessionPlan{Start: d("2026-10-17"), End: d("2026-11-20")})
	if got := codes(ws); !slices.Equal(got, []string{CodeStartWeekend, CodeStartInSchoolHolidays}) {
		t.Fatalf("configured Guyane: %v", got)
	}
	// The day before the configured span is not known.
	if ws := c.StartWarnings(d("2026-10-15")); len(ws) == 0 || ws[0].Code != CodeCalendarUnknown {
		t.Fatalf("before the configured span: %v", codes(ws))
	}
	if ws := c.CheckSession(SessionPlan{Start: d("2027-09-06"), End: d("2027-09-10")}); len(ws) == 0 || ws[0].Code != CodeCalendarUnknown {
		t.Fatalf("after the configured span: %v", codes(ws))
	}
	// Each overseas abolition day, from the zone alone.
	for zone, day := range map[string]string{"guadeloupe": "2027-05-27", "guyane": "2027-06-10",
		"martinique": "2027-05-22", "reunion": "2027-12-20", "mayotte": "2027-04-27"} {
		if h, ok := mustNew(t, Options{Zone: zone}).PublicHoliday(d(day)); !ok || h.NameFR != "Abolition de l'esclavage" {
			t.Errorf("zone %s %s: %+v %v", zone, day, h, ok)
		}
		if mustNew(t, Options{Zone: "A"}).IsPublicHoliday(d(day)) && day != "2027-05-27" {
			t.Errorf("zone A has %s as a holiday", day)
		}
	}
}

func TestAlsaceMoselle2027(t *testing.T) {
	c := mustNew(t, Options{Zone: "B", Region: "alsace-moselle"})
	metro := mustNew(t, Options{Zone: "B"})
	// Easter 2027 is 28 March: Good Friday 26 March; Saint-Étienne 26 December.
	for _, day := range []string{"2027-03-26", "2027-12-26", "2028-04-14"} {
		if !c.IsPublicHoliday(d(day)) || metro.IsPublicHoliday(d(day)) {
			t.Errorf("%s: alsace-moselle %v, metropole %v", day, c.IsPublicHoliday(d(day)), metro.IsPublicHoliday(d(day)))
		}
	}
	ws := c.CheckSession(SessionPlan{Start: d("2027-03-25"), End: d("2027-04-09")})
	if got := codes(ws); !slices.Equal(got, []string{CodeStartEvePublicHoliday}) || !strings.Contains(ws[0].MessageFR, "Vendredi saint") {
		t.Fatalf("Strasbourg 25 March 2027: %+v", ws)
	}
	if ws := metro.CheckSession(SessionPlan{Start: d("2027-03-25"), End: d("2027-04-09")}); len(ws) != 0 {
		t.Fatalf("Rennes 25 March 2027: %+v", ws)
	}
}

func TestVirtualClassSlots(t *testing.T) {
	c := mustNew(t, Options{Zone: "A"})
	at := func(s string) time.Time {
		v, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		slot string
		want []string
	}{
		{"2027-03-09 10:00", nil},
		{"2027-03-09 08:00", nil},
		{"2027-03-09 07:59", []string{CodeVirtualOutsideHours}},
		{"2027-03-09 18:00", []string{CodeVirtualOutsideHours}},
		{"2027-03-13 10:00", []string{CodeVirtualWeekend}},
		{"2027-02-16 14:00", []string{CodeVirtualSchoolHolidays}},
		{"2027-05-06 14:00", []string{CodeVirtualPublicHoliday, CodeVirtualSchoolHolidays}}, // Ascension, in the pont
		{"2027-11-11 19:30", []string{CodeVirtualOutsideHours, CodeVirtualPublicHoliday}},
		{"2028-09-12 10:00", []string{CodeCalendarUnknown}},
	}
	for _, tc := range cases {
		if got := codes(c.CheckVirtualClass(at(tc.slot))); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.slot, got, tc.want)
		}
	}
	ws := c.CheckSession(SessionPlan{Start: d("2027-03-08"), End: d("2027-03-26"),
		VirtualClasses: []time.Time{at("2027-03-09 10:00"), at("2027-03-16 20:00")}})
	if got := codes(ws); !slices.Equal(got, []string{CodeVirtualOutsideHours}) || !strings.Contains(ws[0].MessageFR, "16/03/2027 20:00") {
		t.Fatalf("session slots: %+v", ws)
	}
}

func TestZonesAreNamedAndListed(t *testing.T) {
	for in, want := range map[string]string{"b": "B", "Zone C": "C", "zone-a": "A", "La Réunion": "reunion",
		"974": "reunion", "Guadeloupe": "guadeloupe", "CORSE": "corse", "": ""} {
		if got, err := NormalizeZone(in); err != nil || got != want {
			t.Errorf("NormalizeZone(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	_, err := NormalizeZone("Z")
	if err == nil || !strings.Contains(err.Error(), "A, B, C, corse, guadeloupe, guyane") {
		t.Fatalf("NormalizeZone(Z) error = %v", err)
	}
	cov, err := shippedCoverage()
	if err != nil {
		t.Fatal(err)
	}
	for _, z := range KnownZones() {
		if _, ok := cov[z]; !ok {
			t.Errorf("zone %s missing from coverage.csv", z)
		}
		if _, err := New(Options{Zone: z}); err != nil {
			t.Errorf("New(%s): %v", z, err)
		}
	}
	if len(cov) != len(KnownZones()) {
		t.Errorf("coverage.csv has %d zones, KnownZones %d", len(cov), len(KnownZones()))
	}
}

// TestShippedDataIsConsistent: every shipped range lies in its zone's
// coverage, ranges of a zone never overlap, and the transcribed file names
// its sources and the date they were taken.
func TestShippedDataIsConsistent(t *testing.T) {
	ranges, err := shippedRanges()
	if err != nil {
		t.Fatal(err)
	}
	for zone, rs := range ranges {
		c := mustNew(t, Options{Zone: zone})
		for i, r := range rs {
			if r.End.Before(r.Start) {
				t.Errorf("%s %+v ends before it starts", zone, r)
			}
			if !r.Start.Before(d("2015-01-01")) && (!c.Known(r.Start) || !c.Known(r.End)) {
				t.Errorf("%s %+v outside coverage", zone, r)
			}
			if i > 0 && !r.Start.After(rs[i-1].End) {
				t.Errorf("%s %+v overlaps %+v", zone, r, rs[i-1])
			}
		}
	}
	for _, want := range []string{"JORFTEXT000052416058", "JORFTEXT000054457294", "fr-en-calendrier-scolaire", "Taken on 2026-12-06"} {
		if !strings.Contains(officialHolidaysCSV, want) {
			t.Errorf("official data header does not mention %q", want)
		}
	}
}

// TestExampleConfigZones runs every zone of config/bridge.example.yaml,
// commented-out examples included, through the calendar check.
func TestExampleConfigZones(t *testing.T) {
	data, err := os.ReadFile("../../config/bridge.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^[\s#]*zone:\s*"?([^"#\s]+)"?`)
	matches := re.FindAllStringSubmatch(string(data), -1)
	if len(matches) < 3 {
		t.Fatalf("found %d zones in the example, want at least 3", len(matches))
	}
	for _, m := range matches {
		c, err := New(Options{Zone: m[1]})
		if err != nil {
			t.Errorf("example zone %q: %v", m[1], err)
			continue
		}
		ws := c.CheckSession(SessionPlan{Start: d("2027-01-11"), End: d("2027-02-05"), RemoteMinutes: 360})
		for _, w := range ws {
			if w.Code == CodeInvalidSpan || w.MessageFR == "" || w.MessageEN == "" {
				t.Errorf("example zone %q: bad warning %+v", m[1], w)
			}
		}
	}
}
