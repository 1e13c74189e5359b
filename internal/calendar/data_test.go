package calendar

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// overseasCases are the transcribed overseas calendars (see the header of
// data/school_holidays_overseas.csv): first and last day without class.
var overseasCases = []struct{ zone, name, first, last string }{
	{"reunion", "Vacances d'hiver austral", "2026-07-04", "2026-08-16"},
	{"reunion", "Vacances après la 1re période", "2026-10-10", "2026-10-25"},
	{"reunion", "Vacances d'été austral", "2026-12-19", "2027-01-31"},
	{"reunion", "Vacances après la 3e période", "2027-03-17", "2027-03-29"},
	{"reunion", "Vacances après la 4e période", "2027-05-06", "2027-05-18"},
	{"corse", "Vacances de la Toussaint", "2026-10-17", "2026-11-01"},
	{"corse", "Vacances de Noël", "2026-12-19", "2027-01-03"},
	{"corse", "Vacances d'hiver", "2027-02-13", "2027-02-28"},
	{"corse", "Vacances de printemps", "2027-04-10", "2027-04-25"},
	{"nouvelle-caledonie", "Vacances d'été austral", "2025-12-20", "2026-02-12"},
	{"nouvelle-caledonie", "Vacances de la 1re période", "2026-04-04", "2026-04-19"},
	{"nouvelle-caledonie", "Vacances de la 2e période", "2026-06-06", "2026-06-21"},
	{"nouvelle-caledonie", "Vacances de la 3e période", "2026-08-08", "2026-08-23"},
	{"nouvelle-caledonie", "Vacances de la 4e période", "2026-10-10", "2026-10-25"},
}

func TestOverseasHolidaysReunionAndNouvelleCaledonie(t *testing.T) {
	for _, tc := range overseasCases {
		c := mustNew(t, Options{Zone: tc.zone})
		first, last := d(tc.first), d(tc.last)
		for _, day := range []time.Time{first, last} {
			r, ok := c.SchoolHolidayOn(day)
			if !ok || r.Name != tc.name || !r.Start.Equal(first) || !r.End.Equal(last) {
				t.Errorf("%s %s: got %+v %v, want %s %s..%s", tc.zone, day.Format(dateLayout), r, ok, tc.name, tc.first, tc.last)
			}
		}
		for _, day := range []time.Time{first.AddDate(0, 0, -1), last.AddDate(0, 0, 1)} {
			if r, ok := c.SchoolHolidayOn(day); ok {
				t.Errorf("%s %s is a class day, got %+v", tc.zone, day.Format(dateLayout), r)
			}
			if !c.Known(day) && !(tc.first == "2026-07-04" || tc.first == "2025-12-20" || tc.first == "2026-10-17") { // coverage starts there
				t.Errorf("%s %s should be known", tc.zone, day.Format(dateLayout))
			}
		}
	}
	// La Réunion: a session planned on the Friday before the austral summer
	// warns about it; the public holiday of 20 December is the zone's own.
	c := mustNew(t, Options{Zone: "La Réunion"})
	ws := c.CheckSession(SessionPlan{Start: d("2026-12-18"), End: d("2027-02-12")})
	if got := codes(ws); !slices.Equal(got, []string{CodeStartFriday, CodeStartEveSchoolHoliday, CodeCrossesSchoolHolidays}) {
		t.Fatalf("Réunion 18/12/2026: %v", got)
	}
	if h, ok := c.PublicHoliday(d("2026-12-20")); !ok || h.NameFR != "Abolition de l'esclavage" {
		t.Errorf("Réunion 20/12/2026: %+v %v", h, ok)
	}
	// Beyond the data: the disputed start of the 2027 hiver austral, and
	// Nouvelle-Calédonie's 2026/2027 summer whose end is not published.
	for zone, day := range map[string]string{"reunion": "2027-07-03", "nouvelle-caledonie": "2026-12-19", "corse": "2027-07-03"} {
		c := mustNew(t, Options{Zone: zone})
		if c.Known(d(day)) || !c.Known(d(day).AddDate(0, 0, -1)) {
			t.Errorf("%s: coverage should end the day before %s", zone, day)
		}
		ws := c.CheckSession(SessionPlan{Start: d(day), End: d(day).AddDate(0, 0, 10)})
		if len(ws) == 0 || ws[0].Code != CodeCalendarUnknown {
			t.Errorf("%s from %s: %v", zone, day, codes(ws))
		}
	}
}

