package offer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/workflow"
)

// Indexing is what the catalogue says of a course beyond Moodle's own
// fields (the durations come from the workflow's course metadata).
type Indexing struct {
	Origin     string   `json:"origin,omitempty"` // e.g. DGESCO, académie
	Collection string   `json:"collection,omitempty"`
	Publics    []string `json:"publics,omitempty"`
	Keywords   []string `json:"keywords,omitempty"`
}

// ShareRequest asks to share (or re-share) a parcours.
type ShareRequest struct {
	Domain      string   `json:"domain"`
	CourseID    int64    `json:"course_id"`
	Indexing    Indexing `json:"indexing"`
	RequestedBy string   `json:"requested_by,omitempty"`
}

// courseSnapshot is what a share records of the course, read at its guard.
type courseSnapshot struct {
	FullName     string               `json:"fullname"`
	Summary      string               `json:"summary"`
	TimeModified int64                `json:"timemodified"`
	Metadata     store.CourseMetadata `json:"metadata"`
}

// CheckShare evaluates the share guards now: the course is "en
// démonstration" (recorded state, or it sits in the domain's demonstration
// category), visible, and its metadata complete (announced durations,
// even 0, and an origin). nil when allowed, a *Refusal when not.
func (s *Service) CheckShare(ctx context.Context, req ShareRequest) error {
	_, err := s.shareGuard(ctx, req)
	return err
}

func (s *Service) shareGuard(ctx context.Context, req ShareRequest) (courseSnapshot, error) {
	d, err := s.domain(req.Domain)
	if err != nil {
		return courseSnapshot{}, err
	}
	c, err := getCourse(ctx, d, req.CourseID)
	if err != nil {
		return courseSnapshot{}, err
	}
	if err := s.inDemonstration(ctx, d, c); err != nil {
		return courseSnapshot{}, err
	}
	if !bool(c.Visible) {
		return courseSnapshot{}, refuse("not_visible", "le parcours %d est caché : le rendre visible avant de le partager",
			"parcours %d is hidden: make it visible before sharing it", req.CourseID)
	}
	md, err := s.st.GetCourseMetadata(ctx, req.Domain, req.CourseID)
	if err != nil {
		return courseSnapshot{}, err
	}
	var missing []string
	if md.RemoteMinutes == nil {
		missing = append(missing, "remote_minutes")
	}
	if md.InPersonMinutes == nil {
		missing = append(missing, "inperson_minutes")
	}
	if strings.TrimSpace(req.Indexing.Origin) == "" {
		missing = append(missing, "origin")
	}
	if len(missing) > 0 {
		return courseSnapshot{}, refuse("metadata_missing", "indexation incomplète : %s", "incomplete metadata: %s", strings.Join(missing, ", "))
	}
	return courseSnapshot{FullName: c.FullName, Summary: c.Summary, TimeModified: int64(c.TimeModified), Metadata: md}, nil
}

func (s *Service) inDemonstration(ctx context.Context, d *domains.Domain, c *moodle.Course) error {
	cs, err := s.st.GetCourseState(ctx, d.Name(), int64(c.ID))
	switch {
	case err == nil && cs.State == workflow.StateParcoursDemonstration:
		return nil
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return err
	}
	cats, cerr := s.st.DomainCategories(ctx, d.Name())
	if cerr != nil {
		return cerr
	}
	if demo, ok := cats[domains.CatDemonstration]; ok && err != nil { // no recorded state: the category decides
		under, err := underCategory(ctx, d, int64(c.CategoryID), demo.CategoryID)
		if err != nil || under {
			return err
		}
	}
	return refuse("not_in_demonstration", "seul un parcours en démonstration peut être partagé (cours %d)",
		"only a parcours en démonstration can be shared (course %d)", c.ID)
}

