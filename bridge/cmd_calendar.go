package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/magistere/bridge/internal/calendar"
)

func init() {
	register(&command{name: "calendar check", summary: "calendar warnings for a planned session (same as sessions create), virtual-class slots included", run: runCalendarCheck})
	register(&command{name: "calendar update", summary: "validate a newer school-calendar data file and install it where calendar_file points", run: runCalendarUpdate})
	register(&command{name: "calendar export", summary: "print the school-calendar data in use (the file format calendar update takes), with its coverage per zone", run: runCalendarExport})
}

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ", ") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

// calendarWarning is a warning as printed in JSON, the shape of a
// create-sessions job result.
type calendarWarning struct {
	Code string `json:"code"`
	Date string `json:"date"`
	FR   string `json:"fr"`
	EN   string `json:"en"`
}

func runCalendarCheck(_ context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "calendar check", `--zone Z --start D --end D [--region R] [--remote-minutes N] [--virtual "JJ/MM/AAAA HH:MM"]... [--holidays "YYYY-MM-DD..YYYY-MM-DD name"]...
       bridge calendar check --domain D --start D --end D ...   (zone, region and holidays from the domain's configuration)

Dates are YYYY-MM-DD or JJ/MM/AAAA; virtual-class slots are local times of the académie.
Zones: `+strings.Join(calendar.KnownZones(), ", "))
	zone := fs.String("zone", "", "school-holiday zone (A, B, C, corse, guyane, ...)")
	region := fs.String("region", "", "public-holiday region (default: the zone's own, else metropole)")
	domain := fs.String("domain", "", "take zone, region and holidays from this configured domain")
	start := fs.String("start", "", "first day of the session")
	end := fs.String("end", "", "last day of the session")
	remote := fs.Int("remote-minutes", 0, "announced remote workload for the whole session, in minutes")
	var virtual, holidays repeated
	fs.Var(&virtual, "virtual", `virtual-class slot "JJ/MM/AAAA HH:MM" (repeatable)`)
	fs.Var(&holidays, "holidays", `extra school-holiday range "YYYY-MM-DD..YYYY-MM-DD name" (repeatable)`)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *start == "" || *end == "" {
		return usagef("--start and --end are required")
	}
	cfg, err := env.loadConfig()
	if err != nil {
		return err
	}
	data, err := calendar.Effective(cfg.CalendarPath())
	if err != nil {
		return err
	}
	if *domain != "" {
		if *zone != "" || *region != "" {
			return usagef("--domain takes the zone and region from the configuration: leave out --zone and --region")
		}
		d, ok := cfg.Domain(*domain)
		if !ok {
			return usagef("unknown domain %q", *domain)
		}
		*zone, *region = d.Zone, d.Region
		holidays = append(repeated(d.Holidays), holidays...)
	} else if *zone == "" {
		return usagef("--zone (or --domain) is required; zones: %s", strings.Join(data.Zones(), ", "))
	}
	from, err := parseCalendarDay(*start)
	if err != nil {
		return usagef("--start: %v", err)
	}
	to, err := parseCalendarDay(*end)
	if err != nil {
		return usagef("--end: %v", err)
	}
	plan := calendar.SessionPlan{Start: from, End: to, RemoteMinutes: *remote}
	for _, v := range virtual {
		slot, err := parseSlot(v)
		if err != nil {
			return usagef("--virtual %q: %v", v, err)
		}
		plan.VirtualClasses = append(plan.VirtualClasses, slot)
	}
	extra, err := calendar.ParseRanges(holidays)
	if err != nil {
		return usagef("%v", err)
	}
	cal, err := calendar.New(calendar.Options{Zone: *zone, Region: *region, Extra: extra, Data: data})
	if err != nil {
		return usagef("%v", err)
	}
	ws := cal.CheckSession(plan)
	out := make([]calendarWarning, 0, len(ws))
	for _, w := range ws {
		out = append(out, calendarWarning{Code: w.Code, Date: w.Date.Format(time.DateOnly), FR: w.MessageFR, EN: w.MessageEN})
	}
	if env.format == "json" {
		return json.NewEncoder(env.stdout).Encode(map[string]any{
			"zone": cal.Zone(), "region": cal.Region(),
			"start": from.Format(time.DateOnly), "end": to.Format(time.DateOnly),
			"warnings": out,
			"data":     map[string]string{"origin": data.Origin, "taken": data.Taken.Format(time.DateOnly)},
		})
	}
	fmt.Fprintf(env.stdout, "zone %s, region %s, %s to %s: %d warning(s)\n",
		cal.ZoneLabel(), cal.Region(), from.Format("02/01/2006"), to.Format("02/01/2006"), len(out))
	for _, w := range out {
		fmt.Fprintf(env.stdout, "warning %s %s: %s / %s\n", w.Code, w.Date, w.FR, w.EN)
	}
	return nil
}

