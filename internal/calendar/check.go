package calendar

import (
	"fmt"
	"time"

	"github.com/magistere/bridge/internal/fr"
)

// Warning codes returned by CheckSession. They are stable: the Moodle blocks
// and reports translate or filter on them.
const (
	CodeInvalidSpan           = "invalid_span"
	CodeStartWeekend          = "start_weekend"
	CodeStartFriday           = "start_friday"
	CodeStartPublicHoliday    = "start_public_holiday"
	CodeStartEvePublicHoliday = "start_eve_public_holiday"
	CodeStartInSchoolHolidays = "start_in_school_holidays"
	CodeStartEveSchoolHoliday = "start_eve_school_holidays"
	CodeRemoteWorkload        = "remote_workload"
	CodeCrossesSchoolHolidays = "crosses_school_holidays"
	// CodeCalendarUnknown: a day the check needs is outside the school
	// holidays the bridge knows for the zone; the other warnings may be
	// missing. Never silently blind.
	CodeCalendarUnknown = "calendar_unknown"
	// Virtual-class slots outside school working hours.
	CodeVirtualOutsideHours   = "virtual_outside_hours"
	CodeVirtualWeekend        = "virtual_weekend"
	CodeVirtualPublicHoliday  = "virtual_public_holiday"
	CodeVirtualSchoolHolidays = "virtual_school_holidays"
)

// Working hours for virtual classes: a slot starting before WorkdayStart or
// at or after WorkdayEnd (local time of the académie) is outside them.
const (
	WorkdayStartMinute = 8 * 60
	WorkdayEndMinute   = 18 * 60
)

// SessionPlan is what a formateur announces for a session.
type SessionPlan struct {
	Start, End      time.Time // first and last day of the session (inclusive)
	RemoteMinutes   int       // announced remote workload for the whole session
	InPersonMinutes int       // announced in-person time; not checked, carried for reports
	// VirtualClasses are the planned virtual-class slots (start time, in
	// the académie's local time); each one outside working hours warns.
	VirtualClasses []time.Time
}

// Warning is advice, never a refusal.
type Warning struct {
	Code      string
	Date      time.Time // the day the warning is about (midnight UTC)
	MessageFR string
	MessageEN string
}

var frenchWeekdays = [...]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}

func frDate(d time.Time) string {
	return fmt.Sprintf("%s %02d/%02d/%d", frenchWeekdays[d.Weekday()], d.Day(), int(d.Month()), d.Year())
}

func enDate(d time.Time) string { return d.Format("Monday 2 January 2006") }

// unknownWarning reports the first day of [from, to] the calendar does not
// know, with the wording operators grep for.
func (c *Calendar) unknownWarning(from, to time.Time) (Warning, bool) {
	day, ok := c.FirstUnknown(from, to)
	if !ok {
		return Warning{}, false
	}
	return Warning{CodeCalendarUnknown, day,
		fmt.Sprintf("calendrier scolaire inconnu pour le %s (zone %s) : mettre à jour les données", day.Format("02/01/2006"), c.ZoneLabel()),
		fmt.Sprintf("school calendar unknown for %s (zone %s): update the data", day.Format("02/01/2006"), c.ZoneLabel())}, true
}

// CheckSession returns the planning warnings for a session, in a stable
// order: calendar_unknown (first day of the session, or its start's eve,
// outside the known data), start-day warnings, then workload, then each
// school-holiday range the session crosses, then each virtual-class slot.
func (c *Calendar) CheckSession(p SessionPlan) []Warning {
	start, end := DateOf(p.Start), DateOf(p.End)
	if end.Before(start) {
		return []Warning{{CodeInvalidSpan, start,
			fmt.Sprintf("La fin de la session (%s) précède son début (%s).", frDate(end), frDate(start)),
			fmt.Sprintf("The session ends (%s) before it starts (%s).", enDate(end), enDate(start))}}
	}
	var ws []Warning
	last := end
	if !last.After(start) {
		last = start.AddDate(0, 0, 1) // the eve checks look at the next day
	}
	if w, ok := c.unknownWarning(start, last); ok {
		ws = append(ws, w)
	}
	ws = append(ws, c.startWarnings(start)...)
	if w, ok := c.workloadWarning(start, end, p.RemoteMinutes); ok {
		ws = append(ws, w)
	}
	ws = append(ws, c.crossingWarnings(start, end)...)
	unknownSaid := len(ws) > 0 && ws[0].Code == CodeCalendarUnknown
	for _, slot := range p.VirtualClasses {
		for _, w := range c.virtualWarnings(slot) {
			if w.Code == CodeCalendarUnknown {
				if unknownSaid {
					continue // one is enough to say the data is missing
				}
				unknownSaid = true
			}
			ws = append(ws, w)
		}
	}
	return ws
}