// SubmitShare checks the guards and queues the share job. Each call is a
// new job: sharing again replaces the backup and bumps the version.
func (s *Service) SubmitShare(ctx context.Context, req ShareRequest) (store.Job, error) {
	if err := s.CheckShare(ctx, req); err != nil {
		return store.Job{}, err
	}
	j, _, err := s.q.Submit(ctx, jobs.Spec{Kind: KindShare, Domain: req.Domain, Payload: req, RequestedBy: req.RequestedBy})
	return j, err
}

// entrySlot is the catalogue entry a share writes and its next version.
type entrySlot struct {
	ID      int64 `json:"id"`
	Version int   `json:"version"`
}

func (s *Service) shareJob(ctx context.Context, run *jobs.Run) (any, error) {
	var req ShareRequest
	if err := run.Decode(&req); err != nil {
		return nil, err
	}
	d, err := s.domain(req.Domain)
	if err != nil {
		return nil, err
	}
	const total = 5
	var snap courseSnapshot
	if err := run.Step("guard", func(ctx context.Context) (any, error) { return s.shareGuard(ctx, req) }, &snap); err != nil {
		return nil, err
	}
	run.Progress(1, total, "backing the course up")
	var started moodle.BackupStarted
	if err := run.Step("backup-start", func(ctx context.Context) (any, error) {
		return d.Client.BackupCourse(ctx, moodle.Int(req.CourseID))
	}, &started); err != nil {
		return nil, err
	}
	var backup moodle.BackupStatus
	if err := run.Step("backup-wait", func(ctx context.Context) (any, error) {
		return s.waitBackup(ctx, run, d, started.BackupID)
	}, &backup); err != nil {
		return nil, err
	}
	run.Progress(3, total, "downloading the backup")
	var slot entrySlot
	if err := run.Step("entry", func(ctx context.Context) (any, error) { return s.reserveEntry(ctx, req) }, &slot); err != nil {
		return nil, err
	}
	var file moodle.Downloaded
	if err := run.Step("download", func(ctx context.Context) (any, error) {
		dir := s.offerDir(slot.ID)
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, failure.Permanent(fmt.Errorf("offer %d: create %s: %w", slot.ID, dir, err))
		}
		return d.Client.Download(ctx, backup.FileURL, filepath.Join(dir, fmt.Sprintf("v%d.mbz", slot.Version)))
	}, &file); err != nil {
		return nil, err
	}
	run.Progress(4, total, "recording the catalogue entry")
	var entry store.Offer
	if err := run.Step("catalogue", func(ctx context.Context) (any, error) {
		return s.recordShare(ctx, run, d, req, snap, slot, file)
	}, &entry); err != nil {
		return nil, err
	}
	run.Progress(total, total, fmt.Sprintf("offer %d version %d shared", entry.ID, entry.Version))
	return entry, nil
}

func (s *Service) waitBackup(ctx context.Context, run *jobs.Run, d *domains.Domain, id string) (*moodle.BackupStatus, error) {
	var st *moodle.BackupStatus
	err := s.poll(ctx, func(ctx context.Context) (bool, error) {
		var err error
		if st, err = d.Client.GetBackupStatus(ctx, id); err != nil {
			return false, err
		}
		run.Progress(2, 5, fmt.Sprintf("backup %s (%.0f%%)", st.Status, float64(st.Progress)*100))
		switch st.Status {
		case moodle.StatusDone:
			return true, nil
		case moodle.StatusFailed:
			// A failed backup is a fact about this backup; a new share may pass.
			return false, failure.Permanent(fmt.Errorf("backup of course on %s failed: %s", d.Name(), st.Error))
		}
		return false, nil
	})
	if err == nil && st.FileURL == "" {
		err = failure.Permanent(fmt.Errorf("backup on %s done without a file", d.Name()))
	}
	return st, err
}

// reserveEntry finds or creates the course's entry (a new one stays
// unlisted at version 0 until its backup is stored) and the next version.
func (s *Service) reserveEntry(ctx context.Context, req ShareRequest) (entrySlot, error) {
	o, err := s.st.OfferByCourse(ctx, store.OfferParcours, req.Domain, req.CourseID)
	if errors.Is(err, store.ErrNotFound) {
		o, err = s.st.PutOffer(ctx, store.Offer{Kind: store.OfferParcours, Domain: req.Domain, CourseID: req.CourseID})
	}
	if err != nil {
		return entrySlot{}, err
	}
	return entrySlot{ID: o.ID, Version: o.Version + 1}, nil
}

