package workflow

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodle"
)

// Reminder kinds: at the session's start, and at its end +0/+7/+14/+21 days.
const (
	ReminderStart = "start"
	ReminderEnd0  = "end+0"
	ReminderEnd7  = "end+7"
	ReminderEnd14 = "end+14"
	ReminderEnd21 = "end+21"
)

// reminderWindow is how long after its day a reminder is still sent: a
// run matches a date range, not an exact timestamp, so a day the
// scheduler missed is caught up by the next run.
const reminderWindow = 7

// DueReminders lists the reminders due on day today (a calendar day) for a
// session starting on day start and ending on day end (zero: no end).
func DueReminders(today, start, end time.Time) []string {
	var due []string
	within := func(day time.Time) bool {
		return !today.Before(day) && today.Before(day.AddDate(0, 0, reminderWindow))
	}
	if !start.IsZero() && within(start) {
		due = append(due, ReminderStart)
	}
	if end.IsZero() {
		return due
	}
	for i, kind := range []string{ReminderEnd0, ReminderEnd7, ReminderEnd14, ReminderEnd21} {
		if within(end.AddDate(0, 0, 7*i)) {
			due = append(due, kind)
		}
	}
	return due
}

// RemindersPayload is the workflow.reminders job's payload; an empty
// domain means every domain of the fleet.
type RemindersPayload struct {
	Domain string `json:"domain"`
}

// SentReport is one reminder sent by a run, with the planning warnings of
// its session's dates (the same check as create-sessions: calendar_unknown
// when they are outside the school calendar the bridge knows).
type SentReport struct {
	Domain   string    `json:"domain"`
	CourseID int64     `json:"course_id"`
	Kind     string    `json:"kind"`
	To       []int64   `json:"to"`
	Warnings []Warning `json:"warnings"`
}