func TestOverseasDataNamesSourcesAndGaps(t *testing.T) {
	for _, want := range []string{"Taken on 2026-12-06", "holidays.school.ru.csv", "ladepeche.nc", "pull request #181", "Not found", "Corse 2027/2028, Guadeloupe"} {
		if !strings.Contains(overseasHolidaysCSV, want) {
			t.Errorf("overseas data header does not mention %q", want)
		}
	}
	emb, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if emb.Taken.Format(dateLayout) != "2026-12-06" {
		t.Errorf("embedded taken %s", emb.Taken)
	}
	for zone, want := range map[string]string{"A": "2028-07-04", "B": "2028-07-04", "C": "2028-07-04", "reunion": "2027-07-02", "nouvelle-caledonie": "2026-12-18", "corse": "2027-07-02"} {
		if last, ok := emb.LastCovered(zone); !ok || last.Format(dateLayout) != want {
			t.Errorf("LastCovered(%s) = %s %v, want %s", zone, last.Format(dateLayout), ok, want)
		}
	}
	for _, zone := range []string{"guadeloupe", "guyane", "martinique", "mayotte", "polynesie", "saint-pierre-et-miquelon", "wallis-et-futuna"} {
		if last, ok := emb.LastCovered(zone); ok {
			t.Errorf("zone %s has no source but is covered until %s", zone, last)
		}
	}
}

func exportEmbedded(t *testing.T) []byte {
	t.Helper()
	emb, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := emb.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDataFileRoundTrip(t *testing.T) {
	raw := exportEmbedded(t)
	for _, want := range []string{"# legifrance JORFTEXT000052416058", "holidays.school.ru.csv", "ladepeche.nc"} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("the export does not name its source %q", want)
		}
	}
	back, err := ParseData(bytes.NewReader(raw), "export")
	if err != nil {
		t.Fatal(err)
	}
	emb, _ := Embedded()
	if !back.Taken.Equal(emb.Taken) || !slices.Equal(back.Zones(), KnownZones()) {
		t.Fatalf("taken %s zones %v", back.Taken, back.Zones())
	}
	for _, z := range KnownZones() {
		if !slices.Equal(back.ranges[z], emb.ranges[z]) || !slices.Equal(back.coverage[z], emb.coverage[z]) {
			t.Errorf("zone %s differs after a round trip", z)
		}
	}
	var again bytes.Buffer
	back.Encode(&again)
	if !bytes.Equal(again.Bytes(), raw) {
		t.Error("second export differs from the first")
	}
	// A calendar built on the parsed data gives the same answers.
	c := mustNew(t, Options{Zone: "B", Data: back})
	if r, ok := c.SchoolHolidayOn(d("2026-12-25")); !ok || r.Name != "Vacances de Noël" {
		t.Errorf("Noël 2026 from the file: %+v %v", r, ok)
	}
}