var versionFile = regexp.MustCompile(`^v\d+\.mbz$`)

func (s *Service) recordShare(ctx context.Context, run *jobs.Run, d *domains.Domain, req ShareRequest, snap courseSnapshot,
	slot entrySlot, file moodle.Downloaded) (store.Offer, error) {
	summary := snap.Summary
	if strings.TrimSpace(stripTags(summary)) == "" {
		summary = snap.Metadata.Objectives
	}
	o, err := s.st.PutOffer(ctx, store.Offer{Kind: store.OfferParcours, Scope: store.ScopeNational, Domain: req.Domain,
		CourseID: req.CourseID, Title: snap.FullName, Summary: stripTags(summary), Origin: req.Indexing.Origin,
		Collection: req.Indexing.Collection, Publics: req.Indexing.Publics, Keywords: req.Indexing.Keywords,
		RemoteMinutes: snap.Metadata.RemoteMinutes, InPersonMinutes: snap.Metadata.InPersonMinutes,
		DemoURL: courseURL(d, req.CourseID), Version: slot.Version, Checksum: file.SHA256, FilePath: file.Path, FileSize: file.Size,
		CourseModified: snap.TimeModified, PublishedBy: actorOf(req.RequestedBy), PublishedAt: s.st.Now()})
	if err != nil {
		return o, err
	}
	s.removeOtherVersions(run, o)
	return o, s.audit(ctx, req.RequestedBy, req.Domain, "offer.share", fmt.Sprintf("course:%d", req.CourseID), "ok", run.ID(),
		map[string]any{"offer_id": o.ID, "version": o.Version, "sha256": o.Checksum})
}

// removeOtherVersions deletes the backups of earlier versions. A file that
// cannot be removed only wastes space: logged, not fatal.
func (s *Service) removeOtherVersions(run *jobs.Run, o store.Offer) {
	entries, err := os.ReadDir(filepath.Dir(o.FilePath))
	if err != nil {
		return
	}
	for _, e := range entries {
		p := filepath.Join(filepath.Dir(o.FilePath), e.Name())
		if versionFile.MatchString(e.Name()) && p != o.FilePath {
			if err := os.Remove(p); err != nil {
				run.Logger().Warn().Err(err).Str("file", p).Msg("old offer backup not removed")
			}
		}
	}
}

// Unshare removes a parcours from the offre de parcours: its entry and
// its backups. Requests already approved fail at deployment.
func (s *Service) Unshare(ctx context.Context, domain string, courseID int64, actor string) (store.Offer, error) {
	o, err := s.st.OfferByCourse(ctx, store.OfferParcours, domain, courseID)
	if err != nil {
		return o, err
	}
	if _, err := s.st.DeleteOffer(ctx, o.ID); err != nil {
		return o, err
	}
	if err := os.RemoveAll(s.offerDir(o.ID)); err != nil {
		return o, failure.Retryable(fmt.Errorf("offer %d: remove backups: %w", o.ID, err))
	}
	return o, s.audit(ctx, actor, domain, "offer.unshare", fmt.Sprintf("course:%d", courseID), "ok", 0, map[string]any{"offer_id": o.ID})
}

func courseURL(d *domains.Domain, courseID int64) string {
	return fmt.Sprintf("%s/course/view.php?id=%d", d.Config.WWWRoot, courseID)
}

func actorOf(requestedBy string) string {
	if requestedBy == "" {
		return "system"
	}
	return requestedBy
}

var tags = regexp.MustCompile(`<[^>]*>`)

// stripTags turns a Moodle HTML summary into catalogue text.
func stripTags(s string) string { return strings.TrimSpace(tags.ReplaceAllString(s, " ")) }
