package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/magistere/bridge/internal/calendar"
)

func init() {
	register(&command{name: "calendar check", summary: "calendar warnings for a planned session (same as sessions create), virtual-class slots included", run: runCalendarCheck})
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
	if *domain != "" {
		if *zone != "" || *region != "" {
			return usagef("--domain takes the zone and region from the configuration: leave out --zone and --region")
		}
		cfg, err := env.loadConfig()
		if err != nil {
			return err
		}
		d, ok := cfg.Domain(*domain)
		if !ok {
			return usagef("unknown domain %q", *domain)
		}
		*zone, *region = d.Zone, d.Region
		holidays = append(repeated(d.Holidays), holidays...)
	} else if *zone == "" {
		return usagef("--zone (or --domain) is required; zones: %s", strings.Join(calendar.KnownZones(), ", "))
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
	cal, err := calendar.New(calendar.Options{Zone: *zone, Region: *region, Extra: extra})
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
		})
	}
	fmt.Fprintf(env.stdout, "zone %s, region %s, %s to %s: %d warning(s)\n",
		cal.ZoneLabel(), cal.Region(), from.Format("02/01/2006"), to.Format("02/01/2006"), len(out))
	for _, w := range out {
		fmt.Fprintf(env.stdout, "warning %s %s: %s / %s\n", w.Code, w.Date, w.FR, w.EN)
	}
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
func parseSlot(s string) (time.Time, error) {
	s = strings.Join(strings.Fields(s), " ")
	for _, layout := range []string{"02/01/2006 15:04", "2/1/2006 15:04", "2006-01-02 15:04", "02/01/2006 15h04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf(`want "JJ/MM/AAAA HH:MM"`)
}
