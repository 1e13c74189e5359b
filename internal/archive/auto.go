package archive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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

// Candidate is a course a scheduled run will act on: a session past its
// end date plus the grace period (archive.auto), or a course in the
// Corbeille past its retention (archive.retention).
type Candidate struct {
	Domain    string    `json:"domain"`
	CourseID  int64     `json:"course_id"`
	ShortName string    `json:"shortname"`
	FullName  string    `json:"fullname"`
	State     string    `json:"state"`
	Since     time.Time `json:"since"` // the session's end, or when it was trashed
	Due       time.Time `json:"due"`
	// ReopenedAt: unarchived on purpose after its last archive (then
	// automatic archiving skips it).
	ReopenedAt time.Time `json:"reopened_at,omitempty"`
}

// BatchPayload is an archive.auto or archive.retention job's payload. A
// scheduled job carries only the domain ("" = every domain) and lists its
// candidates in its first checkpoint; the CLI passes the list its dry run
// showed (Listed), and the job acts on exactly that list.
type BatchPayload struct {
	Domain  string      `json:"domain"`
	Listed  bool        `json:"listed,omitempty"`
	Courses []Candidate `json:"courses,omitempty"`
	Access  string      `json:"access,omitempty"` // archive.auto: readonly (default) | none
	Backup  bool        `json:"backup,omitempty"` // archive.auto: keep a final backup
	Notify  bool        `json:"notify,omitempty"` // archive.auto: notify participants
}

// Outcome is what a batch job did with one listed course.
type Outcome struct {
	Domain   string      `json:"domain"`
	CourseID int64       `json:"course_id"`
	Done     bool        `json:"done"`
	Skipped  string      `json:"skipped,omitempty"` // why a listed course was left alone
	Archive  *Result     `json:"archive,omitempty"`
	Backup   *BackupFile `json:"backup,omitempty"` // retention: the verified backup kept
}

// BatchResult is an archive.auto or archive.retention job's result.
type BatchResult struct {
	Listed   []Candidate `json:"listed"`
	Outcomes []Outcome   `json:"outcomes"`
}

// fleetFor is the domains a batch covers: one, or every domain whose
// setting (archive_after_days, trash_retention_days) is on.
func (s *Service) fleetFor(domain string, days func(*domains.Domain) int) ([]*domains.Domain, error) {
	if domain != "" {
		d, err := s.fleet.Get(domain)
		if err != nil {
			return nil, failure.Permanent(err)
		}
		return []*domains.Domain{d}, nil
	}
	var out []*domains.Domain
	for _, d := range s.fleet.All() {
		if days(d) > 0 {
			out = append(out, d)
		}
	}
	return out, nil
}

func archiveDays(d *domains.Domain) int   { return d.Config.ArchiveAfterDays }
func retentionDays(d *domains.Domain) int { return d.Config.TrashRetentionDays }

// AutoCandidates lists the sessions (prepared or running) whose end date
// plus the domain's archive_after_days has passed. A domain with 0 days
// (the default) lists nothing; a session without an end date never does.
func (s *Service) AutoCandidates(ctx context.Context, domain string) ([]Candidate, error) {
	act, _, err := s.autoScan(ctx, domain)
	return act, err
}

// AutoReopened lists the sessions due for archiving that someone reopened
// on purpose (unarchive) after their last archive: automatic archiving
// leaves them alone, and its dry run says so.
func (s *Service) AutoReopened(ctx context.Context, domain string) ([]Candidate, error) {
	_, reopened, err := s.autoScan(ctx, domain)
	return reopened, err
}

func (s *Service) autoScan(ctx context.Context, domain string) (act, reopened []Candidate, err error) {
	list, err := s.fleetFor(domain, archiveDays)
	if err != nil {
		return nil, nil, err
	}
	var out []Candidate
	now := s.now()
	for _, d := range list {
		days := archiveDays(d)
		if days <= 0 {
			continue
		}
		states, err := s.st.ListCourseStates(ctx, d.Name(), archivable...)
		if err != nil {
			return nil, nil, err
		}
		courses, err := readCourses(ctx, d, states)
		if err != nil {
			return nil, nil, err
		}
		for _, cs := range states {
			c, ok := courses[cs.CourseID]
			if !ok || c.EndDate <= 0 {
				continue
			}
			end := time.Unix(int64(c.EndDate), 0).UTC()
			due := end.Add(time.Duration(days) * 24 * time.Hour)
			if now.Before(due) {
				continue
			}
			cand := Candidate{Domain: d.Name(), CourseID: cs.CourseID, ShortName: c.ShortName, FullName: c.FullName,
				State: cs.State, Since: end, Due: due}
			at, err := s.reopenedAt(ctx, d.Name(), cs.CourseID)
			if err != nil {
				return nil, nil, err
			}
			if !at.IsZero() {
				cand.ReopenedAt = at
				reopened = append(reopened, cand)
				continue
			}
			out = append(out, cand)
		}
	}
	return out, reopened, nil
}

// reopenedAt is when the course was last unarchived, if no archive came
// after (zero otherwise).
func (s *Service) reopenedAt(ctx context.Context, domain string, courseID int64) (time.Time, error) {
	trail, err := s.st.ListTransitions(ctx, domain, courseID)
	if err != nil {
		return time.Time{}, err
	}
	var at time.Time
	for _, t := range trail {
		switch t.Transition {
		case "unarchive":
			at = t.At
		case "archive":
			at = time.Time{}
		}
	}
	return at, nil
}

