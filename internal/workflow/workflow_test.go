package workflow_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/calendar"
	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/workflow"
)

func TestBootstrapTwiceChangesNothing(t *testing.T) {
	h := newHarness(t)
	for _, dom := range []string{"ac-a", "ac-b"} {
		first := h.bootstrap(dom)
		if first.Created() != len(domains.Skeleton) || first.Changed() != len(domains.Skeleton)+len(first.Roles) {
			t.Fatalf("%s first run: created %d changed %d, want %d and %d", dom, first.Created(), first.Changed(), len(domains.Skeleton), len(domains.Skeleton)+len(first.Roles))
		}
		cats := h.sim.Site(dom).Counts().Categories
		second := h.bootstrap(dom)
		if second.Created() != 0 || second.Changed() != 0 {
			t.Fatalf("%s second run: created %d changed %d, want nothing", dom, second.Created(), second.Changed())
		}
		if got := h.sim.Site(dom).Counts().Categories; got != cats {
			t.Fatalf("%s: %d categories after the second run, %d before", dom, got, cats)
		}
		for i, c := range second.Categories {
			if c.ID != first.Categories[i].ID {
				t.Fatalf("%s: category %s id %d then %d", dom, c.Key, first.Categories[i].ID, c.ID)
			}
		}
	}
	roles, err := h.st.DomainRoles(h.ctx, "ac-a")
	if err != nil || roles["participant"].RoleID != 5 || roles["formateur"].RoleID != 3 || roles["tuteur"].RoleID != 4 {
		t.Fatalf("roles = %+v, %v", roles, err)
	}
	// The demonstration category sits under Parcours de formation.
	pdf, ped := h.category("ac-a", domains.CatParcours), h.category("ac-a", domains.CatDemonstration)
	cs, err := h.client("ac-a").GetCategories(h.ctx, []moodle.KeyValue{{Key: "id", Value: itoa(ped)}}, false)
	if err != nil || len(cs) != 1 || int64(cs[0].Parent) != pdf {
		t.Fatalf("demonstration category = %+v, %v; want parent %d", cs, err, pdf)
	}
}