func TestParseDataRefusals(t *testing.T) {
	good := string(exportEmbedded(t))
	for name, tc := range map[string]struct{ text, want string }{
		"not a data file":  {"zone,start,end,name\nA,2026-10-17,2026-11-01,Toussaint\n", "line 1: want"},
		"no taken":         {strings.Replace(good, "# taken: 2026-12-06\n", "", 1), "taken"},
		"bad taken":        {strings.Replace(good, "# taken: 2026-12-06", "# taken: 06/12/2026", 1), "line 2: taken date"},
		"unknown zone":     {good + "holiday,atlantide,2027-01-01,2027-01-02,X\n", "zone \"atlantide\""},
		"bad date":         {good + "holiday,A,2027-13-01,2027-01-02,X\n", "must be YYYY-MM-DD"},
		"reversed":         {good + "holiday,A,2027-02-01,2027-01-02,X\n", "ends (2027-01-02) before it starts"},
		"bad kind":         {good + "vacances,A,2027-01-01,2027-01-02,X\n", "kind \"vacances\""},
		"unnamed holiday":  {good + "holiday,A,2027-01-01,2027-01-02,\n", "needs a name"},
		"missing zone":     {strings.Replace(good, "coverage,guyane,,,\n", "", 1), "no coverage line for zone(s) guyane"},
		"empty":            {"", "is empty"},
		"header only":      {DataFormat + "\n# taken: 2027-01-01\n", "no header"},
		"short line":       {good + "holiday,A,2027-01-01\n", "want 5 fields"},
		"alias not canon.": {good + "holiday,974,2027-01-01,2027-01-02,X\n", "zone \"974\""},
	} {
		_, err := ParseData(strings.NewReader(tc.text), "f.csv")
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "f.csv") {
			t.Errorf("%s: error %v, want one naming f.csv and %q", name, err, tc.want)
		}
	}
}

