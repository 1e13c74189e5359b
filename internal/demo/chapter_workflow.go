package demo

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/fr"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/workflow"
)

func init() {
	Register(Chapter{Order: 40, Name: "course lifecycle", Run: chapterWorkflow})
}

// chapterWorkflow runs the course lifecycle on both academies.
func chapterWorkflow(e *Env) error {
	for _, dom := range []string{AcademyA, AcademyB} {
		if err := lifecycleOn(e, dom); err != nil {
			return fmt.Errorf("%s: %w", dom, err)
		}
	}
	return nil
}

type lifecycleDemo struct {
	e   *Env
	dom string
	d   *domains.Domain
	svc *workflow.Service
}

func lifecycleOn(e *Env, dom string) error {
	d, err := e.App.Fleet.Get(dom)
	if err != nil {
		return err
	}
	l := &lifecycleDemo{e: e, dom: dom, d: d, svc: e.App.Workflow}
	cats, err := l.bootstrap()
	if err != nil {
		return err
	}
	users, err := l.users()
	if err != nil {
		return err
	}
	formateurs, participants := users[:3], users[3:]
	created, err := d.Client.CreateCourses(e.Ctx, []moodle.CourseInput{{FullName: "Gabarit parcours hybride", ShortName: dom + "-GAB",
		CategoryID: moodle.Int(cats[domains.CatGabarit])}})
	if err != nil {
		return err
	}
	gabarit := int64(created[0].ID)
	e.Step("%s: gabarit %d created in the (renamed) Gabarit category", dom, gabarit)
	var parcours workflow.Copied
	if err := l.run(workflow.CreateParcours, gabarit, workflow.Params{Name: "Lire et écrire au cycle 2", ShortName: dom + "-LEC2",
		CreatorID: formateurs[0]}, &parcours); err != nil {
		return err
	}
	e.Step("%s: parcours %d (%s) created from the gabarit, without users", dom, parcours.CourseID, parcours.ShortName)
	sessions, err := l.sessions(parcours.CourseID, formateurs)
	if err != nil {
		return err
	}
	if err := l.open(sessions, participants, formateurs); err != nil {
		return err
	}
	if err := l.trashRestore(sessions[2].CourseID); err != nil {
		return err
	}
	return l.reminders()
}

func (l *lifecycleDemo) bootstrap() (map[string]int64, error) {
	ctx := l.e.Ctx
	for i := 1; i <= 2; i++ {
		rep, err := l.e.App.Domains.Bootstrap(ctx, l.dom)
		if err != nil {
			return nil, err
		}
		l.e.Step("%s: bootstrap run %d: %d categories created, %d of %d existing, %d records changed", l.dom, i,
			rep.Created(), len(rep.Categories)-rep.Created(), len(rep.Categories), rep.Changed())
	}
	recorded, err := l.e.App.Store.DomainCategories(ctx, l.dom)
	if err != nil {
		return nil, err
	}
	cats := map[string]int64{}
	for k, c := range recorded {
		cats[k] = c.CategoryID
	}
	// Renaming in Moodle breaks nothing: the bridge knows ids, not names.
	if err := l.d.Client.UpdateCategories(ctx, []moodle.CategoryUpdate{
		{ID: moodle.Int(cats[domains.CatGabarit]), Name: "Modèles (renommé)"},
		{ID: moodle.Int(cats[domains.CatSession]), Name: "Sessions 2025-2026 (renommé)"},
	}); err != nil {
		return nil, err
	}
	l.e.Step("%s: categories Gabarit and Session de formation renamed in Moodle", l.dom)
	return cats, nil
}

func (l *lifecycleDemo) users() ([]int64, error) {
	in := make([]moodle.UserInput, 5)
	for i := range in {
		kind := "formateur"
		if i >= 3 {
			kind = "participant"
		}
		in[i] = moodle.UserInput{Username: fmt.Sprintf("%s.%s%d", l.dom, kind, i), CreatePassword: 1, Auth: "manual",
			FirstName: "Demo", LastName: fmt.Sprintf("%s %d", kind, i), Email: fmt.Sprintf("%s%d@%s.example", kind, i, l.dom)}
	}
	out, err := l.d.Client.CreateUsers(l.e.Ctx, in)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(out))
	for i, u := range out {
		ids[i] = int64(u.ID)
	}
	return ids, nil
}

// run submits a transition, waits for it and decodes its result.
func (l *lifecycleDemo) run(tr string, course int64, p workflow.Params, out any) error {
	j, _, err := l.svc.Submit(l.e.Ctx, workflow.Request{Transition: tr, Domain: l.dom, CourseID: course, Params: p, RequestedBy: "demo"})
	if err != nil {
		return err
	}
	if j, err = l.e.WaitJob(j.ID); err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(j.Result, out)
}

