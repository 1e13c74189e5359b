package calendar

import (
	"bufio"
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

//go:embed data/school_holidays.csv
var schoolHolidaysCSV string

//go:embed data/school_holidays_official.csv
var officialHolidaysCSV string

const dateLayout = "2006-01-02"

// DefaultMaxRemoteMinutesPerWeek is the guides' "deux heures hebdomadaires".
const DefaultMaxRemoteMinutesPerWeek = 120

// Range is an inclusive range of calendar days (school holidays).
type Range struct {
	Zone  string    // "A", "B", "C"..., or "" for configured extra ranges
	Start time.Time // first day, midnight UTC
	End   time.Time // last day (inclusive), midnight UTC
	Name  string
}

// Contains reports whether day d (reduced with DateOf) is inside the range.
func (r Range) Contains(d time.Time) bool {
	d = DateOf(d)
	return !d.Before(r.Start) && !d.After(r.End)
}

// Options configure a Calendar for one domain.
type Options struct {
	// Zone is the school-holiday zone: "A", "B", "C", "corse" or an
	// overseas académie (see KnownZones and NormalizeZone), or "" for none.
	// A zone whose dates the shipped data does not know (see coverage.csv)
	// is accepted: its dates give CodeCalendarUnknown warnings.
	Zone string
	// Extra school-holiday ranges from configuration (see ParseRanges),
	// added to the zone's ranges. The operator who configures them vouches
	// for the span they cover: from the first start to the last end, days
	// count as known.
	Extra []Range
	// Region selects local public holidays (see Region* constants). Empty
	// means the zone's own region (guyane -> Guyane), else metropole.
	Region string
	// MaxRemoteMinutesPerWeek overrides DefaultMaxRemoteMinutesPerWeek.
	MaxRemoteMinutesPerWeek int
	// Data is the school-calendar data (see Effective); nil means the
	// embedded copy.
	Data *Data
}

// Calendar answers calendar questions for one zone and region. It is
// immutable after New and safe for concurrent use.
type Calendar struct {
	zone, region   string
	school         []Range // sorted by Start
	known          []Range // days whose school holidays are all known
	maxRemoteWeek  int
	holidayMu      sync.Mutex
	holidaysByYear map[int]map[time.Time]Holiday
}

// New builds a Calendar. Unknown zones or regions are configuration errors.
func New(opts Options) (*Calendar, error) {
	zone, err := NormalizeZone(opts.Zone)
	if err != nil {
		return nil, err
	}
	regionName := opts.Region
	if strings.TrimSpace(regionName) == "" {
		regionName = zoneOf(zone).region
	}
	region, err := NormalizeRegion(regionName)
	if err != nil {
		return nil, err
	}
	data := opts.Data
	if data == nil {
		if data, err = Embedded(); err != nil {
			return nil, err
		}
	}
	if zone != "" && !data.Knows(zone) {
		_, err := data.CheckZone(zone)
		return nil, err
	}
	c := &Calendar{zone: zone, region: region, maxRemoteWeek: opts.MaxRemoteMinutesPerWeek,
		holidaysByYear: map[int]map[time.Time]Holiday{}}
	if c.maxRemoteWeek <= 0 {
		c.maxRemoteWeek = DefaultMaxRemoteMinutesPerWeek
	}
	c.school = append(c.school, data.ranges[zone]...)
	c.known = append(c.known, data.coverage[zone]...)
	var extraSpan Range
	for i, r := range opts.Extra {
		if r.End.Before(r.Start) {
			return nil, fmt.Errorf("calendar: extra range %q ends before it starts", r.Name)
		}
		start, end := DateOf(r.Start), DateOf(r.End)
		c.school = append(c.school, Range{Zone: r.Zone, Start: start, End: end, Name: r.Name})
		if i == 0 || start.Before(extraSpan.Start) {
			extraSpan.Start = start
		}
		if i == 0 || end.After(extraSpan.End) {
			extraSpan.End = end
		}
	}
	if len(opts.Extra) > 0 {
		extraSpan.Name = "configured"
		c.known = append(c.known, extraSpan)
	}
	sort.SliceStable(c.school, func(i, j int) bool { return c.school[i].Start.Before(c.school[j].Start) })
	return c, nil
}

// Zone returns the canonical zone ("A", "B", "C", "guyane"... or "").
func (c *Calendar) Zone() string { return c.zone }

// ZoneLabel returns the zone as shown in messages ("B", "Guyane", "?").
func (c *Calendar) ZoneLabel() string { return ZoneLabel(c.zone) }

// Known reports whether the calendar knows every school holiday of day d:
// the day is inside the shipped data's coverage for the zone or inside the
// span of the configured holidays. Outside, the absence of a school holiday
// means nothing, and planning checks say so (CodeCalendarUnknown).
func (c *Calendar) Known(d time.Time) bool {
	d = DateOf(d)
	for _, r := range c.known {
		if r.Contains(d) {
			return true
		}
	}
	return false
}

// FirstUnknown returns the first day of [from, to] the calendar does not
// know, if any.
func (c *Calendar) FirstUnknown(from, to time.Time) (time.Time, bool) {
	for d := DateOf(from); !d.After(DateOf(to)); d = d.AddDate(0, 0, 1) {
		if !c.Known(d) {
			return d, true
		}
	}
	return time.Time{}, false
}

// Region returns the normalised region.
func (c *Calendar) Region() string { return c.region }

// shippedRanges returns the embedded holiday ranges per zone, sorted by start.
func shippedRanges() (map[string][]Range, error) {
	d, err := Embedded()
	if err != nil {
		return nil, err
	}
	return d.ranges, nil
}

// parseRangeFile reads an embedded `zone,start,end,name` file: `#` lines
// (sources) and blank lines are skipped, the first other line is the
// header. Names never contain commas, so a plain split is enough.
func parseRangeFile(data string) (map[string][]Range, error) {
	out := map[string][]Range{}
	sc := bufio.NewScanner(strings.NewReader(data))
	header := true
	for line := 0; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if header {
			header = false
			continue
		}
		f := strings.SplitN(sc.Text(), ",", 4)
		if len(f) != 4 {
			return nil, fmt.Errorf("calendar: school holidays data line %d: want 4 fields", line+1)
		}
		start, err1 := time.Parse(dateLayout, f[1])
		end, err2 := time.Parse(dateLayout, f[2])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("calendar: school holidays data line %d: bad date", line+1)
		}
		out[f[0]] = append(out[f[0]], Range{Zone: f[0], Start: start, End: end, Name: f[3]})
	}
	return out, sc.Err()
}

