package demo

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/magistere/bridge/internal/archive"
	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/workflow"
)

func init() {
	Register(Chapter{Order: 80, Name: "archiving", Run: chapterArchive})
}

type archiveDemo struct {
	e    *Env
	d    *domains.Domain
	svc  *archive.Service
	cats map[string]store.DomainCategory
}

// chapterArchive closes sessions for real on ac-a: archive with and
// without access, unarchive back to the exact same place, automatic
// archiving and the Corbeille's retention, each acting on its dry run.
func chapterArchive(e *Env) error {
	d, err := e.App.Fleet.Get(AcademyA)
	if err != nil {
		return err
	}
	if _, err := e.App.Domains.Bootstrap(e.Ctx, AcademyA); err != nil {
		return err
	}
	cats, err := e.App.Store.DomainCategories(e.Ctx, AcademyA)
	if err != nil {
		return err
	}
	a := &archiveDemo{e: e, d: d, svc: e.App.Archive, cats: cats}
	ended := time.Now().Add(-40 * 24 * time.Hour)
	s1, err := a.session("DEMO-ARC-1", "Session « Lire au cycle 2 » — archivage", ended, 3)
	if err != nil {
		return err
	}
	if err := a.archiveAndUndo(s1); err != nil {
		return err
	}
	s2, err := a.session("DEMO-ARC-2", "Session « Écrire au cycle 3 » — archivage auto", ended, 0)
	if err != nil {
		return err
	}
	if err := a.auto([]int64{s2}, []int64{s1}); err != nil {
		return err
	}
	return a.retention()
}

// session creates a session in the Session category, with participants
// and an entry in the offre de formation, recorded as running.
func (a *archiveDemo) session(shortname, name string, end time.Time, participants int) (int64, error) {
	ctx := a.e.Ctx
	visible := 1
	c, err := a.d.Client.CreateCourseOnce(ctx, moodle.CourseInput{FullName: name, ShortName: shortname,
		CategoryID: moodle.Int(a.cats[domains.CatSession].CategoryID), Visible: &visible,
		StartDate: end.Add(-21 * 24 * time.Hour).Unix(), EndDate: end.Unix()})
	if err != nil {
		return 0, err
	}
	id := int64(c.ID)
	// The session was opened by hand: the workflow adopts it as running.
	wf := a.e.App.Workflow
	if err := wf.Record(ctx, workflow.Change{Transition: workflow.Adopt, Actor: "demo",
		Next: store.CourseState{Domain: AcademyA, CourseID: id, State: workflow.StateSessionEnCours}}); err != nil {
		return 0, err
	}
	if _, err := a.e.App.Store.PutOffer(ctx, store.Offer{Kind: store.OfferFormation, Domain: AcademyA, CourseID: id, Title: name,
		Publics: []string{"Professeurs des écoles"}, PublishedBy: "demo", PublishedAt: time.Now()}); err != nil {
		return 0, err
	}
	if participants > 0 {
		users := make([]moodle.UserInput, participants)
		for i := range users {
			u := fmt.Sprintf("arc.participant%d", i)
			users[i] = moodle.UserInput{Username: u, CreatePassword: 1, Auth: "manual", FirstName: "Participant", LastName: fmt.Sprint(i),
				Email: u + "@ac-a.example"}
		}
		created, err := a.d.Client.CreateUsers(ctx, users)
		if err != nil {
			return 0, err
		}
		rows := make([]moodle.Enrolment, len(created))
		for i, u := range created {
			rows[i] = moodle.Enrolment{RoleID: 5, UserID: u.ID, CourseID: c.ID}
		}
		if err := a.d.Client.EnrolUsers(ctx, rows); err != nil {
			return 0, err
		}
	}
	a.e.Step("%s: session %d (%s) ended %s, %d participants, published in the offre de formation", AcademyA, id, shortname,
		end.Format("2006-01-02"), participants)
	return id, nil
}

// snapshot is what unarchiving must give back exactly.
type snapshot struct {
	Category  int64
	Visible   bool
	Frozen    bool
	Published bool
}

