package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/magistere/bridge/internal/calendar"
	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/store"
)

// DefaultShortnamePattern names sessions after their parcours.
const DefaultShortnamePattern = "{parcours}-S{n}"

// sessionNames gives session n's shortname and full name (of count).
func sessionNames(p *Params, parcours string, n int) (shortname, fullname string, err error) {
	pattern := p.ShortnamePattern
	if pattern == "" {
		pattern = DefaultShortnamePattern
	}
	if !strings.Contains(pattern, "{n}") {
		return "", "", errors.New(`the pattern must contain "{n}" so that each session has its own shortname`)
	}
	shortname = strings.NewReplacer("{parcours}", parcours, "{n}", strconv.Itoa(n)).Replace(pattern)
	count := SessionCount(p.Participants, p.Max)
	fullname = p.Name
	if count > 1 {
		fullname = fmt.Sprintf("%s (groupe %d/%d)", p.Name, n, count)
	}
	return shortname, fullname, nil
}

func startOfDay(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// dayBounds turns session days into Moodle timestamps: the start day's
// midnight and the end day's last second (a session ends at the end of
// its last day, so end-of-session reminders match it).
func dayBounds(start, end string, loc *time.Location) (int64, int64, error) {
	s, err := parseDay(start)
	if err != nil {
		return 0, 0, err
	}
	e, err := parseDay(end)
	if err != nil {
		return 0, 0, err
	}
	s = time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, loc)
	e = time.Date(e.Year(), e.Month(), e.Day(), 23, 59, 59, 0, loc)
	return s.Unix(), e.Unix(), nil
}

// CalendarWarnings checks planned session dates against the domain's
// school calendar (zone from its configuration). Advice, never a refusal.
func (s *Service) CalendarWarnings(domain string, p Params) ([]calendar.Warning, error) {
	d, err := s.fleet.Get(domain)
	if err != nil {
		return nil, err
	}
	start, err1 := parseDay(p.Start)
	end, err2 := parseDay(p.End)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("session dates: %w", err)
	}
	plan := calendar.SessionPlan{Start: start, End: end}
	for _, v := range p.VirtualClasses {
		slot, err := calendar.ParseSlot(v)
		if err != nil {
			return nil, fmt.Errorf("session dates: %w", err)
		}
		plan.VirtualClasses = append(plan.VirtualClasses, slot)
	}
	extra, err := calendar.ParseRanges(d.Config.Holidays)
	if err != nil {
		return nil, fmt.Errorf("domain %s holidays: %w", domain, err)
	}
	data, err := calendar.Effective(s.fleet.CalendarPath())
	if err != nil {
		return nil, fmt.Errorf("domain %s calendar: %w", domain, err)
	}
	cal, err := calendar.New(calendar.Options{Zone: d.Config.Zone, Region: d.Config.Region, Extra: extra, Data: data})
	if err != nil {
		return nil, fmt.Errorf("domain %s calendar: %w", domain, err)
	}
	if p.RemoteMinutes != nil {
		plan.RemoteMinutes = *p.RemoteMinutes
	}
	if p.InPersonMinutes != nil {
		plan.InPersonMinutes = *p.InPersonMinutes
	}
	return cal.CheckSession(plan), nil
}

// Warning is a calendar warning as reported in a job's result.
type Warning struct {
	Code string `json:"code"`
	Date string `json:"date"`
	FR   string `json:"fr"`
	EN   string `json:"en"`
}

// SessionsResult is create-sessions' job result.
type SessionsResult struct {
	Sessions []Copied  `json:"sessions"`
	Warnings []Warning `json:"warnings"`
}