// ParseRanges parses configured school-holiday ranges, one per line:
// `YYYY-MM-DD..YYYY-MM-DD name` (name optional). Blank lines and lines
// starting with # are skipped. Errors name the offending line (1-based).
func ParseRanges(lines []string) ([]Range, error) {
	var out []Range
	for i, raw := range lines {
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r, err := parseRangeLine(line)
		if err != nil {
			return nil, fmt.Errorf("calendar: range line %d %q: %w", i+1, line, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func parseRangeLine(line string) (Range, error) {
	span, name, _ := strings.Cut(line, " ")
	from, to, ok := strings.Cut(span, "..")
	if !ok {
		return Range{}, fmt.Errorf("want START..END")
	}
	start, err := time.Parse(dateLayout, from)
	if err != nil {
		return Range{}, fmt.Errorf("start date: %w", err)
	}
	end, err := time.Parse(dateLayout, to)
	if err != nil {
		return Range{}, fmt.Errorf("end date: %w", err)
	}
	if end.Before(start) {
		return Range{}, fmt.Errorf("end %s is before start %s", to, from)
	}
	return Range{Start: start, End: end, Name: strings.TrimSpace(name)}, nil
}

// PublicHoliday returns the public holiday on day d, if any.
func (c *Calendar) PublicHoliday(d time.Time) (Holiday, bool) {
	d = DateOf(d)
	c.holidayMu.Lock()
	defer c.holidayMu.Unlock()
	byDay, ok := c.holidaysByYear[d.Year()]
	if !ok {
		byDay = map[time.Time]Holiday{}
		for _, h := range PublicHolidays(d.Year(), c.region) {
			byDay[h.Date] = h
		}
		c.holidaysByYear[d.Year()] = byDay
	}
	h, ok := byDay[d]
	return h, ok
}

// IsPublicHoliday reports whether day d is a public holiday in the region.
func (c *Calendar) IsPublicHoliday(d time.Time) bool {
	_, ok := c.PublicHoliday(d)
	return ok
}

// SchoolHolidayOn returns the school-holiday range of the zone (or the
// configured extras) that contains day d.
func (c *Calendar) SchoolHolidayOn(d time.Time) (Range, bool) {
	d = DateOf(d)
	for _, r := range c.school {
		if r.Start.After(d) {
			break
		}
		if !d.After(r.End) {
			return r, true
		}
	}
	return Range{}, false
}

// SchoolHolidaysBetween returns the ranges overlapping [from, to].
func (c *Calendar) SchoolHolidaysBetween(from, to time.Time) []Range {
	from, to = DateOf(from), DateOf(to)
	var out []Range
	for _, r := range c.school {
		if r.Start.After(to) {
			break
		}
		if !r.End.Before(from) {
			out = append(out, r)
		}
	}
	return out
}

// IsWorkingDay reports whether d is a school working day: Monday to Friday,
// not a public holiday, not in school holidays. Teachers are not expected
// to train during school holidays, so those days do not count.
func (c *Calendar) IsWorkingDay(d time.Time) bool {
	d = DateOf(d)
	if isWeekend(d) || c.IsPublicHoliday(d) {
		return false
	}
	_, inHolidays := c.SchoolHolidayOn(d)
	return !inHolidays
}

// NextWorkingDay returns the first school working day strictly after d.
// The search is bounded to a year and a half (longer than any holiday).
func (c *Calendar) NextWorkingDay(d time.Time) time.Time {
	d = DateOf(d)
	for i := 1; i <= 550; i++ {
		next := d.AddDate(0, 0, i)
		if c.IsWorkingDay(next) {
			return next
		}
	}
	return d.AddDate(0, 0, 1)
}

func isWeekend(d time.Time) bool {
	return d.Weekday() == time.Saturday || d.Weekday() == time.Sunday
}