func (a *archiveDemo) look(id int64) (snapshot, error) {
	cs, err := a.d.Client.GetCourses(a.e.Ctx, []moodle.Int{moodle.Int(id)})
	if err != nil || len(cs) != 1 {
		return snapshot{}, fmt.Errorf("read course %d: %v", id, err)
	}
	// A frozen course refuses any change (nopermissions comes back as a warning).
	w, err := a.d.Client.UpdateCourses(a.e.Ctx, []moodle.CourseUpdate{{ID: cs[0].ID, FullName: cs[0].FullName}})
	_, oerr := a.e.App.Store.OfferByCourse(a.e.Ctx, store.OfferFormation, AcademyA, id)
	if oerr != nil && !errors.Is(oerr, store.ErrNotFound) {
		return snapshot{}, oerr
	}
	return snapshot{Category: int64(cs[0].CategoryID), Visible: bool(cs[0].Visible), Frozen: err != nil || len(w) > 0, Published: oerr == nil}, nil
}

func (a *archiveDemo) archiveAndUndo(id int64) error {
	ctx := a.e.Ctx
	before, err := a.look(id)
	if err != nil {
		return err
	}
	req := archive.Request{Domain: AcademyA, CourseID: id, Access: archive.AccessReadOnly, Backup: true, Notify: true, RequestedBy: "demo"}
	plan, err := a.svc.PlanArchive(ctx, req)
	if err != nil {
		return err
	}
	a.e.Step("dry run: category %d -> %d, visible %v -> %v, freeze %v, unpublish %v, %d participants, %d marked present",
		plan.FromCategory, plan.ToCategory, plan.Visible, plan.ToVisible, plan.Freeze, plan.Published, plan.Participants, plan.Attendance)
	for _, w := range plan.Warnings {
		a.e.Step("warning before archiving: %s", w)
	}
	var res archive.Result
	if err := a.await(a.svc.Submit(ctx, req))(&res); err != nil {
		return err
	}
	after, err := a.look(id)
	if err != nil {
		return err
	}
	a.e.Step("archived (read-only access): category %d, visible %v, frozen %v, published %v, %d participants notified",
		after.Category, after.Visible, after.Frozen, after.Published, res.Notified)
	if res.Backup != nil {
		a.e.Step("final backup kept: %s (%d bytes, sha256 %.16s…)", res.Backup.Path, res.Backup.Size, res.Backup.SHA256)
	}
	if err := a.unarchive(id, before); err != nil {
		return err
	}
	req = archive.Request{Domain: AcademyA, CourseID: id, Access: archive.AccessNone, RequestedBy: "demo"}
	if err := a.await(a.svc.Submit(ctx, req))(&res); err != nil {
		return err
	}
	after, err = a.look(id)
	if err != nil {
		return err
	}
	a.e.Step("archived without access: visible %v, frozen %v", after.Visible, after.Frozen)
	return a.unarchive(id, before)
}

// await takes a Submit's answer and returns a function waiting for the
// job and decoding its result into out.
func (a *archiveDemo) await(job store.Job, _ bool, err error) func(out any) error {
	return func(out any) error {
		if err != nil {
			return err
		}
		done, err := a.e.WaitJob(job.ID)
		if err != nil {
			return err
		}
		return json.Unmarshal(done.Result, out)
	}
}

func (a *archiveDemo) unarchive(id int64, before snapshot) error {
	var res archive.UnarchiveResult
	if err := a.await(a.svc.SubmitUnarchive(a.e.Ctx, archive.UnarchiveRequest{Domain: AcademyA, CourseID: id, RequestedBy: "demo"}))(&res); err != nil {
		return err
	}
	after, err := a.look(id)
	if err != nil {
		return err
	}
	if after != before {
		return fmt.Errorf("unarchive of %d gave %+v, want %+v", id, after, before)
	}
	a.e.Step("unarchived: exactly as before (category %d, visible %v, frozen %v, published %v), state %s",
		after.Category, after.Visible, after.Frozen, after.Published, workflow.Label(workflow.StateSessionPreparation))
	return nil
}