func (l *lifecycleDemo) sessions(parcours int64, formateurs []int64) ([]workflow.Copied, error) {
	p := workflow.Params{Name: "Lire et écrire au cycle 2", Start: "2025-10-17", End: "2025-12-12", Participants: 90, Max: 25,
		Formateurs: formateurs[1:], CreatorID: formateurs[0], RemoteMinutes: intRef(360)}
	ws, err := l.svc.CalendarWarnings(l.dom, p)
	if err != nil {
		return nil, err
	}
	for _, w := range ws {
		l.e.Step("%s: calendar warning %s: %s", l.dom, w.Code, w.MessageFR)
	}
	var res workflow.SessionsResult
	if err := l.run(workflow.CreateSessions, parcours, p, &res); err != nil {
		return nil, err
	}
	for _, s := range res.Sessions {
		l.e.Step("%s: session %d %s (%s)", l.dom, s.CourseID, s.ShortName, s.FullName)
	}
	if len(res.Sessions) != 4 {
		return nil, fmt.Errorf("90 participants at 25 max gave %d sessions, want 4", len(res.Sessions))
	}
	p.Participants = 100 // same shortnames: found again, not copied twice
	var again workflow.SessionsResult
	if err := l.run(workflow.CreateSessions, parcours, p, &again); err != nil {
		return nil, err
	}
	for _, s := range again.Sessions {
		if !s.Existing {
			return nil, fmt.Errorf("session %s copied twice", s.ShortName)
		}
	}
	l.e.Step("%s: a second request (100 participants) finds the 4 sessions by shortname: nothing copied twice", l.dom)
	return res.Sessions, nil
}

func (l *lifecycleDemo) open(sessions []workflow.Copied, participants, formateurs []int64) error {
	ctx := l.e.Ctx
	for _, s := range sessions[:2] {
		if err := l.run(workflow.SetMetadata, s.CourseID, workflow.Params{InPersonMinutes: intRef(180), Objectives: "Enseigner la lecture"}, nil); err != nil {
			return err
		}
		var rows []moodle.Enrolment
		for _, u := range participants {
			rows = append(rows, moodle.Enrolment{RoleID: 5, UserID: moodle.Int(u), CourseID: moodle.Int(s.CourseID)})
		}
		if err := l.d.Client.EnrolUsers(ctx, rows); err != nil && !moodle.IsMailFailure(err) {
			return err
		}
	}
	if err := l.run(workflow.Open, sessions[0].CourseID, workflow.Params{}, nil); err != nil {
		return err
	}
	l.e.Step("%s: session %s opened (visible, planned start date kept)", l.dom, sessions[0].ShortName)
	var out []moodle.Unenrolment
	for _, f := range formateurs {
		out = append(out, moodle.Unenrolment{UserID: moodle.Int(f), CourseID: moodle.Int(sessions[1].CourseID)})
	}
	if err := l.d.Client.UnenrolUsers(ctx, out); err != nil {
		return err
	}
	_, _, err := l.svc.Submit(ctx, workflow.Request{Transition: workflow.Open, Domain: l.dom, CourseID: sessions[1].CourseID, RequestedBy: "demo"})
	var ref *workflow.Refusal
	if !errors.As(err, &ref) {
		return fmt.Errorf("opening a session without formateur was not refused: %v", err)
	}
	l.e.Step("%s: opening %s without formateur refused: %s / %s", l.dom, sessions[1].ShortName, ref.FR, ref.EN)
	return nil
}

func (l *lifecycleDemo) trashRestore(course int64) error {
	if err := l.run(workflow.Trash, course, workflow.Params{}, nil); err != nil {
		return err
	}
	st, err := l.e.App.Store.GetCourseState(l.e.Ctx, l.dom, course)
	if err != nil {
		return err
	}
	l.e.Step("%s: course %d in the Corbeille, origin remembered: %s in category %d", l.dom, course, st.OriginState, st.OriginCategoryID)
	if err := l.run(workflow.Restore, course, workflow.Params{}, nil); err != nil {
		return err
	}
	v, err := l.svc.Show(l.e.Ctx, l.dom, course)
	if err != nil {
		return err
	}
	l.e.Step("%s: course %d restored: %s; trail of %d transitions", l.dom, course, v.Label, len(v.Trail))
	return nil
}

// reminders replays the session's calendar with a moved clock: the start
// day, the same day again, then a day after a missed end day.
func (l *lifecycleDemo) reminders() error {
	paris := fr.Paris()
	total := 0
	for _, d := range []string{"2025-10-17", "2025-10-17", "2025-12-13", "2025-12-14"} {
		day, _ := time.ParseInLocation(time.DateOnly, d, paris)
		l.svc.SetClock(func() time.Time { return day.Add(2*time.Hour + 15*time.Minute) })
		sent, err := l.svc.SendReminders(l.e.Ctx, l.dom)
		if err != nil {
			return err
		}
		total += len(sent)
		l.e.Step("%s: reminders run on %s: %d sent", l.dom, d, len(sent))
	}
	ledger, err := l.e.App.Store.SentReminders(l.e.Ctx, l.dom)
	if err != nil {
		return err
	}
	if len(ledger) != total {
		return fmt.Errorf("ledger has %d entries, %d reminders sent", len(ledger), total)
	}
	l.e.Step("%s: %d reminders in the sent-ledger, each exactly once (job kind %s runs this daily)", l.dom, len(ledger), workflow.KindReminders)
	return nil
}

func intRef(v int) *int { return &v }