// applyCreateSessions makes ceil(participants/max) sessions from a
// parcours, one checkpointed step each: copy without users (or find the
// copy an earlier run made, by its shortname), dates, formateurs, state.
func applyCreateSessions(ctx context.Context, j *job) (any, error) {
	p := j.p.Params
	parcours, err := getCourse(ctx, j.e.d, j.p.CourseID)
	if err != nil {
		return nil, err
	}
	category := p.CategoryID
	if category == 0 {
		category = j.e.cats[domains.CatSession]
	} else if err := j.requireUnder(ctx, category, domains.CatSession); err != nil {
		return nil, err
	}
	start, end, err := dayBounds(p.Start, p.End, j.s.loc)
	if err != nil {
		return nil, refuse("bad_dates", "dates invalides", "invalid dates")
	}
	// The calendar is checked before any copy: a calendar the bridge cannot
	// read (bad zone, holidays or calendar_file) refuses the job instead of
	// creating sessions with no warnings at all.
	ws, err := j.s.CalendarWarnings(j.e.d.Name(), p)
	if err != nil {
		return nil, refuse("calendar_error", "calendrier scolaire illisible, aucune session créée : %v", "school calendar unreadable, no session created: %v", err)
	}
	count := SessionCount(p.Participants, p.Max)
	res := SessionsResult{Warnings: reportWarnings(nil)}
	for n := 1; n <= count; n++ {
		var c Copied
		err := j.run.Step(fmt.Sprintf("session-%d", n), func(ctx context.Context) (any, error) {
			return j.makeSession(ctx, parcours, n, category, start, end)
		}, &c)
		if err != nil {
			return res, err
		}
		if err := j.recordSession(n, c); err != nil {
			return res, err
		}
		res.Sessions = append(res.Sessions, c)
		j.run.Progress(n, count, "session "+c.ShortName)
	}
	res.Warnings = reportWarnings(ws)
	return res, nil
}

// reportWarnings turns calendar warnings into their reported form; never
// nil, so a result says "warnings": [] rather than null.
func reportWarnings(ws []calendar.Warning) []Warning {
	out := make([]Warning, 0, len(ws))
	for _, w := range ws {
		out = append(out, Warning{Code: w.Code, Date: w.Date.Format(time.DateOnly), FR: w.MessageFR, EN: w.MessageEN})
	}
	return out
}

func (j *job) makeSession(ctx context.Context, parcours *moodle.Course, n int, category, start, end int64) (Copied, error) {
	p := j.p.Params
	shortname, fullname, err := sessionNames(&p, parcours.ShortName, n)
	if err != nil {
		return Copied{}, refuse("bad_pattern", "modèle de nom abrégé invalide : %v", "invalid shortname pattern: %v", err)
	}
	c, err := j.copyCourse(ctx, j.p.CourseID, shortname, fullname, category, false)
	if err != nil {
		return c, err
	}
	if c.Existing {
		if settled, err := j.sessionAlreadyMade(ctx, c, fullname, start, end); settled || err != nil {
			return c, err
		}
	}
	// Dates and name are set on a new copy, and when this job resumes one
	// it made before a crash: a copy is not visible until opened, and
	// opening keeps the planned start date.
	if err := j.update(ctx, moodle.CourseUpdate{ID: moodle.Int(c.CourseID), FullName: fullname, StartDate: &start, EndDate: &end}); err != nil {
		return c, err
	}
	if err := j.enrolFormateurs(ctx, c.CourseID, nonZero(append([]int64{p.CreatorID}, p.Formateurs...)...)); err != nil {
		return c, err
	}
	if err := j.copyMetadata(ctx, c.CourseID); err != nil {
		return c, err
	}
	return c, nil
}

// recordSession records session n made by makeSession, in its own
// step: state, trail, audit and checkpoint in one transaction. A session
// an earlier job recorded already (found again with the same name and
// dates) is left as it is.
func (j *job) recordSession(n int, c Copied) error {
	p := j.p.Params
	name := fmt.Sprintf("session-%d-record", n)
	if cur, err := j.s.st.GetCourseState(j.run.Context(), j.e.d.Name(), c.CourseID); err == nil && cur.State != "" {
		if trail, err := j.s.st.ListTransitions(j.run.Context(), j.e.d.Name(), c.CourseID); err == nil && !madeBy(trail, j.run.ID()) {
			return nil
		}
	}
	next := store.CourseState{Domain: j.e.d.Name(), CourseID: c.CourseID, State: StateSessionPreparation, SourceCourseID: j.p.CourseID}
	return j.s.RecordStep(j.run, name, Change{Transition: CreateSessions, Next: next, Actor: actor(j.run.RequestedBy()),
		Params: json.RawMessage(fmt.Sprintf(`{"parcours":%d,"n":%d,"start":%q,"end":%q}`, j.p.CourseID, n, p.Start, p.End)),
		Detail: fmt.Sprintf("session %d from parcours %d", n, j.p.CourseID)})
}