func TestInstallAndEffective(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "calendar.csv")
	// No file yet: the embedded copy.
	if d, err := Effective(path); err != nil || d.Origin != "embedded" {
		t.Fatalf("Effective without a file: %v %v", d, err)
	}
	raw := exportEmbedded(t)
	// Same taken date as the embedded copy: not newer, refused.
	if _, _, err := Install(path, raw, "same.csv"); err == nil || !strings.Contains(err.Error(), "not after the calendar data in use (embedded, taken on 2026-12-06)") {
		t.Fatalf("same date: %v", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("a refused install wrote the file: %v", err)
	}
	// A newer file extending zone A by a year is installed.
	newer := strings.Replace(string(raw), "# taken: 2026-12-06", "# taken: 2027-03-01", 1)
	newer = strings.Replace(newer, "coverage,A,2015-01-01,2028-07-04,", "coverage,A,2015-01-01,2029-07-03,", 1)
	newer += "holiday,A,2028-10-21,2028-11-05,Vacances de la Toussaint\n"
	old, inst, err := Install(path, []byte(newer), "new.csv")
	if err != nil || old.Origin != "embedded" || inst.Origin != path {
		t.Fatalf("install: %v %v %v", old, inst, err)
	}
	if got, _ := os.ReadFile(path); string(got) != newer {
		t.Fatal("installed file differs from the candidate")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "sub", ".calendar-*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	d, err := Effective(path)
	if err != nil || d.Origin != path {
		t.Fatalf("Effective after install: %v %v", d, err)
	}
	c := mustNew(t, Options{Zone: "A", Data: d})
	if r, ok := c.SchoolHolidayOn(time.Date(2028, 10, 30, 0, 0, 0, 0, time.UTC)); !ok || r.Name != "Vacances de la Toussaint" {
		t.Errorf("Toussaint 2028 after the update: %+v %v", r, ok)
	}
	// The embedded copy is older now: the same old export is refused, and
	// an invalid file too; the installed file stays.
	if _, _, err := Install(path, raw, "old.csv"); err == nil || !strings.Contains(err.Error(), "taken on 2026-12-06, not after") {
		t.Fatalf("older: %v", err)
	}
	bad := strings.Replace(newer, "# taken: 2027-03-01", "# taken: 2027-06-01", 1) + "holiday,A,2029-01-01\n"
	if _, _, err := Install(path, []byte(bad), "bad.csv"); err == nil || !strings.HasPrefix(err.Error(), "refused: bad.csv line") {
		t.Fatalf("invalid: %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != newer {
		t.Fatal("a refused install changed the file")
	}
	// A file older than the embedded copy (a new release) is not used.
	olderPath := filepath.Join(dir, "older.csv")
	os.WriteFile(olderPath, []byte(strings.Replace(string(raw), "# taken: 2026-12-06", "# taken: 2026-01-01", 1)), 0o644)
	if d, err := Effective(olderPath); err != nil || d.Origin != "embedded" {
		t.Errorf("older file: %v %v", d, err)
	}
	// An invalid file in place is an error, never silently skipped.
	os.WriteFile(olderPath, []byte("garbage\n"), 0o644)
	if _, err := Effective(olderPath); err == nil || !strings.Contains(err.Error(), "calendar_file") {
		t.Errorf("invalid file in place: %v", err)
	}
	if _, _, err := Install("", raw, "x.csv"); err == nil || !strings.Contains(err.Error(), "calendar_file is empty") {
		t.Errorf("no path: %v", err)
	}
}

func TestCheckZoneListsTheDataZones(t *testing.T) {
	emb, _ := Embedded()
	if z, err := emb.CheckZone("Zone B"); err != nil || z != "B" {
		t.Fatalf("CheckZone(Zone B) = %q %v", z, err)
	}
	_, err := emb.CheckZone("atlantide")
	if err == nil || !strings.Contains(err.Error(), "zones in the calendar data: A, B, C, corse, guadeloupe") {
		t.Fatalf("CheckZone(atlantide) = %v", err)
	}
}

func TestPublicHolidaysPerTerritory2027And2028(t *testing.T) {
	// Easter 2027 is 28 March, Easter 2028 is 16 April.
	national := map[string]string{
		"2027-03-29": "Lundi de Pâques", "2027-05-06": "Ascension", "2027-05-17": "Lundi de Pentecôte",
		"2028-04-17": "Lundi de Pâques", "2028-05-25": "Ascension", "2028-06-05": "Lundi de Pentecôte",
		"2027-11-11": "Armistice 1918", "2028-08-15": "Assomption",
	}
	for zone, extra := range map[string]map[string]string{
		"B":                  nil,
		"alsace-moselle":     {"2027-03-26": "Vendredi saint", "2027-12-26": "Saint-Étienne", "2028-04-14": "Vendredi saint"},
		"guadeloupe":         {"2027-05-27": "Abolition de l'esclavage"},
		"guyane":             {"2028-06-10": "Abolition de l'esclavage"},
		"martinique":         {"2027-05-22": "Abolition de l'esclavage"},
		"reunion":            {"2027-12-20": "Abolition de l'esclavage"},
		"mayotte":            {"2028-04-27": "Abolition de l'esclavage"},
		"nouvelle-caledonie": {"2027-09-24": "Fête de la citoyenneté"},
		"polynesie":          {"2027-03-05": "Arrivée de l'Évangile", "2027-03-26": "Vendredi saint"},
		"wallis-et-futuna":   {"2027-07-29": "Fête du Territoire"},
	} {
		opts := Options{Zone: zone}
		if zone == "alsace-moselle" {
			opts = Options{Zone: "B", Region: zone}
		}
		c := mustNew(t, opts)
		for day, name := range national {
			if h, ok := c.PublicHoliday(d(day)); !ok || h.NameFR != name {
				t.Errorf("%s %s: %+v %v, want %s", zone, day, h, ok, name)
			}
		}
		for day, name := range extra {
			if h, ok := c.PublicHoliday(d(day)); !ok || h.NameFR != name {
				t.Errorf("%s %s: %+v %v, want %s", zone, day, h, ok, name)
			}
			if mustNew(t, Options{Zone: "C"}).IsPublicHoliday(d(day)) {
				t.Errorf("zone C has %s's %s (%s)", zone, day, name)
			}
		}
	}
}
