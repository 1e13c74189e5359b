package calendar

import (
	"bufio"
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

//go:embed data/school_holidays_overseas.csv
var overseasHolidaysCSV string

// DataFormat is the first line of a calendar data file (calendar_file), the
// one-file form of the embedded data that `bridge calendar export` writes
// and `bridge calendar update --from` installs:
//
//	# bridge calendar data 1
//	# taken: 2027-03-01            (date the official data was taken: the file's version)
//	# source: ...                  (any number of # lines: sources, notes)
//	kind,zone,start,end,name
//	coverage,A,2015-01-01,2028-07-04,     (days the data knows completely; one or more per zone)
//	coverage,corse,,,                     (a zone known by name, no dates)
//	holiday,A,2026-10-17,2026-11-01,Vacances de la Toussaint
//
// Every zone of KnownZones must have at least one coverage line, so a
// truncated file cannot silently drop a zone.
const DataFormat = "# bridge calendar data 1"

// Data is a school-calendar data set: the holiday ranges per zone, the days
// it knows completely per zone, and the date it was taken (its version).
// It is immutable once built.
type Data struct {
	Taken    time.Time
	Origin   string   // "embedded" or the file it was read from
	Notes    []string // the file's # lines after the format and taken lines
	ranges   map[string][]Range
	coverage map[string][]Range
}

// Zones lists the zones the data names (KnownZones order).
func (d *Data) Zones() []string {
	var out []string
	for _, z := range KnownZones() {
		if _, ok := d.coverage[z]; ok {
			out = append(out, z)
		}
	}
	return out
}

// Knows reports whether the data names the (canonical) zone.
func (d *Data) Knows(zone string) bool {
	_, ok := d.coverage[zone]
	return ok
}

// LastCovered returns the last day the data knows completely for zone,
// false when it knows none.
func (d *Data) LastCovered(zone string) (time.Time, bool) {
	var last time.Time
	for _, r := range d.coverage[zone] {
		if r.End.After(last) {
			last = r.End
		}
	}
	return last, !last.IsZero()
}

// CheckZone normalises a configured zone and checks the data names it; the
// error lists the zones the data knows.
func (d *Data) CheckZone(zone string) (string, error) {
	z, err := NormalizeZone(zone)
	if err != nil {
		return "", fmt.Errorf("calendar: unknown school zone %q (zones in the calendar data: %s)", zone, strings.Join(d.Zones(), ", "))
	}
	if z != "" && !d.Knows(z) {
		return "", fmt.Errorf("calendar: school zone %q is not in the calendar data %s (zones in it: %s)", zone, d.Origin, strings.Join(d.Zones(), ", "))
	}
	return z, nil
}

var (
	embeddedOnce sync.Once
	embedded     *Data
	embeddedErr  error
)

// Embedded returns the data shipped in the binary: the generated history,
// the transcribed official calendars and the overseas calendars, with the
// coverage and taken date of coverage.csv.
func Embedded() (*Data, error) {
	embeddedOnce.Do(func() {
		d := &Data{Origin: "embedded", ranges: map[string][]Range{}}
		for _, src := range []string{schoolHolidaysCSV, officialHolidaysCSV, overseasHolidaysCSV} {
			part, err := parseRangeFile(src)
			if err != nil {
				embeddedErr = err
				return
			}
			for zone, rs := range part {
				d.ranges[zone] = append(d.ranges[zone], rs...)
			}
		}
		cov, err := parseCoverage(coverageCSV)
		if err != nil {
			embeddedErr = err
			return
		}
		d.coverage = cov
		for _, line := range strings.Split(coverageCSV, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "# taken:"); ok {
				d.Taken, err = time.Parse(dateLayout, strings.TrimSpace(v))
				if err != nil {
					embeddedErr = fmt.Errorf("calendar: coverage.csv taken date: %w", err)
					return
				}
			}
		}
		d.Notes = []string{"Exported from the copy embedded in the bridge; its sources follow."}
		for _, src := range []string{schoolHolidaysCSV, officialHolidaysCSV, overseasHolidaysCSV} {
			for _, line := range strings.Split(src, "\n") {
				if note, ok := strings.CutPrefix(strings.TrimSpace(line), "#"); ok && !strings.HasPrefix(strings.TrimSpace(note), "taken:") {
					d.Notes = append(d.Notes, strings.TrimSpace(note))
				}
			}
		}
		d.sortRanges()
		embedded, embeddedErr = d, d.validate()
	})
	return embedded, embeddedErr
}

