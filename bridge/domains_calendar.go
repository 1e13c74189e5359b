package main

import (
	"fmt"
	"time"

	"github.com/magistere/bridge/internal/calendar"
	"github.com/magistere/bridge/internal/config"
	"github.com/magistere/bridge/internal/domains"
)

// calendarHorizon is how far ahead a domain's school calendar must be
// known before `domains check` warns: sessions are planned months ahead.
const calendarHorizonMonths = 6

// domainCalendar is a domain's school-calendar status in `domains check`.
type domainCalendar struct {
	Zone string `json:"zone"`
	// KnownUntil is the last day of the coming horizon whose school
	// holidays are known ("" when today itself is not).
	KnownUntil string `json:"known_until,omitempty"`
	Data       string `json:"data"` // the data file in use, or "embedded"
	Warning    string `json:"warning,omitempty"`
}

// domainReport is a domain's check report with its calendar status.
type domainReport struct {
	domains.Report
	Calendar *domainCalendar `json:"calendar,omitempty"`
}

// calendarStatus says how far ahead the domain's school calendar is known
// (shipped or updated data plus its configured holidays) and warns when it
// is less than calendarHorizonMonths from today. A domain without a zone
// has no status.
func calendarStatus(d config.Domain, data *calendar.Data, today time.Time) *domainCalendar {
	if d.Zone == "" {
		return nil
	}
	st := &domainCalendar{Zone: d.Zone, Data: data.Origin}
	extra, err := calendar.ParseRanges(d.Holidays)
	if err != nil {
		st.Warning = err.Error()
		return st
	}
	cal, err := calendar.New(calendar.Options{Zone: d.Zone, Region: d.Region, Extra: extra, Data: data})
	if err != nil {
		st.Warning = err.Error()
		return st
	}
	st.Zone = cal.ZoneLabel()
	today = calendar.DateOf(today)
	horizon := today.AddDate(0, calendarHorizonMonths, 0)
	first, unknown := cal.FirstUnknown(today, horizon)
	switch {
	case !unknown:
		st.KnownUntil = horizon.Format(time.DateOnly)
		if last, ok := data.LastCovered(cal.Zone()); ok && last.After(horizon) {
			st.KnownUntil = last.Format(time.DateOnly)
		}
	case first.Equal(today):
		st.Warning = fmt.Sprintf("school calendar of zone %s unknown from today: run `bridge calendar update --from FILE` with the official calendar, or set the domain's holidays / calendrier scolaire inconnu : mettre à jour les données", cal.ZoneLabel())
	default:
		last := first.AddDate(0, 0, -1)
		st.KnownUntil = last.Format(time.DateOnly)
		st.Warning = fmt.Sprintf("school calendar of zone %s known only until %s, less than %d months ahead: run `bridge calendar update --from FILE` with the official calendar / calendrier scolaire connu jusqu'au %s seulement : mettre à jour les données",
			cal.ZoneLabel(), last.Format("02/01/2006"), calendarHorizonMonths, last.Format("02/01/2006"))
	}
	return st
}
