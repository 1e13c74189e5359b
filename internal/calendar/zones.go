package calendar

import (
	_ "embed"
	"fmt"
	"strings"
	"time"
)

//go:embed data/coverage.csv
var coverageCSV string

// zoneInfo is a school-calendar zone the package knows by name: the three
// metropolitan zones, Corse and the overseas académies. Knowing a zone's
// name does not mean knowing its dates: see coverage.csv.
type zoneInfo struct {
	name   string // canonical name, as in the data files
	label  string // for messages: "zone B", "zone Guyane"
	region string // public-holiday region implied by the zone ("" = metropole)
}

var zoneInfos = []zoneInfo{
	{"A", "A", ""},
	{"B", "B", ""},
	{"C", "C", ""},
	{"corse", "Corse", ""},
	{"guadeloupe", "Guadeloupe", RegionGuadeloupe},
	{"guyane", "Guyane", RegionGuyane},
	{"martinique", "Martinique", RegionMartinique},
	{"reunion", "La Réunion", RegionReunion},
	{"mayotte", "Mayotte", RegionMayotte},
	{"nouvelle-caledonie", "Nouvelle-Calédonie", RegionNouvelleCaledonie},
	{"polynesie", "Polynésie française", RegionPolynesie},
	{"saint-pierre-et-miquelon", "Saint-Pierre-et-Miquelon", ""},
	{"wallis-et-futuna", "Wallis-et-Futuna", RegionWallisEtFutuna},
}

// zoneAliases maps other spellings (after normalisation) to canonical names.
var zoneAliases = map[string]string{
	"la-reunion": "reunion", "974": "reunion",
	"971": "guadeloupe", "972": "martinique", "973": "guyane", "976": "mayotte",
	"2a": "corse", "2b": "corse",
	"polynesie-francaise": "polynesie", "987": "polynesie",
	"988": "nouvelle-caledonie",
	"spm": "saint-pierre-et-miquelon", "975": "saint-pierre-et-miquelon",
	"wallis": "wallis-et-futuna", "986": "wallis-et-futuna",
}

// KnownZones lists the canonical zone names, in a stable order.
func KnownZones() []string {
	out := make([]string, len(zoneInfos))
	for i, z := range zoneInfos {
		out[i] = z.name
	}
	return out
}

// NormalizeZone maps a configured zone ("B", "zone b", "Guyane", "973",
// "La Réunion") to its canonical name. The empty zone stays empty: such a
// calendar knows only the configured holidays. Unknown names are an error
// that lists the known zones.
func NormalizeZone(s string) (string, error) {
	key := strings.ToLower(strings.TrimSpace(s))
	key = strings.NewReplacer("é", "e", "è", "e", "É", "e", "_", "-", " ", "-").Replace(key)
	key = strings.TrimLeft(strings.TrimPrefix(key, "zone"), "- ")
	if key == "" && strings.TrimSpace(s) == "" {
		return "", nil
	}
	if alias, ok := zoneAliases[key]; ok {
		key = alias
	}
	for _, z := range zoneInfos {
		if strings.EqualFold(z.name, key) {
			return z.name, nil
		}
	}
	return "", fmt.Errorf("calendar: unknown school zone %q (known zones: %s)", s, strings.Join(KnownZones(), ", "))
}

func zoneOf(name string) zoneInfo {
	for _, z := range zoneInfos {
		if z.name == name {
			return z
		}
	}
	return zoneInfo{}
}

// ZoneLabel is the zone as shown in messages: "B", "Guyane", "?" for none.
func ZoneLabel(name string) string {
	if z := zoneOf(name); z.label != "" {
		return z.label
	}
	return "?"
}

// shippedCoverage returns, per zone, the spans of days for which the
// embedded data is complete.
func shippedCoverage() (map[string][]Range, error) {
	d, err := Embedded()
	if err != nil {
		return nil, err
	}
	return d.coverage, nil
}

func parseCoverage(data string) (map[string][]Range, error) {
	out := map[string][]Range{}
	header := true
	for i, line := range strings.Split(data, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if header {
			header = false
			continue
		}
		f := strings.SplitN(line, ",", 4)
		if len(f) < 3 {
			return nil, fmt.Errorf("calendar: coverage line %d: want zone,from,until", i+1)
		}
		if _, known := out[f[0]]; !known {
			out[f[0]] = nil
		}
		if f[1] == "" && f[2] == "" {
			continue
		}
		from, err1 := time.Parse(dateLayout, f[1])
		until, err2 := time.Parse(dateLayout, f[2])
		if err1 != nil || err2 != nil || until.Before(from) {
			return nil, fmt.Errorf("calendar: coverage line %d: bad span %s..%s", i+1, f[1], f[2])
		}
		out[f[0]] = append(out[f[0]], Range{Zone: f[0], Start: from, End: until, Name: "coverage"})
	}
	return out, nil
}