func (d *Data) sortRanges() {
	for _, rs := range d.ranges {
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].Start.Before(rs[j].Start) })
	}
	for _, rs := range d.coverage {
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].Start.Before(rs[j].Start) })
	}
}

// validate checks what a parser cannot: a taken date, every known zone
// listed, no holiday of a zone the data does not name.
func (d *Data) validate() error {
	if d.Taken.IsZero() {
		return errors.New(`calendar data: no "# taken: YYYY-MM-DD" line (the date the official data was taken)`)
	}
	var missing []string
	for _, z := range KnownZones() {
		if !d.Knows(z) {
			missing = append(missing, z)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("calendar data: no coverage line for zone(s) %s (write `coverage,ZONE,,,` for a zone without dates)", strings.Join(missing, ", "))
	}
	for zone := range d.ranges {
		if !d.Knows(zone) {
			return fmt.Errorf("calendar data: holidays for zone %q, which has no coverage line", zone)
		}
	}
	return nil
}

// ParseData reads a calendar data file (see DataFormat). Errors name the
// line and what is wrong with it.
func ParseData(r io.Reader, origin string) (*Data, error) {
	d := &Data{Origin: origin, ranges: map[string][]Range{}, coverage: map[string][]Range{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	n, header := 0, false
	for sc.Scan() {
		n++
		text := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff"))
		if n == 1 {
			if text != DataFormat {
				return nil, fmt.Errorf("%s line 1: want %q, the first line of a bridge calendar data file (see bridge calendar export)", origin, DataFormat)
			}
			continue
		}
		if text == "" {
			continue
		}
		if strings.HasPrefix(text, "#") {
			if v, ok := strings.CutPrefix(text, "# taken:"); ok {
				t, err := time.Parse(dateLayout, strings.TrimSpace(v))
				if err != nil {
					return nil, fmt.Errorf("%s line %d: taken date %q is not YYYY-MM-DD", origin, n, strings.TrimSpace(v))
				}
				d.Taken = t
			} else {
				d.Notes = append(d.Notes, strings.TrimSpace(strings.TrimPrefix(text, "#")))
			}
			continue
		}
		if !header {
			if text != "kind,zone,start,end,name" {
				return nil, fmt.Errorf("%s line %d: want the header kind,zone,start,end,name", origin, n)
			}
			header = true
			continue
		}
		f := strings.SplitN(text, ",", 5)
		if len(f) != 5 {
			return nil, fmt.Errorf("%s line %d: want 5 fields kind,zone,start,end,name", origin, n)
		}
		zone, err := NormalizeZone(f[1])
		if err != nil || zone == "" || zone != f[1] {
			return nil, fmt.Errorf("%s line %d: zone %q is not one of %s", origin, n, f[1], strings.Join(KnownZones(), ", "))
		}
		if f[0] == "coverage" && f[2] == "" && f[3] == "" {
			if _, ok := d.coverage[zone]; !ok {
				d.coverage[zone] = nil
			}
			continue
		}
		start, err1 := time.Parse(dateLayout, f[2])
		end, err2 := time.Parse(dateLayout, f[3])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%s line %d: dates %q and %q must be YYYY-MM-DD", origin, n, f[2], f[3])
		}
		if end.Before(start) {
			return nil, fmt.Errorf("%s line %d: ends (%s) before it starts (%s)", origin, n, f[3], f[2])
		}
		switch f[0] {
		case "coverage":
			d.coverage[zone] = append(d.coverage[zone], Range{Zone: zone, Start: start, End: end, Name: "coverage"})
		case "holiday":
			if strings.TrimSpace(f[4]) == "" {
				return nil, fmt.Errorf("%s line %d: a holiday needs a name", origin, n)
			}
			d.ranges[zone] = append(d.ranges[zone], Range{Zone: zone, Start: start, End: end, Name: strings.TrimSpace(f[4])})
		default:
			return nil, fmt.Errorf("%s line %d: kind %q must be coverage or holiday", origin, n, f[0])
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", origin, err)
	}
	if n == 0 {
		return nil, fmt.Errorf("%s is empty", origin)
	}
	if !header {
		return nil, fmt.Errorf("%s: no header kind,zone,start,end,name and no data", origin)
	}
	d.sortRanges()
	if err := d.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", origin, err)
	}
	return d, nil
}

// Encode writes the data in the file format ParseData reads.
func (d *Data) Encode(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, DataFormat)
	fmt.Fprintf(bw, "# taken: %s\n", d.Taken.Format(dateLayout))
	for _, n := range d.Notes {
		fmt.Fprintf(bw, "# %s\n", n)
	}
	fmt.Fprintln(bw, "kind,zone,start,end,name")
	for _, z := range d.Zones() {
		if len(d.coverage[z]) == 0 {
			fmt.Fprintf(bw, "coverage,%s,,,\n", z)
		}
		for _, r := range d.coverage[z] {
			fmt.Fprintf(bw, "coverage,%s,%s,%s,\n", z, r.Start.Format(dateLayout), r.End.Format(dateLayout))
		}
	}
	for _, z := range d.Zones() {
		for _, r := range d.ranges[z] {
			fmt.Fprintf(bw, "holiday,%s,%s,%s,%s\n", z, r.Start.Format(dateLayout), r.End.Format(dateLayout), r.Name)
		}
	}
	return bw.Flush()
}

type fileKey struct {
	path string
	mod  time.Time
	size int64
}

var (
	fileMu    sync.Mutex
	fileCache = map[string]struct {
		key  fileKey
		data *Data
	}{}
)

// LoadFile reads a calendar data file, cached until the file changes (a
// running daemon sees an installed update without a restart). A missing
// file is os.ErrNotExist.
func LoadFile(path string) (*Data, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	key := fileKey{path, st.ModTime(), st.Size()}
	fileMu.Lock()
	defer fileMu.Unlock()
	if c, ok := fileCache[path]; ok && c.key == key {
		return c.data, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	d, err := ParseData(bytes.NewReader(raw), path)
	if err != nil {
		return nil, err
	}
	fileCache[path] = struct {
		key  fileKey
		data *Data
	}{key, d}
	return d, nil
}

// Effective returns the data to use with calendar_file = path: the file's
// when it exists and is at least as recent as the embedded copy, else the
// embedded copy (a new release ships newer data than an old installed
// file). An invalid file is an error, never silently skipped.
func Effective(path string) (*Data, error) {
	emb, err := Embedded()
	if err != nil || path == "" {
		return emb, err
	}
	d, err := LoadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return emb, nil
	}
	if err != nil {
		return nil, fmt.Errorf("calendar_file: %w", err)
	}
	if d.Taken.Before(emb.Taken) {
		return emb, nil
	}
	return d, nil
}

// Install validates raw as a calendar data file and, when it was taken
// after the data in use (Effective(path)), writes it to path atomically
// (temporary file in the same directory, synced, renamed). It returns the
// data replaced and the data installed. An invalid or older file is
// refused with one sentence and leaves path untouched.
func Install(path string, raw []byte, origin string) (old, installed *Data, err error) {
	if path == "" {
		return nil, nil, errors.New("calendar_file is empty: set it in the configuration to the file the update should write")
	}
	installed, err = ParseData(bytes.NewReader(raw), origin)
	if err != nil {
		return nil, nil, fmt.Errorf("refused: %w", err)
	}
	old, err = Effective(path)
	if err != nil {
		return nil, nil, err
	}
	if !installed.Taken.After(old.Taken) {
		return old, nil, fmt.Errorf("refused: %s was taken on %s, not after the calendar data in use (%s, taken on %s); nothing was installed",
			origin, installed.Taken.Format(dateLayout), old.Origin, old.Taken.Format(dateLayout))
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return old, nil, fmt.Errorf("calendar_file directory: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".calendar-*.tmp")
	if err != nil {
		return old, nil, fmt.Errorf("calendar_file: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		return old, nil, fmt.Errorf("calendar_file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return old, nil, fmt.Errorf("calendar_file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return old, nil, fmt.Errorf("calendar_file: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return old, nil, fmt.Errorf("calendar_file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return old, nil, fmt.Errorf("calendar_file: %w", err)
	}
	if dir, err := os.Open(filepath.Dir(path)); err == nil {
		dir.Sync()
		dir.Close()
	}
	installed.Origin = path
	return old, installed, nil
}
