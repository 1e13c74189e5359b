// Package calendar knows the French school calendar rules the bridge warns
// about when a session is planned: public holidays (jours fériés, with the
// Alsace-Moselle and overseas extras), school holidays per zone (A, B, C
// from the ministry's data and orders, La Réunion and Nouvelle-Calédonie
// where their calendars were found, see data/; the other académies known by
// name, their dates from configuration or an updated data file, see
// Effective and Install),
// a calendar_unknown warning for any day outside what is known,
// and the planning advice of the m@gistère guides (no start on the eve of a
// weekend, public holiday or school holidays; about 2 h of remote work per
// week). It only ever warns: the formateur decides.
//
// Dates are calendar days. A time.Time argument is reduced to its year,
// month and day in its own location, so pass times in Europe/Paris (or the
// académie's local zone) when they carry a time of day.
package calendar

//go:generate go run ./gen -in ../../../shared/calendar/vacances-scolaires.csv -out data/school_holidays.csv -from 2015-01-01 -taken 2026-12-06

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Region selects the local public holidays added to the national ones.
const (
	RegionMetropole         = "metropole"
	RegionAlsaceMoselle     = "alsace-moselle"
	RegionGuadeloupe        = "guadeloupe"
	RegionMartinique        = "martinique"
	RegionGuyane            = "guyane"
	RegionReunion           = "reunion"
	RegionMayotte           = "mayotte"
	RegionNouvelleCaledonie = "nouvelle-caledonie"
	RegionPolynesie         = "polynesie"
	RegionWallisEtFutuna    = "wallis-et-futuna"
)

// Holiday is one public holiday (jour férié).
type Holiday struct {
	Date   time.Time // midnight UTC of the day
	NameFR string
	NameEN string
}

type fixedHoliday struct {
	month          time.Month
	day            int
	nameFR, nameEN string
}

var nationalFixed = []fixedHoliday{
	{time.January, 1, "Jour de l'an", "New Year's Day"},
	{time.May, 1, "Fête du Travail", "Labour Day"},
	{time.May, 8, "Victoire 1945", "Victory in Europe Day"},
	{time.July, 14, "Fête nationale", "Bastille Day"},
	{time.August, 15, "Assomption", "Assumption Day"},
	{time.November, 1, "Toussaint", "All Saints' Day"},
	{time.November, 11, "Armistice 1918", "Armistice Day"},
	{time.December, 25, "Noël", "Christmas Day"},
}

// regionalFixed lists the local fixed days: Saint-Étienne in Alsace-Moselle
// (local law of 1892 kept after 1918) and the commemoration of the abolition
// of slavery in the overseas départements (law 83-550, decree 83-1003).
var regionalFixed = map[string][]fixedHoliday{
	RegionAlsaceMoselle: {{time.December, 26, "Saint-Étienne", "St Stephen's Day"}},
	RegionGuadeloupe:    {{time.May, 27, "Abolition de l'esclavage", "Abolition of slavery"}},
	RegionMartinique:    {{time.May, 22, "Abolition de l'esclavage", "Abolition of slavery"}},
	RegionGuyane:        {{time.June, 10, "Abolition de l'esclavage", "Abolition of slavery"}},
	RegionReunion:       {{time.December, 20, "Abolition de l'esclavage", "Abolition of slavery"}},
	RegionMayotte:       {{time.April, 27, "Abolition de l'esclavage", "Abolition of slavery"}},
	// Local days of the Pacific collectivities (Good Friday in Polynésie is
	// added with the Easter-based days). Not entered: Polynésie's 29 June /
	// 20 November (being replaced, the new date not settled in what was
	// found) and Wallis-et-Futuna's 28 April (no source found).
	RegionNouvelleCaledonie: {{time.September, 24, "Fête de la citoyenneté", "Citizenship Day"}},
	RegionPolynesie:         {{time.March, 5, "Arrivée de l'Évangile", "Arrival of the Gospel"}},
	RegionWallisEtFutuna:    {{time.July, 29, "Fête du Territoire", "Territory Day"}},
}

// regionAliases lets configuration say "Alsace", "La Réunion", "973"...
var regionAliases = map[string]string{
	"": RegionMetropole, "metropole": RegionMetropole, "france": RegionMetropole,
	"alsace-moselle": RegionAlsaceMoselle, "alsace": RegionAlsaceMoselle, "moselle": RegionAlsaceMoselle,
	"67": RegionAlsaceMoselle, "68": RegionAlsaceMoselle, "57": RegionAlsaceMoselle, "strasbourg": RegionAlsaceMoselle,
	"guadeloupe": RegionGuadeloupe, "971": RegionGuadeloupe,
	"martinique": RegionMartinique, "972": RegionMartinique,
	"guyane": RegionGuyane, "973": RegionGuyane,
	"reunion": RegionReunion, "la-reunion": RegionReunion, "974": RegionReunion,
	"mayotte": RegionMayotte, "976": RegionMayotte,
	"nouvelle-caledonie": RegionNouvelleCaledonie, "988": RegionNouvelleCaledonie,
	"polynesie": RegionPolynesie, "polynesie-francaise": RegionPolynesie, "987": RegionPolynesie,
	"wallis-et-futuna": RegionWallisEtFutuna, "wallis": RegionWallisEtFutuna, "986": RegionWallisEtFutuna,
}

// NormalizeRegion maps a configured region name to one of the Region*
// constants, accepting common spellings and département numbers.
func NormalizeRegion(s string) (string, error) {
	key := strings.ToLower(strings.TrimSpace(s))
	key = strings.NewReplacer("é", "e", "è", "e", " ", "-", "_", "-").Replace(key)
	if r, ok := regionAliases[key]; ok {
		return r, nil
	}
	return "", fmt.Errorf("calendar: unknown region %q", s)
}

// Easter returns Easter Sunday of the Gregorian year (anonymous Gregorian
// algorithm, Meeus/Jones/Butcher).
func Easter(year int) time.Time {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}

// PublicHolidays returns the public holidays of year for region (a Region*
// constant or alias; unknown regions get the national list), sorted by date.
func PublicHolidays(year int, region string) []Holiday {
	region, _ = NormalizeRegion(region)
	var out []Holiday
	for _, f := range nationalFixed {
		out = append(out, Holiday{day(year, f.month, f.day), f.nameFR, f.nameEN})
	}
	for _, f := range regionalFixed[region] {
		out = append(out, Holiday{day(year, f.month, f.day), f.nameFR, f.nameEN})
	}
	easter := Easter(year)
	out = append(out,
		Holiday{easter.AddDate(0, 0, 1), "Lundi de Pâques", "Easter Monday"},
		Holiday{easter.AddDate(0, 0, 39), "Ascension", "Ascension Day"},
		Holiday{easter.AddDate(0, 0, 50), "Lundi de Pentecôte", "Whit Monday"},
	)
	if region == RegionAlsaceMoselle || region == RegionPolynesie {
		out = append(out, Holiday{easter.AddDate(0, 0, -2), "Vendredi saint", "Good Friday"})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return out
}

func day(year int, month time.Month, d int) time.Time {
	return time.Date(year, month, d, 0, 0, 0, 0, time.UTC)
}

// DateOf reduces t to its calendar day (in t's own location) as midnight UTC,
// the representation every date in this package uses.
func DateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return day(y, m, d)
}
