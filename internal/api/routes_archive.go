package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/workflow"
)

// Archiving a session and undoing it are offered by the workflow block as
// two more options of the course (POST courses/{id}/workflow/archive and
// .../unarchive), run by package archive rather than the workflow's
// transition table: archiving also freezes the course, unpublishes it and
// keeps a record that unarchiving replays in reverse.
const (
	TransitionArchive   = "archive"
	TransitionUnarchive = "unarchive"
)

// ArchiveService is what the workflow block needs from package archive;
// app adapts archive.Service to it.
type ArchiveService interface {
	// CanUnarchive refuses (a *workflow.Refusal) when the course has no
	// archiving by the bridge to undo.
	CanUnarchive(ctx context.Context, domain string, courseID int64) error
	// Archive queues archiving the session (read-only access, frozen).
	Archive(ctx context.Context, domain string, courseID int64, actor string) (store.Job, bool, error)
	// Unarchive queues undoing its last archiving.
	Unarchive(ctx context.Context, domain string, courseID int64, actor string) (store.Job, bool, error)
}

// archivable are the states a session may be archived from (package
// archive checks it again when the job plans).
var archivable = []string{workflow.StateSessionPreparation, workflow.StateSessionEnCours}

// archiveOptions are the archive option of a session, or the unarchive
// option of an archived one (allowed, or with the reason why not in French
// and English); other states get neither, to keep the block short.
func (s *Server) archiveOptions(ctx context.Context, domain string, courseID int64, state string) ([]workflow.Option, error) {
	if slices.Contains(archivable, state) {
		return []workflow.Option{{Transition: TransitionArchive, Allowed: true}}, nil
	}
	if state != workflow.StateSessionArchivee {
		return nil, nil
	}
	un := workflow.Option{Transition: TransitionUnarchive}
	err := s.deps.Archive.CanUnarchive(ctx, domain, courseID)
	var ref *workflow.Refusal
	switch {
	case err == nil:
		un.Allowed = true
	case errors.As(err, &ref):
		un.Refusal = ref
	default:
		return nil, err
	}
	return []workflow.Option{un}, nil
}

// submitArchive queues archiving or unarchiving for a formateur of the
// course; the body may be empty or {} (the block's defaults: read-only
// access, no backup, no message).
func (s *Server) submitArchive(w http.ResponseWriter, r *http.Request, course int64, transition string) {
	setAudit(r, "api.archive."+transition, "course:"+strconv.FormatInt(course, 10))
	c, ok := s.authorize(w, r, course, AccessFormateur, false)
	if !ok {
		return
	}
	var body struct{}
	if err := decodeJSON(r, &body); err != nil {
		badRequest(w, "bad_json", "archiving takes no parameters from a plugin: send {} or nothing")
		return
	}
	submit := s.deps.Archive.Archive
	if transition == TransitionUnarchive {
		submit = s.deps.Archive.Unarchive
	}
	job, created, err := submit(r.Context(), c.Domain, course, actor(c))
	var ref *workflow.Refusal
	if errors.As(err, &ref) {
		setAuditDetail(r, ref.Code)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	setAuditJob(r, job.ID)
	accepted(w, job, created, nil)
}
