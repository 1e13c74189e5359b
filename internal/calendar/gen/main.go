// Command gen converts the public "vacances-scolaires" data set (one row per
// day, see shared/calendar/README.md) into the calendar package's compact
// range file: one line per holiday range and zone, `zone,start,end,name`,
// dates inclusive. The daily file is ~13,500 rows; the range file keeps the
// same information for the years we care about in a few hundred lines.
//
// Usage (from internal/calendar, see the go:generate line in holidays.go):
//
//	go run ./gen -in ../../../shared/calendar/vacances-scolaires.csv -out data/school_holidays.csv -from 2015-01-01
package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

const dateLayout = "2006-01-02"

var zones = []string{"A", "B", "C"}

func main() {
	in := flag.String("in", "", "daily vacances-scolaires.csv")
	out := flag.String("out", "data/school_holidays.csv", "range file to write")
	from := flag.String("from", "2015-01-01", "drop ranges that end before this date")
	flag.Parse()
	if err := run(*in, *out, *from); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(inPath, outPath, fromStr string) error {
	from, err := time.Parse(dateLayout, fromStr)
	if err != nil {
		return fmt.Errorf("parse -from: %w", err)
	}
	in, err := os.Open(inPath)
	if err != nil {
		return fmt.Errorf("open daily file: %w", err)
	}
	defer in.Close()
	out, err := os.Create(outPath)
	if err != nil {
		return fmt.Errorf("create range file: %w", err)
	}
	if err := convert(in, out, from); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// openRange is a holiday range being extended day by day.
type openRange struct {
	start, end time.Time
	name       string
}

// convert reads the daily file and writes ranges, zone by zone in date order.
// A range is a maximal run of consecutive days where the zone is on holiday
// under the same name; ranges ending before from are dropped, ranges that
// straddle from are kept whole.
func convert(r io.Reader, w io.Writer, from time.Time) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 5
	if _, err := cr.Read(); err != nil {
		return fmt.Errorf("read header: %w", err)
	}
	open := map[string]*openRange{}
	done := map[string][]openRange{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read daily row: %w", err)
		}
		day, err := time.Parse(dateLayout, rec[0])
		if err != nil {
			return fmt.Errorf("parse date %q: %w", rec[0], err)
		}
		for i, zone := range zones {
			onHoliday := rec[1+i] == "True"
			cur := open[zone]
			if cur != nil && (!onHoliday || cur.name != rec[4] || !cur.end.AddDate(0, 0, 1).Equal(day)) {
				done[zone] = append(done[zone], *cur)
				open[zone], cur = nil, nil
			}
			if !onHoliday {
				continue
			}
			if cur == nil {
				open[zone] = &openRange{start: day, end: day, name: rec[4]}
				continue
			}
			cur.end = day
		}
	}
	return writeRanges(w, open, done, from)
}

func writeRanges(w io.Writer, open map[string]*openRange, done map[string][]openRange, from time.Time) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"zone", "start", "end", "name"}); err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	for _, zone := range zones {
		if cur := open[zone]; cur != nil {
			done[zone] = append(done[zone], *cur)
		}
		for _, rg := range done[zone] {
			if rg.end.Before(from) {
				continue
			}
			row := []string{zone, rg.start.Format(dateLayout), rg.end.Format(dateLayout), rg.name}
			if err := cw.Write(row); err != nil {
				return fmt.Errorf("write range: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("flush ranges: %w", err)
	}
	return nil
}
