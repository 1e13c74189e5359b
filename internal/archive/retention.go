package archive

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/workflow"
)

// RetentionCandidates lists the courses in the Corbeille for longer than
// the domain's trash_retention_days (0, the default, lists nothing). The
// time a course entered the Corbeille is its last "trash" trail entry (or
// its state's last change when the trail has none).
func (s *Service) RetentionCandidates(ctx context.Context, domain string) ([]Candidate, error) {
	list, err := s.fleetFor(domain, retentionDays)
	if err != nil {
		return nil, err
	}
	var out []Candidate
	now := s.now()
	for _, d := range list {
		days := retentionDays(d)
		if days <= 0 {
			continue
		}
		states, err := s.st.ListCourseStates(ctx, d.Name(), workflow.StateCorbeille)
		if err != nil {
			return nil, err
		}
		courses, err := readCourses(ctx, d, states)
		if err != nil {
			return nil, err
		}
		for _, cs := range states {
			c, ok := courses[cs.CourseID]
			if !ok {
				continue // already gone from Moodle: nothing to back up or delete
			}
			since, err := s.trashedAt(ctx, cs)
			if err != nil {
				return nil, err
			}
			due := since.Add(time.Duration(days) * 24 * time.Hour)
			if !now.Before(due) {
				out = append(out, Candidate{Domain: d.Name(), CourseID: cs.CourseID, ShortName: c.ShortName, FullName: c.FullName,
					State: cs.State, Since: since, Due: due})
			}
		}
	}
	return out, nil
}

func (s *Service) trashedAt(ctx context.Context, cs store.CourseState) (time.Time, error) {
	trail, err := s.st.ListTransitions(ctx, cs.Domain, cs.CourseID)
	if err != nil {
		return time.Time{}, err
	}
	for i := len(trail) - 1; i >= 0; i-- {
		if trail[i].To == workflow.StateCorbeille {
			return trail[i].At, nil
		}
	}
	return cs.UpdatedAt, nil
}

func (s *Service) retentionJob(ctx context.Context, run *jobs.Run) (any, error) {
	_, list, err := batchList(run, s.RetentionCandidates)
	if err != nil {
		return nil, err
	}
	return eachListed(ctx, run, list, "purging", func(st stepper, c Candidate, out *Outcome) error {
		b, err := s.purge(ctx, st, c)
		out.Backup = &b
		return err
	})
}

// purge backs a trashed course up, verifies the file on disk against its
// SHA-256, and only then deletes the course and records it.
func (s *Service) purge(ctx context.Context, sp stepper, c Candidate) (BackupFile, error) {
	d, err := s.fleet.Get(c.Domain)
	if err != nil {
		return BackupFile{}, failure.Permanent(err)
	}
	var b BackupFile
	if err := sp.step("check", func(ctx context.Context) (any, error) {
		cs, err := s.st.GetCourseState(ctx, c.Domain, c.CourseID)
		if err != nil {
			return nil, err
		}
		if cs.State != workflow.StateCorbeille {
			return nil, refuse("wrong_state", "le cours %d n'est plus dans la corbeille", "course %d is no longer in the Corbeille", c.CourseID)
		}
		return nil, nil
	}, nil); err != nil {
		return b, err
	}
	if err := sp.step("backup", func(ctx context.Context) (any, error) {
		return s.backupCourse(ctx, d, c.CourseID, s.backupPath("trash", c.Domain, c.CourseID, sp.run.ID()))
	}, &b); err != nil {
		return b, err
	}
	if err := sp.step("delete", func(ctx context.Context) (any, error) {
		return nil, s.deleteCourse(ctx, d, c.CourseID, b)
	}, nil); err != nil {
		return b, err
	}
	who := actor(sp.run.RequestedBy())
	return b, s.wf.PurgeStep(sp.run, sp.prefix+"record", workflow.Change{Domain: c.Domain, CourseID: c.CourseID, Transition: workflow.Purge,
		From: workflow.StateCorbeille, Actor: who, Params: b, Action: "archive.purge",
		Detail: fmt.Sprintf("backup %s sha256 %s", b.Path, b.SHA256)},
		store.CoursePurge{Domain: c.Domain, CourseID: c.CourseID, ShortName: c.ShortName, FullName: c.FullName, BackupPath: b.Path,
			BackupSHA256: b.SHA256, BackupSize: b.Size, TrashedAt: c.Since, JobID: sp.run.ID()})
}

// deleteCourse deletes a course whose backup is verified on disk. A
// course frozen by an archive is unfrozen first (a frozen context refuses
// deletion); a course already gone (an earlier attempt) is fine.
func (s *Service) deleteCourse(ctx context.Context, d *domains.Domain, courseID int64, b BackupFile) error {
	if err := VerifyBackup(courseID, b); err != nil {
		return err
	}
	got, err := d.Client.GetCourses(ctx, []moodle.Int{moodle.Int(courseID)})
	if err != nil {
		return fmt.Errorf("read course %d: %w", courseID, err)
	}
	if len(got) == 0 {
		return nil
	}
	rec, err := s.st.ActiveArchiveRecord(ctx, d.Name(), courseID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err == nil && rec.Froze {
		if _, err := freeze(ctx, d, courseID, false); err != nil {
			return err
		}
	}
	w, err := d.Client.DeleteCourses(ctx, []moodle.Int{moodle.Int(courseID)})
	if err != nil {
		return fmt.Errorf("delete course %d: %w", courseID, err)
	}
	if len(w) > 0 {
		return failure.Permanent(fmt.Errorf("delete course %d: %s", courseID, w[0].Message))
	}
	return nil
}