// StartWarnings returns only the warnings about the start day, with
// calendar_unknown first when the start or its next day is not known.
func (c *Calendar) StartWarnings(start time.Time) []Warning {
	start = DateOf(start)
	var ws []Warning
	if w, ok := c.unknownWarning(start, start.AddDate(0, 0, 1)); ok {
		ws = append(ws, w)
	}
	return append(ws, c.startWarnings(start)...)
}

// CheckVirtualClass returns the warnings for one virtual-class slot: its
// start (local time of the académie) before 8:00 or from 18:00, on a
// weekend, a public holiday or in school holidays; calendar_unknown when
// the day is outside the known data.
func (c *Calendar) CheckVirtualClass(slot time.Time) []Warning { return c.virtualWarnings(slot) }

func (c *Calendar) virtualWarnings(slot time.Time) []Warning {
	day := DateOf(slot)
	at := slot.Format("02/01/2006 15:04")
	var ws []Warning
	if !c.Known(day) {
		w, _ := c.unknownWarning(day, day)
		ws = append(ws, w)
	}
	if minute := slot.Hour()*60 + slot.Minute(); minute < WorkdayStartMinute || minute >= WorkdayEndMinute {
		ws = append(ws, Warning{CodeVirtualOutsideHours, day,
			fmt.Sprintf("Classe virtuelle du %s hors des heures ouvrées (8 h - 18 h).", at),
			fmt.Sprintf("Virtual class on %s outside working hours (8:00-18:00).", at)})
	}
	if isWeekend(day) {
		ws = append(ws, Warning{CodeVirtualWeekend, day,
			fmt.Sprintf("Classe virtuelle du %s un week-end (%s).", at, frenchWeekdays[day.Weekday()]),
			fmt.Sprintf("Virtual class on %s on a weekend (%s).", at, day.Weekday())})
	}
	if h, ok := c.PublicHoliday(day); ok {
		ws = append(ws, Warning{CodeVirtualPublicHoliday, day,
			fmt.Sprintf("Classe virtuelle du %s un jour férié : %s.", at, h.NameFR),
			fmt.Sprintf("Virtual class on %s on a public holiday: %s.", at, h.NameEN)})
	}
	if r, ok := c.SchoolHolidayOn(day); ok {
		ws = append(ws, Warning{CodeVirtualSchoolHolidays, day,
			fmt.Sprintf("Classe virtuelle du %s pendant les vacances scolaires : %s.", at, r.Name),
			fmt.Sprintf("Virtual class on %s during school holidays: %s.", at, r.Name)})
	}
	return ws
}

func (c *Calendar) startWarnings(start time.Time) []Warning {
	var ws []Warning
	switch start.Weekday() {
	case time.Saturday, time.Sunday:
		ws = append(ws, Warning{CodeStartWeekend, start,
			fmt.Sprintf("La session commence un week-end (%s).", frDate(start)),
			fmt.Sprintf("The session starts on a weekend (%s).", enDate(start))})
	case time.Friday:
		ws = append(ws, Warning{CodeStartFriday, start,
			fmt.Sprintf("La session commence un vendredi, veille de week-end (%s).", frDate(start)),
			fmt.Sprintf("The session starts on a Friday, the eve of a weekend (%s).", enDate(start))})
	}
	if h, ok := c.PublicHoliday(start); ok {
		ws = append(ws, Warning{CodeStartPublicHoliday, start,
			fmt.Sprintf("La session commence un jour férié : %s (%s).", h.NameFR, frDate(start)),
			fmt.Sprintf("The session starts on a public holiday: %s (%s).", h.NameEN, enDate(start))})
	}
	next := start.AddDate(0, 0, 1)
	if h, ok := c.PublicHoliday(next); ok {
		ws = append(ws, Warning{CodeStartEvePublicHoliday, start,
			fmt.Sprintf("La session commence la veille d'un jour férié : %s (%s).", h.NameFR, frDate(next)),
			fmt.Sprintf("The session starts on the eve of a public holiday: %s (%s).", h.NameEN, enDate(next))})
	}
	if r, ok := c.SchoolHolidayOn(start); ok {
		ws = append(ws, Warning{CodeStartInSchoolHolidays, start,
			fmt.Sprintf("La session commence pendant les vacances scolaires : %s (du %s au %s).", r.Name, frDate(r.Start), frDate(r.End)),
			fmt.Sprintf("The session starts during school holidays: %s (%s to %s).", r.Name, enDate(r.Start), enDate(r.End))})
	} else if r, ok := c.SchoolHolidayOn(next); ok {
		ws = append(ws, Warning{CodeStartEveSchoolHoliday, start,
			fmt.Sprintf("La session commence la veille des vacances scolaires : %s (à partir du %s).", r.Name, frDate(r.Start)),
			fmt.Sprintf("The session starts on the eve of school holidays: %s (from %s).", r.Name, enDate(r.Start))})
	}
	return ws
}

