package archive_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/archive"
	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/moodlesim"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/workflow"
)

func (h *harness) publish(courseID int64) {
	h.t.Helper()
	if _, err := h.st.PutOffer(h.ctx, store.Offer{Kind: store.OfferFormation, Domain: dom, CourseID: courseID, Title: "Lire au cycle 2",
		Publics: []string{"PE"}, PublishedBy: "alice", PublishedAt: time.Unix(1700000000, 0)}); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) published(courseID int64) (store.Offer, bool) {
	o, err := h.st.OfferByCourse(h.ctx, store.OfferFormation, dom, courseID)
	if errors.Is(err, store.ErrNotFound) {
		return o, false
	}
	if err != nil {
		h.t.Fatal(err)
	}
	return o, true
}

func fileSum(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("backup file: %v", err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func TestArchiveReadOnlyThenUnarchiveRestoresExactly(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	sub := h.subCategory(h.category(domains.CatArchive), "Archive 2025-2026")
	id := h.session("S1", workflow.StateSessionEnCours, true, time.Now().Add(-48*time.Hour), 2)
	h.publish(id)
	before := h.course(id)

	plan, err := h.svc.PlanArchive(h.ctx, archive.Request{Domain: dom, CourseID: id, CategoryID: sub, Backup: true})
	if err != nil {
		t.Fatal(err)
	}
	if !plan.Freeze || !plan.ToVisible || !plan.Published || plan.Participants != 2 || len(plan.Warnings) != 1 ||
		!strings.Contains(plan.Warnings[0], "no attendance recorded") {
		t.Fatalf("plan = %+v", plan)
	}
	// Once a participant is marked present (package tracking), no warning.
	users := h.sim.Site(dom).EnrolledUserIDs(int(id))
	if _, _, err := h.st.SetAttendance(h.ctx, dom, id, int64(users[0]), true, "formateur"); err != nil {
		t.Fatal(err)
	}
	if p, err := h.svc.PlanArchive(h.ctx, archive.Request{Domain: dom, CourseID: id}); err != nil || len(p.Warnings) != 0 || p.Attendance != 1 {
		t.Fatalf("plan with attendance = %+v, %v", p, err)
	}
	if _, _, err := h.st.SetAttendance(h.ctx, dom, id, int64(users[0]), false, "formateur"); err != nil {
		t.Fatal(err)
	}
	job, created, err := h.svc.Submit(h.ctx, archive.Request{Domain: dom, CourseID: id, CategoryID: sub, Backup: true, Notify: true, RequestedBy: "alice"})
	if err != nil || !created {
		t.Fatalf("submit: %v created=%v", err, created)
	}
	again, created, err := h.svc.Submit(h.ctx, archive.Request{Domain: dom, CourseID: id, CategoryID: sub, Backup: true, Notify: true, RequestedBy: "alice"})
	if err != nil || created || again.ID != job.ID {
		t.Fatalf("resubmit = job %d created=%v err=%v; want job %d", again.ID, created, err, job.ID)
	}
	res := decode[archive.Result](t, h.mustSucceed(job).Result)

	c := h.course(id)
	if int64(c.CategoryID) != sub || !bool(c.Visible) {
		t.Fatalf("archived course in category %d visible %v; want %d visible", c.CategoryID, c.Visible, sub)
	}
	if !h.frozen(id) {
		t.Fatal("archived course accepts updates: not frozen")
	}
	if _, ok := h.published(id); ok {
		t.Fatal("archived session still in the offre de formation")
	}
	if res.Backup == nil || fileSum(t, res.Backup.Path) != res.Backup.SHA256 || res.Backup.Size == 0 {
		t.Fatalf("backup = %+v", res.Backup)
	}
	if !strings.HasSuffix(res.Backup.Path, ".mbz") || !strings.HasPrefix(res.Backup.Path, h.dataDir) {
		t.Fatalf("backup path %s not an .mbz under the data dir", res.Backup.Path)
	}
	if res.Notified != 2 || !res.Frozen || !res.Unpublished || len(res.Warnings) != 1 {
		t.Fatalf("result = %+v", res)
	}
	if cs, _ := h.st.GetCourseState(h.ctx, dom, id); cs.State != workflow.StateSessionArchivee {
		t.Fatalf("state = %+v", cs)
	}
	// The same request again is the same job; another one is refused.
	if j, created, err := h.svc.Submit(h.ctx, archive.Request{Domain: dom, CourseID: id, CategoryID: sub, Backup: true, Notify: true,
		RequestedBy: "alice"}); err != nil || created || j.ID != job.ID {
		t.Fatalf("resubmit after success = job %d created=%v err=%v; want job %d", j.ID, created, err, job.ID)
	}
	if _, _, err := h.svc.Submit(h.ctx, archive.Request{Domain: dom, CourseID: id, Access: archive.AccessNone}); err == nil {
		t.Fatal("archiving an archived session accepted")
	}

	uj, _, err := h.svc.SubmitUnarchive(h.ctx, archive.UnarchiveRequest{Domain: dom, CourseID: id, RequestedBy: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	h.mustSucceed(uj)
	after := h.course(id)
	if after.CategoryID != before.CategoryID || after.Visible != before.Visible {
		t.Fatalf("after unarchive: category %d visible %v; before %d %v", after.CategoryID, after.Visible, before.CategoryID, before.Visible)
	}
	if o, ok := h.published(id); !ok || o.Title != "Lire au cycle 2" || o.PublishedBy != "alice" || len(o.Publics) != 1 {
		t.Fatalf("offer after unarchive = %+v, %v", o, ok)
	}
	if h.frozen(id) {
		t.Fatal("unarchived course still frozen")
	}
	if cs, _ := h.st.GetCourseState(h.ctx, dom, id); cs.State != workflow.StateSessionEnCours {
		t.Fatalf("state after unarchive = %+v; want the state before archiving", cs)
	}
	trail, err := h.st.ListTransitions(h.ctx, dom, id)
	if err != nil || len(trail) != 2 || trail[0].Transition != "archive" || trail[1].Transition != "unarchive" || trail[1].Actor != "bob" {
		t.Fatalf("trail = %+v, %v", trail, err)
	}
	if _, _, err := h.svc.SubmitUnarchive(h.ctx, archive.UnarchiveRequest{Domain: dom, CourseID: id}); err == nil {
		t.Fatal("unarchiving a course not archived accepted")
	}
	// Archiving again after the undo is a new job.
	h.st.PutCourseState(h.ctx, store.CourseState{Domain: dom, CourseID: id, State: workflow.StateSessionEnCours})
	j2, created, err := h.svc.Submit(h.ctx, archive.Request{Domain: dom, CourseID: id, CategoryID: sub, Backup: true, Notify: true, RequestedBy: "alice"})
	if err != nil || !created || j2.ID == job.ID {
		t.Fatalf("archive again: job %d created=%v err=%v", j2.ID, created, err)
	}
	h.mustSucceed(j2)
}

func TestArchiveWithoutAccessHidesAndFreezes(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.svc.SetAttendance(fixedAttendance(1))
	id := h.session("S2", workflow.StateSessionPreparation, true, time.Time{}, 1)
	if _, _, err := h.svc.Submit(h.ctx, archive.Request{Domain: dom, CourseID: id, CategoryID: h.category(domains.CatCorbeille)}); err == nil {
		t.Fatal("a destination outside Archive was accepted")
	}
	job, _, err := h.svc.Submit(h.ctx, archive.Request{Domain: dom, CourseID: id, Access: archive.AccessNone})
	if err != nil {
		t.Fatal(err)
	}
	res := decode[archive.Result](t, h.mustSucceed(job).Result)
	c := h.course(id)
	if bool(c.Visible) || int64(c.CategoryID) != h.category(domains.CatArchive) || !h.frozen(id) {
		t.Fatalf("course visible=%v category=%d frozen=%v", c.Visible, c.CategoryID, h.frozen(id))
	}
	if !res.Hidden || !res.Frozen || res.Unpublished || res.Backup != nil || len(res.Warnings) != 0 {
		t.Fatalf("result = %+v (attendance recorded: no warning expected)", res)
	}
	uj, _, err := h.svc.SubmitUnarchive(h.ctx, archive.UnarchiveRequest{Domain: dom, CourseID: id})
	if err != nil {
		t.Fatal(err)
	}
	h.mustSucceed(uj)
	if c := h.course(id); !bool(c.Visible) || int64(c.CategoryID) != h.category(domains.CatSession) || h.frozen(id) {
		t.Fatalf("after unarchive: %+v", c)
	}
}

func TestArchiveOnMoodle35FallsBackToHiding(t *testing.T) {
	h := newHarness(t, harnessOptions{release: "3.5"})
	id := h.session("S3", workflow.StateSessionEnCours, true, time.Time{}, 0)
	job, _, err := h.svc.Submit(h.ctx, archive.Request{Domain: dom, CourseID: id, Access: archive.AccessReadOnly})
	if err != nil {
		t.Fatal(err)
	}
	res := decode[archive.Result](t, h.mustSucceed(job).Result)
	if res.Frozen || !res.Hidden || !strings.Contains(res.Fallback, "3.5") {
		t.Fatalf("result = %+v; want hidden with a fallback naming 3.5", res)
	}
	if c := h.course(id); bool(c.Visible) || h.frozen(id) {
		t.Fatalf("course visible=%v frozen=%v; want hidden, not frozen", c.Visible, h.frozen(id))
	}
	if counts := h.sim.Site(dom).CallCounts(); counts["local_bridge_freeze_context"] != 0 {
		t.Fatalf("freeze called %d times on 3.5", counts["local_bridge_freeze_context"])
	}
	uj, _, _ := h.svc.SubmitUnarchive(h.ctx, archive.UnarchiveRequest{Domain: dom, CourseID: id})
	h.mustSucceed(uj)
	if c := h.course(id); !bool(c.Visible) {
		t.Fatal("unarchive did not show the course again")
	}
}

func TestArchiveRefusesNonSessions(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	id := h.session("P1", workflow.StateParcoursConstruction, true, time.Time{}, 0)
	_, _, err := h.svc.Submit(h.ctx, archive.Request{Domain: dom, CourseID: id})
	var ref *workflow.Refusal
	if !errors.As(err, &ref) || ref.Code != "wrong_state" {
		t.Fatalf("err = %v; want wrong_state refusal", err)
	}
	if _, _, err := h.svc.Submit(h.ctx, archive.Request{Domain: dom, CourseID: id, Access: "writable"}); err == nil {
		t.Fatal("unknown access mode accepted")
	}
}

// TestArchiveUnderFaultsEndsExactlyRestored: writes that commit and then
// answer HTTP 500 make jobs retry from their checkpoints; archive and
// unarchive still end in the same states as without faults.
func TestArchiveUnderFaultsEndsExactlyRestored(t *testing.T) {
	h := newHarness(t, harnessOptions{faults: moodlesim.FaultSpec{AfterCommit: 0.3, WritesOnly: true, Seed: 2}})
	var id int64
	for i := 0; id == 0 && i < 10; i++ {
		out, err := h.client().CreateCourseOnce(h.ctx, moodle.CourseInput{FullName: "Session F", ShortName: "SF",
			CategoryID: moodle.Int(h.category(domains.CatSession))})
		if err == nil {
			id = int64(out.ID)
		}
	}
	if id == 0 {
		t.Fatal("could not create the course under faults")
	}
	h.st.PutCourseState(h.ctx, store.CourseState{Domain: dom, CourseID: id, State: workflow.StateSessionEnCours})
	h.publish(id)
	before := h.course(id)
	job, _, err := h.svc.Submit(h.ctx, archive.Request{Domain: dom, CourseID: id, Access: archive.AccessNone, Backup: true})
	if err != nil {
		t.Fatal(err)
	}
	// With this seed a write fails after committing: the job resumes.
	if j := h.mustSucceed(job); j.Attempts < 2 {
		t.Fatalf("archive attempts under faults = %d; want a retry", j.Attempts)
	}
	if c := h.course(id); bool(c.Visible) || int64(c.CategoryID) != h.category(domains.CatArchive) {
		t.Fatalf("archived under faults: %+v", c)
	}
	uj, _, err := h.svc.SubmitUnarchive(h.ctx, archive.UnarchiveRequest{Domain: dom, CourseID: id})
	if err != nil {
		t.Fatal(err)
	}
	h.mustSucceed(uj)
	if c := h.course(id); c.CategoryID != before.CategoryID || c.Visible != before.Visible {
		t.Fatalf("after unarchive under faults: %+v, before %+v", c, before)
	}
	if _, ok := h.published(id); !ok {
		t.Fatal("offer not restored")
	}
	if recs, _ := h.st.ListArchiveRecords(h.ctx, dom, id); len(recs) != 1 {
		t.Fatalf("records = %+v; want exactly one", recs)
	}
}

// TestArchiveWithContextLockingOffFallsBackToHiding: local_bridge is there
// but the site's contextlocking setting is off (Moodle's default): the job
// hides the course instead of failing half-way, and unarchiving shows it
// again.
func TestArchiveWithContextLockingOffFallsBackToHiding(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.sim.Site(dom).SetContextLocking(false)
	id := h.session("S4", workflow.StateSessionEnCours, true, time.Time{}, 0)
	job, _, err := h.svc.Submit(h.ctx, archive.Request{Domain: dom, CourseID: id})
	if err != nil {
		t.Fatal(err)
	}
	res := decode[archive.Result](t, h.mustSucceed(job).Result)
	if res.Frozen || !res.Hidden || !strings.Contains(res.Fallback, "contextlocking") {
		t.Fatalf("result = %+v; want hidden with a fallback naming contextlocking", res)
	}
	if c := h.course(id); bool(c.Visible) || int64(c.CategoryID) != h.category(domains.CatArchive) || h.frozen(id) {
		t.Fatalf("course visible=%v category=%d frozen=%v; want hidden in Archive", c.Visible, c.CategoryID, h.frozen(id))
	}
	// Archiving it otherwise is refused as already archived.
	_, _, err = h.svc.Submit(h.ctx, archive.Request{Domain: dom, CourseID: id, Access: archive.AccessNone})
	var ref *workflow.Refusal
	if !errors.As(err, &ref) || ref.Code != "already_archived" {
		t.Fatalf("archive again with another access: %v; want already_archived", err)
	}
	uj, _, err := h.svc.SubmitUnarchive(h.ctx, archive.UnarchiveRequest{Domain: dom, CourseID: id})
	if err != nil {
		t.Fatal(err)
	}
	h.mustSucceed(uj)
	if c := h.course(id); !bool(c.Visible) || int64(c.CategoryID) != h.category(domains.CatSession) {
		t.Fatalf("after unarchive: %+v", c)
	}
	if cs, _ := h.st.GetCourseState(h.ctx, dom, id); cs.State != workflow.StateSessionEnCours {
		t.Fatalf("state after unarchive = %s; want session_en_cours", cs.State)
	}
}