// runCalendarUpdate installs a newer official data file where
// calendar_file points: validated first, written atomically, refused with
// one sentence when invalid or not newer than the data in use.
func runCalendarUpdate(_ context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "calendar update", `--from FILE

FILE is a bridge calendar data file (first line "`+calendar.DataFormat+`", a "# taken: YYYY-MM-DD"
line, then kind,zone,start,end,name rows; `+"`bridge calendar export`"+` prints the data in use in this
format). It is installed at calendar_file (default <data_dir>/calendar.csv) only when it is valid
and was taken after the data in use; a running bridge serve reads it at the next check.`)
	from := fs.String("from", "", "the new calendar data file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *from == "" {
		return usagef("--from FILE is required")
	}
	cfg, err := env.loadConfig()
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(*from)
	if err != nil {
		return fmt.Errorf("calendar update: cannot read %s: %w", *from, errors.Unwrap(err))
	}
	old, installed, err := calendar.Install(cfg.CalendarPath(), raw, *from)
	if err != nil {
		return fmt.Errorf("calendar update: %w", err)
	}
	if env.format == "json" {
		return json.NewEncoder(env.stdout).Encode(map[string]any{
			"installed": installed.Origin, "taken": installed.Taken.Format(time.DateOnly),
			"replaced": old.Origin, "replaced_taken": old.Taken.Format(time.DateOnly),
			"coverage": coverageOf(installed),
		})
	}
	fmt.Fprintf(env.stdout, "installed %s (taken %s) at %s, replacing %s (taken %s)\n",
		*from, installed.Taken.Format(time.DateOnly), installed.Origin, old.Origin, old.Taken.Format(time.DateOnly))
	for _, z := range installed.Zones() {
		was, now := lastCovered(old, z), lastCovered(installed, z)
		change := ""
		if was != now {
			change = " (was " + was + ")"
		}
		fmt.Fprintf(env.stdout, "  zone %-26s known until %s%s\n", z, now, change)
	}
	return nil
}

func lastCovered(d *calendar.Data, zone string) string {
	if last, ok := d.LastCovered(zone); ok {
		return last.Format(time.DateOnly)
	}
	return "never"
}

func coverageOf(d *calendar.Data) map[string]string {
	out := map[string]string{}
	for _, z := range d.Zones() {
		out[z] = lastCovered(d, z)
	}
	return out
}

func runCalendarExport(_ context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "calendar export", "[--out FILE]")
	out := fs.String("out", "", "write to FILE instead of standard output")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := env.loadConfig()
	if err != nil {
		return err
	}
	data, err := calendar.Effective(cfg.CalendarPath())
	if err != nil {
		return err
	}
	if *out == "" && env.format == "json" {
		return json.NewEncoder(env.stdout).Encode(data)
	}
	if *out == "" {
		return data.Encode(env.stdout)
	}
	var buf bytes.Buffer
	if err := data.Encode(&buf); err != nil {
		return err
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("calendar export: %w", err)
	}
	if env.format == "json" {
		return json.NewEncoder(env.stdout).Encode(map[string]any{"wrote": *out, "origin": data.Origin, "taken": data.Taken.Format(time.DateOnly)})
	}
	fmt.Fprintf(env.stdout, "wrote %s (%s, taken %s)\n", *out, data.Origin, data.Taken.Format(time.DateOnly))
	return nil
}

// parseCalendarDay accepts YYYY-MM-DD and JJ/MM/AAAA.
func parseCalendarDay(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.DateOnly, "02/01/2006", "2/1/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("date %q: want YYYY-MM-DD or JJ/MM/AAAA", s)
}

// parseSlot accepts "JJ/MM/AAAA HH:MM" and "YYYY-MM-DD HH:MM", a local time.
func parseSlot(s string) (time.Time, error) { return calendar.ParseSlot(s) }
