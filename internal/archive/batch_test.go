package archive_test

import (
	"os"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/archive"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/workflow"
)

func ids(list []archive.Candidate) map[int64]bool {
	out := map[int64]bool{}
	for _, c := range list {
		out[c.CourseID] = true
	}
	return out
}

func TestAutoArchiveActsOnlyOnItsDryRunList(t *testing.T) {
	h := newHarness(t, harnessOptions{archiveAfter: 7})
	now := *h.now.Load()
	old := h.session("OLD1", workflow.StateSessionEnCours, true, now.Add(-10*24*time.Hour), 0)
	old2 := h.session("OLD2", workflow.StateSessionPreparation, true, now.Add(-8*24*time.Hour), 0)
	recent := h.session("RECENT", workflow.StateSessionEnCours, true, now.Add(-3*24*time.Hour), 0)
	noEnd := h.session("NOEND", workflow.StateSessionEnCours, true, time.Time{}, 0)

	list, err := h.svc.AutoCandidates(h.ctx, dom)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(list); len(got) != 2 || !got[old] || !got[old2] {
		t.Fatalf("dry run = %+v; want %d and %d", list, old, old2)
	}
	// A session becoming due after the dry run is not touched by its job.
	late := h.session("LATE", workflow.StateSessionEnCours, true, now.Add(-9*24*time.Hour), 0)
	job, created, err := h.svc.SubmitBatch(h.ctx, archive.KindAuto, archive.BatchPayload{Domain: dom, Courses: list}, "cli")
	if err != nil || !created {
		t.Fatalf("submit: %v %v", err, created)
	}
	res := decode[archive.BatchResult](t, h.mustSucceed(job).Result)
	if len(res.Outcomes) != 2 || !res.Outcomes[0].Done || !res.Outcomes[1].Done {
		t.Fatalf("outcomes = %+v", res.Outcomes)
	}
	for id, want := range map[int64]string{old: workflow.StateSessionArchivee, old2: workflow.StateSessionArchivee,
		recent: workflow.StateSessionEnCours, noEnd: workflow.StateSessionEnCours, late: workflow.StateSessionEnCours} {
		if cs, _ := h.st.GetCourseState(h.ctx, dom, id); cs.State != want {
			t.Errorf("course %d: state %s, want %s", id, cs.State, want)
		}
	}
	if !h.frozen(old) || h.frozen(late) {
		t.Fatal("archive.auto froze the wrong courses")
	}

	// A scheduled run (no list) makes its own list in its first checkpoint.
	sched, _, err := h.q.Submit(h.ctx, jobs.Spec{Kind: archive.KindAuto, Payload: map[string]string{"domain": ""}, Key: "cron:test"})
	if err != nil {
		t.Fatal(err)
	}
	res = decode[archive.BatchResult](t, h.mustSucceed(sched).Result)
	if got := ids(res.Listed); len(got) != 1 || !got[late] || len(res.Outcomes) != 1 || !res.Outcomes[0].Done {
		t.Fatalf("scheduled run = %+v; want only %d", res, late)
	}
}

// Automatic archiving keeps a backup and notifies the participants, as
// the manual command does: when the domain's configuration says so (a
// scheduled run), or when the job asks (archive auto --backup --notify).
func TestAutoArchiveKeepsABackupAndNotifies(t *testing.T) {
	for name, o := range map[string]struct {
		config  harnessOptions
		payload archive.BatchPayload
	}{
		"configured": {config: harnessOptions{archiveAfter: 7, archiveBackup: true, archiveNotify: true}},
		"asked":      {config: harnessOptions{archiveAfter: 7}, payload: archive.BatchPayload{Backup: true, Notify: true}},
		"neither":    {config: harnessOptions{archiveAfter: 7}},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, o.config)
			now := *h.now.Load()
			id := h.session("ENDED", workflow.StateSessionEnCours, true, now.Add(-10*24*time.Hour), 2)
			list, err := h.svc.AutoCandidates(h.ctx, dom)
			if err != nil || len(list) != 1 {
				t.Fatalf("dry run = %+v, %v", list, err)
			}
			p := o.payload
			p.Domain, p.Courses = dom, list
			job, _, err := h.svc.SubmitBatch(h.ctx, archive.KindAuto, p, "cron")
			if err != nil {
				t.Fatal(err)
			}
			res := decode[archive.BatchResult](t, h.mustSucceed(job).Result)
			if len(res.Outcomes) != 1 || !res.Outcomes[0].Done || res.Outcomes[0].Archive == nil {
				t.Fatalf("outcomes = %+v", res.Outcomes)
			}
			got := res.Outcomes[0].Archive
			rec, err := h.st.ActiveArchiveRecord(h.ctx, dom, id)
			if err != nil {
				t.Fatal(err)
			}
			if name == "neither" {
				if got.Backup != nil || got.Notified != 0 || rec.BackupPath != "" {
					t.Fatalf("archived without asking: backup %+v, notified %d", got.Backup, got.Notified)
				}
				return
			}
			if got.Backup == nil || fileSum(t, got.Backup.Path) != got.Backup.SHA256 || rec.BackupSHA256 != got.Backup.SHA256 {
				t.Fatalf("backup = %+v, record %+v", got.Backup, rec)
			}
			if got.Notified != 2 || rec.Notified != 2 {
				t.Fatalf("notified %d (record %d), want the 2 participants", got.Notified, rec.Notified)
			}
		})
	}
}