func (s *Service) remindersJob(ctx context.Context, run *jobs.Run) (any, error) {
	var p RemindersPayload
	if err := run.Decode(&p); err != nil {
		return nil, err
	}
	names := []string{p.Domain}
	if p.Domain == "" {
		names = nil
		for _, d := range s.fleet.All() {
			names = append(names, d.Name())
		}
	}
	var (
		sent []SentReport
		errs []error
	)
	for _, name := range names {
		got, err := s.SendReminders(ctx, name)
		sent = append(sent, got...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return sent, errors.Join(errs...)
}

// SendReminders sends a domain's due reminders to the formateurs of its
// sessions (in preparation or running), each reminder exactly once: the
// ledger slot is claimed before sending (one winner across replicas) and
// given back if sending fails, so the next run tries again.
func (s *Service) SendReminders(ctx context.Context, domain string) ([]SentReport, error) {
	e, err := s.env(ctx, domain)
	if err != nil {
		return nil, err
	}
	states, err := s.st.ListCourseStates(ctx, domain, StateSessionPreparation, StateSessionEnCours)
	if err != nil || len(states) == 0 {
		return nil, err
	}
	ids := make([]string, len(states))
	for i, cs := range states {
		ids[i] = strconv.FormatInt(cs.CourseID, 10)
	}
	courses, err := e.d.Client.GetCoursesByField(ctx, "ids", strings.Join(ids, ","))
	if err != nil {
		return nil, fmt.Errorf("reminders %s: read sessions: %w", domain, err)
	}
	today := startOfDay(s.now(), s.loc)
	var (
		sent []SentReport
		errs []error
	)
	for _, c := range courses {
		due := DueReminders(today, s.day(int64(c.StartDate)), s.day(int64(c.EndDate)))
		if len(due) == 0 {
			continue
		}
		ws, err := s.sessionWarnings(domain, c)
		if err != nil {
			// The reminder still goes out; the run reports the unreadable
			// calendar instead of sending it without a word.
			errs = append(errs, err)
		}
		got, err := s.remindCourse(ctx, e, c, due, ws)
		sent = append(sent, got...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return sent, errors.Join(errs...)
}

// sessionWarnings runs the planning check of create-sessions on a
// session's days as Moodle has them now (a trainer may have moved them).
func (s *Service) sessionWarnings(domain string, c moodle.Course) ([]Warning, error) {
	start, end := s.day(int64(c.StartDate)), s.day(int64(c.EndDate))
	if start.IsZero() {
		return []Warning{}, nil
	}
	if end.IsZero() {
		end = start
	}
	ws, err := s.CalendarWarnings(domain, Params{Start: start.Format(time.DateOnly), End: end.Format(time.DateOnly)})
	if err != nil {
		return []Warning{}, fmt.Errorf("reminders %s: course %d: %w", domain, int64(c.ID), err)
	}
	return reportWarnings(ws), nil
}

// day is the calendar day (midnight, Paris) of a Moodle timestamp; zero for 0.
func (s *Service) day(ts int64) time.Time {
	if ts == 0 {
		return time.Time{}
	}
	return startOfDay(time.Unix(ts, 0), s.loc)
}

func (s *Service) remindCourse(ctx context.Context, e *env, c moodle.Course, due []string, ws []Warning) ([]SentReport, error) {
	users, err := e.d.Client.GetEnrolledUsers(ctx, c.ID, moodle.EnrolledUsersOptions{})
	if err != nil {
		return nil, fmt.Errorf("reminders %s: course %d: %w", e.d.Name(), int64(c.ID), err)
	}
	var to []int64
	for _, u := range users {
		if countRole([]moodle.User{u}, e.roles["formateur"]) > 0 {
			to = append(to, int64(u.ID))
		}
	}
	if len(to) == 0 {
		return nil, nil // nobody to remind; the slot stays free
	}
	var sent []SentReport
	for _, kind := range due {
		claimed, err := s.st.ClaimReminder(ctx, e.d.Name(), int64(c.ID), kind)
		if err != nil {
			return sent, err
		}
		if !claimed {
			continue
		}
		if err := s.sendReminder(ctx, e.d, c, kind, to, ws); err != nil {
			if rerr := s.st.ReleaseReminder(ctx, e.d.Name(), int64(c.ID), kind); rerr != nil {
				err = errors.Join(err, rerr)
			}
			return sent, err
		}
		sent = append(sent, SentReport{Domain: e.d.Name(), CourseID: int64(c.ID), Kind: kind, To: to, Warnings: ws})
	}
	return sent, nil
}

func (s *Service) sendReminder(ctx context.Context, d *domains.Domain, c moodle.Course, kind string, to []int64, ws []Warning) error {
	text := reminderText(c, kind, ws)
	msgs := make([]moodle.MessageInput, len(to))
	for i, u := range to {
		msgs[i] = moodle.MessageInput{ToUserID: moodle.Int(u), Text: text, TextFormat: 2,
			ClientMsgID: fmt.Sprintf("bridge-%d-%s-%d", int64(c.ID), kind, u)}
	}
	out, err := d.Client.SendInstantMessages(ctx, msgs)
	if err != nil {
		return fmt.Errorf("reminder %s of course %d: %w", kind, int64(c.ID), err)
	}
	for _, m := range out {
		if m.MsgID < 0 {
			return failure.Retryable(fmt.Errorf("reminder %s of course %d: not sent to %s: %s", kind, int64(c.ID), m.ClientMsgID, m.ErrorMessage))
		}
	}
	return nil
}

// reminderText is the message; the start reminder also lists the
// session's calendar warnings, while the formateur can still tell the
// participants (holidays crossed, dates the bridge cannot check).
func reminderText(c moodle.Course, kind string, ws []Warning) string {
	if kind == ReminderStart {
		text := fmt.Sprintf("Ouverture de la session « %s » (%s) : la session commence aujourd'hui. Pensez à publier une annonce aux participants.",
			c.FullName, c.ShortName)
		for _, w := range ws {
			text += "\nCalendrier : " + w.FR
		}
		return text
	}
	return fmt.Sprintf("Fermeture de la session « %s » (%s) : la session est terminée (%s). Pensez à attester la participation et à clôturer la session.",
		c.FullName, c.ShortName, strings.ReplaceAll(kind, "end", "fin "))
}