func TestResolveRoleID(t *testing.T) {
	for in, want := range map[string]int64{"student": 5, "editingteacher": 3, " Teacher ": 4, "12": 12} {
		if got, err := domains.ResolveRoleID(in); err != nil || got != want {
			t.Errorf("ResolveRoleID(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if _, err := domains.ResolveRoleID("formateur_custom"); err == nil {
		t.Error("a custom shortname without an id must be refused")
	}
}

func TestSessionCount(t *testing.T) {
	for _, c := range []struct{ p, m, want int }{{90, 25, 4}, {100, 25, 4}, {101, 25, 5}, {0, 0, 1}, {1, 30, 1}} {
		if got := workflow.SessionCount(c.p, c.m); got != c.want {
			t.Errorf("SessionCount(%d, %d) = %d, want %d", c.p, c.m, got, c.want)
		}
	}
}

func TestWorkflowRefusesBeforeBootstrap(t *testing.T) {
	h := newHarness(t)
	_, err := h.svc.Show(h.ctx, "ac-a", 1)
	var ref *workflow.Refusal
	if !errors.As(err, &ref) || ref.Code != "not_bootstrapped" || ref.FR == "" || ref.EN == "" {
		t.Fatalf("Show before bootstrap: %v", err)
	}
}

// TestLifecycle runs the whole lifecycle on both academies: gabarit →
// parcours → 4 sessions for 90 participants at 25 max → open one, refuse
// one without formateur, trash and restore one, with categories renamed
// in Moodle after bootstrap.
func TestLifecycle(t *testing.T) {
	h := newHarness(t)
	for _, dom := range []string{"ac-a", "ac-b"} {
		t.Run(dom, func(t *testing.T) { lifecycle(t, h, dom) })
	}
}

func lifecycle(t *testing.T, h *harness, dom string) {
	h.t = t
	h.bootstrap(dom)
	gabCat, sessCat := h.category(dom, domains.CatGabarit), h.category(dom, domains.CatSession)
	// Renamed in Moodle: nothing is found by name, so nothing breaks.
	for _, id := range []int64{gabCat, sessCat, h.category(dom, domains.CatCorbeille)} {
		if err := h.client(dom).UpdateCategories(h.ctx, []moodle.CategoryUpdate{{ID: moodle.Int(id), Name: "Renommée " + itoa(id)}}); err != nil {
			t.Fatal(err)
		}
	}
	formateurs := h.createUsers(dom, "form", 3)
	participants := h.createUsers(dom, "part", 2)
	gabarit := h.createCourse(dom, "GAB1", gabCat)

	v, err := h.svc.Show(h.ctx, dom, gabarit)
	if err != nil {
		t.Fatal(err)
	}
	if v.State != workflow.StateGabarit || v.Recorded || !allowed(v, workflow.CreateParcours) || allowed(v, workflow.Open) {
		t.Fatalf("gabarit view = %+v", v)
	}
	if r := refusalOf(v, workflow.Open); r == nil || r.Code != "wrong_state" {
		t.Fatalf("open on a gabarit: refusal %+v", r)
	}

	// Parcours from the gabarit, into Parcours de formation, creator enrolled.
	j := h.mustSucceed(h.run(workflow.Request{Transition: workflow.CreateParcours, Domain: dom, CourseID: gabarit,
		Params: workflow.Params{Name: "Parcours lecture", ShortName: "PARC1", CreatorID: formateurs[0]}}))
	parcours := decode[workflow.Copied](t, j.Result).CourseID
	if c := h.course(dom, parcours); int64(c.CategoryID) != h.category(dom, domains.CatParcours) || c.ShortName != "PARC1" {
		t.Fatalf("parcours course = %+v", c)
	}
	if st := h.state(dom, parcours); st.State != workflow.StateParcoursConstruction || st.SourceCourseID != gabarit {
		t.Fatalf("parcours state = %+v", st)
	}
	if h.state(dom, gabarit).State != workflow.StateGabarit {
		t.Fatal("the gabarit's adoption was not recorded")
	}

	// Four sessions for 90 participants, 25 per session.
	req := workflow.Request{Transition: workflow.CreateSessions, Domain: dom, CourseID: parcours, Params: workflow.Params{
		Name: "Lire au CP", Start: "2025-10-17", End: "2025-12-12", Participants: 90, Max: 25,
		Formateurs: formateurs[1:], CreatorID: formateurs[0], RemoteMinutes: ptr(360)}}
	j = h.mustSucceed(h.run(req))
	res := decode[workflow.SessionsResult](t, j.Result)
	if len(res.Sessions) != 4 {
		t.Fatalf("%d sessions, want 4: %+v", len(res.Sessions), res)
	}
	courses := h.sim.Site(dom).Counts().Courses
	for i, s := range res.Sessions {
		c := h.course(dom, s.CourseID)
		if want := "PARC1-S" + itoa(int64(i+1)); c.ShortName != want || int64(c.CategoryID) != sessCat || bool(c.Visible) || c.StartDate == 0 || c.EndDate == 0 {
			t.Fatalf("session %d = %+v, want %s in %d, hidden, dated", i+1, c, want, sessCat)
		}
		if st := h.state(dom, s.CourseID); st.State != workflow.StateSessionPreparation || st.SourceCourseID != parcours {
			t.Fatalf("session %d state = %+v", i+1, st)
		}
		if got := h.sim.Site(dom).EnrolledUserIDs(int(s.CourseID)); len(got) != 3 {
			t.Fatalf("session %d enrolled %v, want the creator and 2 formateurs", i+1, got)
		}
	}
	// Zone A: Friday 17 Oct 2025 is the eve of the Toussaint holidays.
	if dom == "ac-a" && !hasWarning(res.Warnings, calendar.CodeStartEveSchoolHoliday) {
		t.Fatalf("warnings = %+v, want %s", res.Warnings, calendar.CodeStartEveSchoolHoliday)
	}
	if !hasWarning(res.Warnings, calendar.CodeStartFriday) {
		t.Fatalf("warnings = %+v, want %s", res.Warnings, calendar.CodeStartFriday)
	}
	// The same request is the same job; other parameters giving the same
	// shortnames find the sessions again instead of copying twice.
	again, created, err := h.svc.Submit(h.ctx, req)
	if err != nil || created || again.ID != j.ID {
		t.Fatalf("resubmit: job %d created=%v err=%v, want job %d", again.ID, created, err, j.ID)
	}
	req.Params.Participants = 100
	j2 := h.mustSucceed(h.run(req))
	for _, s := range decode[workflow.SessionsResult](t, j2.Result).Sessions {
		if !s.Existing {
			t.Fatalf("session %s copied again", s.ShortName)
		}
	}
	if got := h.sim.Site(dom).Counts().Courses; got != courses {
		t.Fatalf("%d courses after the rerun, %d before", got, courses)
	}

	s1, s2, s3 := res.Sessions[0].CourseID, res.Sessions[1].CourseID, res.Sessions[2].CourseID
	// Opening needs the metadata.
	err = h.svc.Check(h.ctx, workflow.Request{Transition: workflow.Open, Domain: dom, CourseID: s1})
	if code := refusalCode(err); code != "metadata_missing" {
		t.Fatalf("open without metadata: %v", err)
	}
	for _, s := range []int64{s1, s2} {
		h.mustSucceed(h.run(workflow.Request{Transition: workflow.SetMetadata, Domain: dom, CourseID: s,
			Params: workflow.Params{InPersonMinutes: ptr(180), Objectives: "Enseigner la lecture"}}))
		h.enrol(dom, s, 5, participants...)
	}
	md, _ := h.st.GetCourseMetadata(h.ctx, dom, s1)
	if md.RemoteMinutes == nil || *md.RemoteMinutes != 360 || *md.InPersonMinutes != 180 {
		t.Fatalf("metadata = %+v", md)
	}
	before := h.course(dom, s1)
	h.mustSucceed(h.run(workflow.Request{Transition: workflow.Open, Domain: dom, CourseID: s1}))
	after := h.course(dom, s1)
	if !bool(after.Visible) || after.StartDate != before.StartDate {
		t.Fatalf("opened session: visible=%v start %d (was %d)", after.Visible, after.StartDate, before.StartDate)
	}
	if h.state(dom, s1).State != workflow.StateSessionEnCours {
		t.Fatal("s1 not en cours")
	}

	// Without formateur, opening is refused with the reason.
	var unenrol []moodle.Unenrolment
	for _, f := range formateurs {
		unenrol = append(unenrol, moodle.Unenrolment{UserID: moodle.Int(f), CourseID: moodle.Int(s2)})
	}
	if err := h.client(dom).UnenrolUsers(h.ctx, unenrol); err != nil {
		t.Fatal(err)
	}
	_, _, err = h.svc.Submit(h.ctx, workflow.Request{Transition: workflow.Open, Domain: dom, CourseID: s2, RequestedBy: "test"})
	var ref *workflow.Refusal
	if !errors.As(err, &ref) || ref.Code != "no_formateur" || !strings.Contains(ref.FR, "formateur") || !strings.Contains(ref.EN, "formateur") {
		t.Fatalf("open without formateur: %v", err)
	}
	v, err = h.svc.Show(h.ctx, dom, s2)
	if err != nil || refusalOf(v, workflow.Open) == nil || refusalOf(v, workflow.Open).Code != "no_formateur" {
		t.Fatalf("show s2 = %+v, %v", v, err)
	}
	// The worker re-checks the guard: a job enqueued behind Submit's back fails with the reason.
	raw, _, err := h.q.Submit(h.ctx, jobs.Spec{Kind: workflow.Kind(workflow.Open), Domain: dom, Payload: map[string]any{"course_id": s2}})
	if err != nil {
		t.Fatal(err)
	}
	if fj := h.wait(raw.ID); fj.State != store.JobFailed || !strings.Contains(fj.LastError, "no_formateur") {
		t.Fatalf("open job without formateur: %s %q", fj.State, fj.LastError)
	}
	if bool(h.course(dom, s2).Visible) {
		t.Fatal("a refused open made the course visible")
	}

	// Trash and restore, back to the origin category and state.
	h.mustSucceed(h.run(workflow.Request{Transition: workflow.Trash, Domain: dom, CourseID: s3}))
	if c := h.course(dom, s3); int64(c.CategoryID) != h.category(dom, domains.CatCorbeille) || bool(c.Visible) {
		t.Fatalf("trashed course = %+v", c)
	}
	if st := h.state(dom, s3); st.State != workflow.StateCorbeille || st.OriginState != workflow.StateSessionPreparation || st.OriginCategoryID != sessCat {
		t.Fatalf("trashed state = %+v", st)
	}
	h.mustSucceed(h.run(workflow.Request{Transition: workflow.Restore, Domain: dom, CourseID: s3}))
	if c := h.course(dom, s3); int64(c.CategoryID) != sessCat {
		t.Fatalf("restored course in %d, want %d", c.CategoryID, sessCat)
	}
	if st := h.state(dom, s3); st.State != workflow.StateSessionPreparation {
		t.Fatalf("restored state = %+v", st)
	}
	trail, err := h.st.ListTransitions(h.ctx, dom, s3)
	if err != nil || len(trail) != 3 || trail[1].Transition != workflow.Trash || trail[2].To != workflow.StateSessionPreparation || trail[2].JobID == 0 {
		t.Fatalf("trail = %+v, %v", trail, err)
	}
	audit, err := h.st.ListAudit(h.ctx, store.AuditFilter{Domain: dom, Action: "workflow." + workflow.Trash})
	if err != nil || len(audit) != 1 || audit[0].Target != "course:"+itoa(s3) {
		t.Fatalf("audit = %+v, %v", audit, err)
	}
	// Trash again after the restore: a new job that trashes the course,
	// not the first trash's old job; then once more: that same job.
	retrash := h.run(workflow.Request{Transition: workflow.Trash, Domain: dom, CourseID: s3})
	h.mustSucceed(retrash)
	if retrash.ID == trail[1].JobID || int64(h.course(dom, s3).CategoryID) != h.category(dom, domains.CatCorbeille) {
		t.Fatalf("trash after a restore: job %d (first trash %d), course in %d", retrash.ID, trail[1].JobID, h.course(dom, s3).CategoryID)
	}
	twice, created, err := h.svc.Submit(h.ctx, workflow.Request{Transition: workflow.Trash, Domain: dom, CourseID: s3, RequestedBy: "test"})
	if err != nil || created || twice.ID != retrash.ID {
		t.Fatalf("trash of a trashed course: job %d created %v, %v; want job %d again", twice.ID, created, err, retrash.ID)
	}
	// A restore asked again once the course moved on (trashed anew) is
	// not answered with the first restore's job either.
	h.mustSucceed(h.run(workflow.Request{Transition: workflow.Restore, Domain: dom, CourseID: s3}))
	if st := h.state(dom, s3); st.State != workflow.StateSessionPreparation {
		t.Fatalf("second restore: state %+v", st)
	}
}

func TestOpenSelfEnrolmentNeedsNoParticipant(t *testing.T) {
	h := newHarness(t)
	h.bootstrap("ac-b")
	f := h.createUsers("ac-b", "f", 1)
	s := h.createCourse("ac-b", "SESS", h.category("ac-b", domains.CatSession))
	h.enrol("ac-b", s, 3, f...)
	h.mustSucceed(h.run(workflow.Request{Transition: workflow.SetMetadata, Domain: "ac-b", CourseID: s,
		Params: workflow.Params{RemoteMinutes: ptr(120), InPersonMinutes: ptr(0), Objectives: "x"}}))
	if code := refusalCode(h.svc.Check(h.ctx, workflow.Request{Transition: workflow.Open, Domain: "ac-b", CourseID: s})); code != "no_participant" {
		t.Fatalf("open without participant: %s", code)
	}
	h.mustSucceed(h.run(workflow.Request{Transition: workflow.OpenSelfEnrolment, Domain: "ac-b", CourseID: s, Params: workflow.Params{Offer: "local"}}))
	c := h.course("ac-b", s)
	if int64(c.CategoryID) != h.category("ac-b", domains.CatAutoInscriptionLocale) || !bool(c.Visible) {
		t.Fatalf("self-enrolment session = %+v", c)
	}
	if st := h.state("ac-b", s); st.State != workflow.StateSessionEnCours || st.Variant != workflow.VariantSelfLocal {
		t.Fatalf("state = %+v", st)
	}
	if n := h.sim.Site("ac-b").CallCounts()["local_bridge_enable_self_enrolment"]; n != 1 {
		t.Fatalf("enable_self_enrolment called %d times", n)
	}
}

func allowed(v *workflow.View, tr string) bool {
	for _, o := range v.Options {
		if o.Transition == tr {
			return o.Allowed
		}
	}
	return false
}

func refusalOf(v *workflow.View, tr string) *workflow.Refusal {
	for _, o := range v.Options {
		if o.Transition == tr {
			return o.Refusal
		}
	}
	return nil
}

func refusalCode(err error) string {
	var r *workflow.Refusal
	if errors.As(err, &r) {
		return r.Code
	}
	if err == nil {
		return "<nil>"
	}
	return "error: " + err.Error()
}

func hasWarning(ws []workflow.Warning, code string) bool {
	for _, w := range ws {
		if w.Code == code {
			return true
		}
	}
	return false
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestDuplicateKeepsFamilyAndRefusesTakenShortname(t *testing.T) {
	h := newHarness(t)
	h.bootstrap("ac-a")
	pdf := h.category("ac-a", domains.CatParcours)
	parcours := h.createCourse("ac-a", "P", pdf)
	h.createCourse("ac-a", "TAKEN", h.category("ac-a", domains.CatArchive))
	if code := refusalCode(h.svc.Check(h.ctx, workflow.Request{Transition: workflow.Duplicate, Domain: "ac-a", CourseID: parcours})); code != "shortname_required" {
		t.Fatalf("duplicate without shortname: %s", code)
	}
	j := h.mustSucceed(h.run(workflow.Request{Transition: workflow.Duplicate, Domain: "ac-a", CourseID: parcours, Params: workflow.Params{ShortName: "P-COPY"}}))
	c := decode[workflow.Copied](t, j.Result)
	if got := h.course("ac-a", c.CourseID); int64(got.CategoryID) != pdf || got.ShortName != "P-COPY" {
		t.Fatalf("copy = %+v", got)
	}
	if st := h.state("ac-a", c.CourseID); st.State != workflow.StateParcoursConstruction || st.SourceCourseID != parcours {
		t.Fatalf("copy state = %+v", st)
	}
	j = h.run(workflow.Request{Transition: workflow.Duplicate, Domain: "ac-a", CourseID: parcours, Params: workflow.Params{ShortName: "TAKEN"}})
	if j.State != store.JobFailed || !strings.Contains(j.LastError, "shortname_taken") {
		t.Fatalf("duplicate onto a taken shortname: %s %q", j.State, j.LastError)
	}
}