// readCourses reads the courses of the states, 100 ids per call; courses
// missing from Moodle are left out.
func readCourses(ctx context.Context, d *domains.Domain, states []store.CourseState) (map[int64]moodle.Course, error) {
	out := map[int64]moodle.Course{}
	for start := 0; start < len(states); start += 100 {
		var ids []moodle.Int
		for _, cs := range states[start:min(start+100, len(states))] {
			ids = append(ids, moodle.Int(cs.CourseID))
		}
		got, err := d.Client.GetCourses(ctx, ids)
		if err != nil {
			return nil, fmt.Errorf("read courses of %s: %w", d.Name(), err)
		}
		for _, c := range got {
			out[int64(c.ID)] = c
		}
	}
	return out, nil
}

// batchKey makes submitting the same list twice one job.
func batchKey(kind string, p BatchPayload) string {
	raw, _ := json.Marshal(p)
	sum := sha256.Sum256(raw)
	return fmt.Sprintf("%s:%s:%s", kind, p.Domain, hex.EncodeToString(sum[:8]))
}

// SubmitBatch enqueues an archive.auto or archive.retention job acting on
// exactly the listed candidates (the dry run's list). An empty list
// submits nothing.
func (s *Service) SubmitBatch(ctx context.Context, kind string, p BatchPayload, requestedBy string) (store.Job, bool, error) {
	if kind != KindAuto && kind != KindRetention {
		return store.Job{}, false, failure.Permanent(fmt.Errorf("archive: unknown batch kind %q", kind))
	}
	p.Listed = true
	if len(p.Courses) == 0 {
		return store.Job{}, false, nil
	}
	job, created, err := s.q.Submit(ctx, jobs.Spec{Kind: kind, Domain: p.Domain, Key: batchKey(kind, p), Payload: p, RequestedBy: requestedBy})
	if err == nil && !created && (job.State == store.JobFailed || job.State == store.JobCancelled) {
		job, err = s.q.Retry(ctx, job.ID, actor(requestedBy))
	}
	return job, created, err
}

// batchList decodes a batch payload and checkpoints its list: the given
// one, or the candidates computed now (a scheduled run's dry run).
func batchList(run *jobs.Run, compute func(ctx context.Context, domain string) ([]Candidate, error)) (BatchPayload, []Candidate, error) {
	var p BatchPayload
	if err := run.Decode(&p); err != nil {
		return p, nil, err
	}
	if p.Domain == "" {
		p.Domain = run.Domain()
	}
	var list []Candidate
	err := run.Step("list", func(ctx context.Context) (any, error) {
		if p.Listed {
			return p.Courses, nil
		}
		return compute(ctx, p.Domain)
	}, &list)
	return p, list, err
}

func (s *Service) autoJob(ctx context.Context, run *jobs.Run) (any, error) {
	p, list, err := batchList(run, s.AutoCandidates)
	if err != nil {
		return nil, err
	}
	who := run.RequestedBy()
	if who == "" {
		who = KindAuto
	}
	return eachListed(ctx, run, list, "archiving", func(st stepper, c Candidate, out *Outcome) error {
		backup, notify := s.autoOptions(p, c.Domain)
		req := Request{Domain: c.Domain, CourseID: c.CourseID, Access: p.Access, Backup: backup, Notify: notify, RequestedBy: who}
		r, err := s.archiveSteps(ctx, st, req)
		out.Archive = &r
		return err
	})
}

// autoOptions: an automatic archive keeps a backup and notifies when the
// job asks (archive auto --backup/--notify) or the domain's configuration
// does (archive_backup, archive_notify: what a scheduled run follows).
func (s *Service) autoOptions(p BatchPayload, domain string) (backup, notify bool) {
	backup, notify = p.Backup, p.Notify
	if d, err := s.fleet.Get(domain); err == nil {
		backup, notify = backup || d.Config.ArchiveBackup, notify || d.Config.ArchiveNotify
	}
	return backup, notify
}

// eachListed runs act on every listed course in order, each under its own
// step prefix, and records its outcome: done, or skipped with the reason
// (see skipOrFail); a retryable error stops the job so it resumes later.
func eachListed(ctx context.Context, run *jobs.Run, list []Candidate, verb string, act func(stepper, Candidate, *Outcome) error) (BatchResult, error) {
	res := BatchResult{Listed: list, Outcomes: []Outcome{}}
	for i, c := range list {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		run.Progress(i, len(list), fmt.Sprintf("%s course %d on %s", verb, c.CourseID, c.Domain))
		out := Outcome{Domain: c.Domain, CourseID: c.CourseID}
		err := act(stepper{run: run, prefix: fmt.Sprintf("%s:%d:", c.Domain, c.CourseID)}, c, &out)
		skip, err := skipOrFail(err)
		if err != nil {
			return res, err
		}
		if skip != "" {
			out.Skipped, out.Archive, out.Backup = skip, nil, nil
		} else {
			out.Done = true
		}
		res.Outcomes = append(res.Outcomes, out)
	}
	run.Progress(len(list), len(list), "done")
	return res, nil
}

// skipOrFail sorts a course's error in a batch: a refusal skips the
// course (its state changed since the list was made); a retryable error
// fails the attempt so that the job retries, resuming at its checkpoints;
// any other error skips the course with its message.
func skipOrFail(err error) (string, error) {
	if err == nil {
		return "", nil
	}
	var ref *workflow.Refusal
	if errors.As(err, &ref) {
		return ref.EN, nil
	}
	if failure.IsRetryable(err) {
		return "", err
	}
	return err.Error(), nil
}
