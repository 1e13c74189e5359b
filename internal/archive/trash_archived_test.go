package archive_test

import (
	"testing"
	"time"

	"github.com/magistere/bridge/internal/archive"
	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/workflow"
)

// An archived session is frozen; trashing it unfreezes it first (Moodle
// refuses to move a frozen course), and restoring it from the Corbeille
// puts it back in its archive category, frozen again.
func TestTrashAndRestoreAnArchivedSession(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	id := h.session("TRASH-ARC", workflow.StateSessionEnCours, true, time.Time{}, 1)
	job, _, err := h.svc.Submit(h.ctx, archive.Request{Domain: dom, CourseID: id, RequestedBy: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	h.mustSucceed(job)
	archived := h.course(id)
	if !h.frozen(id) {
		t.Fatal("archived session not frozen")
	}

	h.trash(id)
	if got := int64(h.course(id).CategoryID); got != h.category(domains.CatCorbeille) {
		t.Fatalf("trashed course in category %d, want the Corbeille", got)
	}
	if h.frozen(id) {
		t.Fatal("a trashed course must not stay frozen")
	}

	j, _, err := h.wf.Submit(h.ctx, workflow.Request{Transition: workflow.Restore, Domain: dom, CourseID: id, RequestedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	h.mustSucceed(j)
	if got := h.course(id); got.CategoryID != archived.CategoryID || got.Visible != archived.Visible {
		t.Fatalf("restored to category %d visible %v, want %d visible %v", got.CategoryID, got.Visible, archived.CategoryID, archived.Visible)
	}
	if !h.frozen(id) {
		t.Fatal("restored archived session is not frozen again")
	}
	view, err := h.wf.Show(h.ctx, dom, id)
	if err != nil || view.State != workflow.StateSessionArchivee {
		t.Fatalf("state after restore: %+v %v", view, err)
	}
}