// auto turns archive_after_days on (30 days) and archives what its dry
// run lists; a session that becomes due later waits for the next run, and
// one reopened on purpose (unarchived) is left alone.
func (a *archiveDemo) auto(ids, reopened []int64) error {
	a.d.Config.ArchiveAfterDays = 30
	defer func() { a.d.Config.ArchiveAfterDays = 0 }()
	list, err := a.svc.AutoCandidates(a.e.Ctx, AcademyA)
	if err != nil {
		return err
	}
	listed := map[int64]bool{}
	for _, c := range list {
		listed[c.CourseID] = true
	}
	for _, id := range ids {
		if !listed[id] {
			return fmt.Errorf("session %d missing from the automatic archiving dry run", id)
		}
	}
	a.e.Step("archive auto --dry-run (archive_after_days 30): %d session(s) ended more than 30 days ago", len(list))
	skipped, err := a.svc.AutoReopened(a.e.Ctx, AcademyA)
	if err != nil {
		return err
	}
	for _, id := range reopened {
		found := false
		for _, c := range skipped {
			found = found || c.CourseID == id
		}
		if !found || listed[id] {
			return fmt.Errorf("session %d, reopened by unarchive, is not left alone by automatic archiving", id)
		}
		a.e.Step("session %d skipped: reopened by unarchive", id)
	}
	var res archive.BatchResult
	if err := a.await(a.svc.SubmitBatch(a.e.Ctx, archive.KindAuto, archive.BatchPayload{Domain: AcademyA, Courses: list}, "demo"))(&res); err != nil {
		return err
	}
	done := 0
	for _, o := range res.Outcomes {
		if o.Done {
			done++
		}
	}
	a.e.Step("archive auto: %d listed, %d archived, each audited", len(res.Listed), done)
	return nil
}

// retention trashes a course, turns trash_retention_days on (30 days),
// and looks 31 days ahead: backup, checksum verified, then deletion.
func (a *archiveDemo) retention() error {
	ctx := a.e.Ctx
	c, err := a.d.Client.CreateCourseOnce(ctx, moodle.CourseInput{FullName: "Session abandonnée", ShortName: "DEMO-ARC-TRASH",
		CategoryID: moodle.Int(a.cats[domains.CatSession].CategoryID)})
	if err != nil {
		return err
	}
	wf := a.e.App.Workflow
	job, _, err := wf.Submit(ctx, workflow.Request{Transition: workflow.Trash, Domain: AcademyA, CourseID: int64(c.ID), RequestedBy: "demo"})
	if err != nil {
		return err
	}
	if _, err := a.e.WaitJob(job.ID); err != nil {
		return err
	}
	a.d.Config.TrashRetentionDays = 30
	defer func() { a.d.Config.TrashRetentionDays = 0 }()
	a.svc.SetClock(func() time.Time { return time.Now().Add(31 * 24 * time.Hour) })
	list, err := a.svc.RetentionCandidates(ctx, AcademyA)
	if err != nil {
		return err
	}
	a.e.Step("course %d put in the Corbeille; retention run --dry-run 31 days later lists %d course(s)", c.ID, len(list))
	var res archive.BatchResult
	if err := a.await(a.svc.SubmitBatch(ctx, archive.KindRetention, archive.BatchPayload{Domain: AcademyA, Courses: list}, "demo"))(&res); err != nil {
		return err
	}
	for _, o := range res.Outcomes {
		if o.Backup != nil {
			a.e.Step("course %d: backup %s verified (sha256 %.16s…), then deleted", o.CourseID, o.Backup.Path, o.Backup.SHA256)
		} else {
			a.e.Step("course %d: skipped: %s", o.CourseID, o.Skipped)
		}
	}
	left, err := a.d.Client.GetCourses(ctx, []moodle.Int{c.ID})
	if err != nil || len(left) != 0 {
		return fmt.Errorf("course %d still exists after the retention run (%v)", c.ID, err)
	}
	return nil
}