func TestAutoArchiveOffByDefault(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.session("OLD", workflow.StateSessionEnCours, true, time.Now().Add(-400*24*time.Hour), 0)
	list, err := h.svc.AutoCandidates(h.ctx, "")
	if err != nil || len(list) != 0 {
		t.Fatalf("candidates with archive_after_days=0: %+v, %v", list, err)
	}
	if j, created, err := h.svc.SubmitBatch(h.ctx, archive.KindAuto, archive.BatchPayload{Domain: dom}, "cli"); err != nil || created || j.ID != 0 {
		t.Fatalf("empty list submitted a job: %+v %v %v", j, created, err)
	}
}

func (h *harness) trash(id int64) {
	h.t.Helper()
	j, _, err := h.wf.Submit(h.ctx, workflow.Request{Transition: workflow.Trash, Domain: dom, CourseID: id, RequestedBy: "test"})
	if err != nil {
		h.t.Fatal(err)
	}
	h.mustSucceed(j)
}

func TestRetentionDeletesOnlyListedCoursesAfterAVerifiedBackup(t *testing.T) {
	h := newHarness(t, harnessOptions{trashDays: 30})
	a := h.session("TA", workflow.StateSessionPreparation, true, time.Time{}, 0)
	b := h.session("TB", workflow.StateSessionPreparation, true, time.Time{}, 0)
	keep := h.session("KEEP", workflow.StateSessionPreparation, true, time.Time{}, 0)
	h.trash(a)
	h.trash(b)
	if list, err := h.svc.RetentionCandidates(h.ctx, dom); err != nil || len(list) != 0 {
		t.Fatalf("candidates before retention: %+v %v", list, err)
	}
	h.advance(31 * 24 * time.Hour)
	list, err := h.svc.RetentionCandidates(h.ctx, dom)
	if got := ids(list); err != nil || len(got) != 2 || !got[a] || !got[b] {
		t.Fatalf("dry run = %+v, %v", list, err)
	}
	h.trash(keep) // trashed now, and after the dry run anyway
	job, _, err := h.svc.SubmitBatch(h.ctx, archive.KindRetention, archive.BatchPayload{Domain: dom, Courses: list}, "cli")
	if err != nil {
		t.Fatal(err)
	}
	res := decode[archive.BatchResult](t, h.mustSucceed(job).Result)
	if len(res.Outcomes) != 2 {
		t.Fatalf("outcomes = %+v", res.Outcomes)
	}
	for _, o := range res.Outcomes {
		if !o.Done || o.Backup == nil || fileSum(t, o.Backup.Path) != o.Backup.SHA256 {
			t.Fatalf("outcome = %+v", o)
		}
		if h.exists(o.CourseID) {
			t.Fatalf("course %d not deleted", o.CourseID)
		}
	}
	if !h.exists(keep) {
		t.Fatal("a course trashed after the dry run was deleted")
	}
	purges, err := h.st.ListPurges(h.ctx, dom)
	if err != nil || len(purges) != 2 {
		t.Fatalf("purges = %+v %v", purges, err)
	}
	if _, err := h.st.GetCourseState(h.ctx, dom, a); err == nil {
		t.Fatal("a deleted course keeps a lifecycle state")
	}
}

func TestRetentionRefusesToDeleteWithoutAMatchingBackup(t *testing.T) {
	h := newHarness(t, harnessOptions{trashDays: 1})
	id := h.session("TC", workflow.StateSessionPreparation, true, time.Time{}, 0)
	h.trash(id)
	h.advance(48 * time.Hour)
	list, err := h.svc.RetentionCandidates(h.ctx, dom)
	if err != nil || len(list) != 1 {
		t.Fatalf("dry run = %+v %v", list, err)
	}
	h.sim.Site(dom).SetBackupFailure(true)
	job, _, err := h.svc.SubmitBatch(h.ctx, archive.KindRetention, archive.BatchPayload{Domain: dom, Courses: list}, "cli")
	if err != nil {
		t.Fatal(err)
	}
	res := decode[archive.BatchResult](t, h.mustSucceed(job).Result)
	if len(res.Outcomes) != 1 || res.Outcomes[0].Done || res.Outcomes[0].Skipped == "" {
		t.Fatalf("outcomes = %+v; want the course skipped", res.Outcomes)
	}
	if !h.exists(id) {
		t.Fatal("course deleted although its backup failed")
	}
	if n := h.sim.Site(dom).CallCounts()["core_course_delete_courses"]; n != 0 {
		t.Fatalf("delete called %d times", n)
	}
}

func TestVerifyBackupDetectsTampering(t *testing.T) {
	path := t.TempDir() + "/b.mbz"
	if err := os.WriteFile(path, []byte("backup"), 0o600); err != nil {
		t.Fatal(err)
	}
	sum := fileSum(t, path)
	good := archive.BackupFile{Path: path, SHA256: sum, Size: 6}
	if err := archive.VerifyBackup(1, good); err != nil {
		t.Fatalf("intact backup: %v", err)
	}
	if err := os.WriteFile(path, []byte("backuP"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := archive.VerifyBackup(1, good); err == nil {
		t.Fatal("tampered backup verified")
	}
	if err := archive.VerifyBackup(1, archive.BackupFile{Path: path + ".missing", SHA256: sum}); err == nil {
		t.Fatal("missing backup verified")
	}
}