// WorkingWeeks counts the session's weeks for the remote-workload rule as
// ceil(school working days / 5), where school working days are Monday to
// Friday, not public holidays, not school holidays (see IsWorkingDay).
//
// Why not ceil(calendar days / 7): a session spanning the two weeks of
// Toussaint would otherwise get two "free" weeks in which teachers are not
// expected to work, hiding an overload; and a 4-week session starting on a
// Wednesday touches 5 calendar weeks but offers only 4 weeks of work. For a
// session of plain working weeks both formulas agree.
func (c *Calendar) WorkingWeeks(start, end time.Time) (weeks, workingDays int) {
	start, end = DateOf(start), DateOf(end)
	for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
		if c.IsWorkingDay(d) {
			workingDays++
		}
	}
	return (workingDays + 4) / 5, workingDays
}

func (c *Calendar) workloadWarning(start, end time.Time, remoteMinutes int) (Warning, bool) {
	if remoteMinutes <= 0 {
		return Warning{}, false
	}
	weeks, days := c.WorkingWeeks(start, end)
	if weeks == 0 {
		return Warning{CodeRemoteWorkload, start,
			fmt.Sprintf("%s de travail à distance annoncées sans aucun jour ouvré scolaire dans la session.", hm(remoteMinutes)),
			fmt.Sprintf("%s of remote work announced but the session has no school working day.", hm(remoteMinutes))}, true
	}
	if remoteMinutes <= c.maxRemoteWeek*weeks {
		return Warning{}, false
	}
	perWeek := (remoteMinutes + weeks - 1) / weeks
	return Warning{CodeRemoteWorkload, start,
		fmt.Sprintf("Charge à distance de %s par semaine (%s sur %d semaine(s) de %d jours ouvrés) : au-delà des %s hebdomadaires recommandées.",
			hm(perWeek), hm(remoteMinutes), weeks, days, hm(c.maxRemoteWeek)),
		fmt.Sprintf("Remote workload of %s per week (%s over %d week(s), %d working days): above the recommended %s per week.",
			hm(perWeek), hm(remoteMinutes), weeks, days, hm(c.maxRemoteWeek))}, true
}

// hm formats minutes as "2 h", "2 h 30" or "45 min" (one way for every
// feature: package fr).
func hm(minutes int) string { return fr.Duration(minutes) }

// crossingWarnings lists the school-holiday ranges the session runs through,
// except one the session starts in (already reported as a start warning).
func (c *Calendar) crossingWarnings(start, end time.Time) []Warning {
	var ws []Warning
	for _, r := range c.SchoolHolidaysBetween(start, end) {
		if r.Contains(start) {
			continue
		}
		ws = append(ws, Warning{CodeCrossesSchoolHolidays, r.Start,
			fmt.Sprintf("La session traverse les vacances scolaires : %s (du %s au %s).", r.Name, frDate(r.Start), frDate(r.End)),
			fmt.Sprintf("The session runs through school holidays: %s (%s to %s).", r.Name, enDate(r.Start), enDate(r.End))})
	}
	return ws
}

// SuggestStart returns the first day on or after from that raises no start
// warning, for a planner that wants to propose a date. Bounded to 550 days.
func (c *Calendar) SuggestStart(from time.Time) time.Time {
	d := DateOf(from)
	for i := 0; i < 550; i++ {
		if len(c.StartWarnings(d)) == 0 {
			return d
		}
		d = d.AddDate(0, 0, 1)
	}
	return DateOf(from)
}