// madeBy: the trail has this job's create-sessions entry.
func madeBy(trail []store.CourseTransition, jobID int64) bool {
	for _, t := range trail {
		if t.Transition == CreateSessions && t.JobID == jobID {
			return true
		}
	}
	return false
}

// copyMetadata gives the session its parcours's metadata, with the
// request's durations on top.
func (j *job) copyMetadata(ctx context.Context, session int64) error {
	md, err := j.s.st.GetCourseMetadata(ctx, j.e.d.Name(), j.p.CourseID)
	if err != nil {
		return err
	}
	mergeMetadata(&md, j.p.Params)
	if md.RemoteMinutes == nil && md.InPersonMinutes == nil && md.Objectives == "" {
		return nil
	}
	return j.s.st.SetCourseMetadata(ctx, j.e.d.Name(), session, md)
}

// sessionAlreadyMade decides about a session that exists before this
// job's step: made by this very job (resumed after a crash: carry on),
// made earlier with the same name and dates (nothing to do), or made
// earlier with others (refused: a re-run never rewrites a session that
// may be running, nor resets its recorded state).
func (j *job) sessionAlreadyMade(ctx context.Context, c Copied, fullname string, start, end int64) (bool, error) {
	if _, err := j.s.st.GetCourseState(ctx, j.e.d.Name(), c.CourseID); err != nil {
		return false, nil // no record: a copy whose step did not finish
	}
	trail, err := j.s.st.ListTransitions(ctx, j.e.d.Name(), c.CourseID)
	if err != nil {
		return false, err
	}
	for _, t := range trail {
		if t.Transition == CreateSessions && t.JobID == j.run.ID() {
			return false, nil
		}
	}
	cur, err := getCourse(ctx, j.e.d, c.CourseID)
	if err != nil {
		return false, err
	}
	var fr, en []string
	if cur.FullName != fullname {
		fr = append(fr, fmt.Sprintf("nom « %s » (demandé : « %s »)", cur.FullName, fullname))
		en = append(en, fmt.Sprintf("name %q (you asked %q)", cur.FullName, fullname))
	}
	day := func(ts int64) string { return time.Unix(ts, 0).In(j.s.loc).Format(time.DateOnly) }
	if int64(cur.StartDate) != start {
		fr = append(fr, fmt.Sprintf("début %s (demandé : %s)", day(int64(cur.StartDate)), day(start)))
		en = append(en, fmt.Sprintf("start %s (you asked %s)", day(int64(cur.StartDate)), day(start)))
	}
	if int64(cur.EndDate) != end {
		fr = append(fr, fmt.Sprintf("fin %s (demandée : %s)", day(int64(cur.EndDate)), day(end)))
		en = append(en, fmt.Sprintf("end %s (you asked %s)", day(int64(cur.EndDate)), day(end)))
	}
	if len(en) == 0 {
		return true, nil
	}
	return true, &Refusal{Code: "session_exists",
		FR: fmt.Sprintf("la session %s existe déjà avec : %s ; elle n'est pas modifiée : changer ses dates dans Moodle, ou choisir un autre --pattern",
			c.ShortName, strings.Join(fr, ", ")),
		EN: fmt.Sprintf("session %s already exists with %s; it is left unchanged: change its dates in Moodle, or choose another --pattern",
			c.ShortName, strings.Join(en, ", "))}
}

// requireUnder refuses a destination category outside the skeleton's
// root category (e.g. sessions asked into Gabarit).
func (j *job) requireUnder(ctx context.Context, category int64, root string) error {
	rootID := j.e.cats[root]
	cats, err := j.e.d.Client.GetCategories(ctx, []moodle.KeyValue{{Key: "id", Value: strconv.FormatInt(category, 10)}}, false)
	if err != nil {
		return fmt.Errorf("read category %d: %w", category, err)
	}
	if len(cats) == 1 {
		for _, id := range strings.Split(strings.Trim(cats[0].Path, "/"), "/") {
			if id == strconv.FormatInt(rootID, 10) {
				return nil
			}
		}
	}
	return refuse("wrong_category", "la catégorie %d n'est pas dans « Session de formation » (catégorie %d) : les sessions y sont créées",
		"category %d is not inside \"Session de formation\" (category %d), where sessions are created", category, rootID)
}
