package archive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/notice"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/workflow"
)

// Request asks to archive one session.
type Request struct {
	Domain      string `json:"domain"`
	CourseID    int64  `json:"course_id"`
	CategoryID  int64  `json:"category_id,omitempty"` // an Archive sub-category; 0 = Archive itself
	Access      string `json:"access,omitempty"`      // readonly (default) | none
	Backup      bool   `json:"backup,omitempty"`
	Notify      bool   `json:"notify,omitempty"`
	RequestedBy string `json:"-"`
}

func (r *Request) normalise() error {
	if r.Access == "" {
		r.Access = AccessReadOnly
	}
	if r.Access != AccessReadOnly && r.Access != AccessNone {
		return refuse("bad_access", "mode d'accès « %s » inconnu (readonly ou none)", "unknown access mode %q (readonly or none)", r.Access)
	}
	if r.Domain == "" || r.CourseID <= 0 {
		return refuse("bad_request", "domaine et cours requis", "domain and course are required")
	}
	return nil
}

// Plan is what archiving a session will do: the dry run, and the job's
// first checkpoint (so a resumed job acts on the same plan).
type Plan struct {
	Domain       string          `json:"domain"`
	CourseID     int64           `json:"course_id"`
	ShortName    string          `json:"shortname"`
	FullName     string          `json:"fullname"`
	State        string          `json:"state"`
	Variant      string          `json:"variant,omitempty"`
	FromCategory int64           `json:"from_category"`
	Visible      bool            `json:"visible"`
	ToCategory   int64           `json:"to_category"`
	Access       string          `json:"access"`
	ToVisible    bool            `json:"to_visible"`
	Freeze       bool            `json:"freeze"`
	Fallback     string          `json:"fallback,omitempty"` // why the course is hidden instead of frozen
	Published    bool            `json:"published"`
	Offer        json.RawMessage `json:"offer,omitempty"` // the catalogue entry's snapshot
	Participants int             `json:"participants"`
	Attendance   int             `json:"attendance"`
	Backup       bool            `json:"backup"`
	Notify       bool            `json:"notify"`
	Warnings     []string        `json:"warnings,omitempty"`
}

// archivable states: a session, prepared or running.
var archivable = []string{workflow.StateSessionPreparation, workflow.StateSessionEnCours}

// PlanArchive checks that the session can be archived and says what
// archiving will change, with warnings (no attendance recorded…). It
// changes nothing.
func (s *Service) PlanArchive(ctx context.Context, req Request) (Plan, error) {
	if err := req.normalise(); err != nil {
		return Plan{}, err
	}
	d, cats, err := s.domain(ctx, req.Domain)
	if err != nil {
		return Plan{}, err
	}
	c, err := getCourse(ctx, d, req.CourseID)
	if err != nil {
		return Plan{}, err
	}
	cs, err := s.courseState(ctx, d, c)
	if err != nil {
		return Plan{}, err
	}
	if !slices.Contains(archivable, cs.State) {
		return Plan{}, refuse("wrong_state", "seule une session peut être archivée ; le cours %d est « %s »",
			"only a session can be archived; course %d is %s", req.CourseID, workflow.Label(cs.State))
	}
	p := Plan{Domain: req.Domain, CourseID: req.CourseID, ShortName: c.ShortName, FullName: c.FullName, State: cs.State,
		Variant: cs.Variant, FromCategory: int64(c.CategoryID), Visible: bool(c.Visible), Access: req.Access,
		Backup: req.Backup, Notify: req.Notify}
	if p.ToCategory, err = s.archiveCategory(ctx, d, cats, req.CategoryID); err != nil {
		return Plan{}, err
	}
	if p.Freeze, p.Fallback, err = canFreeze(ctx, d); err != nil {
		return Plan{}, err
	}
	p.ToVisible = req.Access == AccessReadOnly && p.Freeze
	if s.catalogue != nil {
		if p.Offer, err = s.catalogue.Published(ctx, req.Domain, req.CourseID); err != nil {
			return Plan{}, err
		}
		p.Published = hasOffer(p.Offer)
	}
	return p, s.attendanceWarning(ctx, d, &p)
}

// archiveCategory checks that the destination is Archive or under it.
func (s *Service) archiveCategory(ctx context.Context, d *domains.Domain, cats map[string]int64, asked int64) (int64, error) {
	root := cats[domains.CatArchive]
	if asked == 0 || asked == root {
		return root, nil
	}
	path, err := categoryPath(ctx, d, asked)
	if err != nil {
		return 0, err
	}
	if !slices.Contains(path, root) {
		return 0, refuse("not_archive_category", "la catégorie %d n'est pas une sous-catégorie d'Archive",
			"category %d is not under the Archive category", asked)
	}
	return asked, nil
}

// canFreeze says whether the site can freeze a course's context: Moodle
// 3.6 or later with local_bridge_freeze_context. Otherwise the course is
// hidden instead, and the reason is returned.
func canFreeze(ctx context.Context, d *domains.Domain) (bool, string, error) {
	st := d.Client.Strategy()
	if st == nil {
		if _, err := d.Client.Probe(ctx); err != nil {
			return false, "", fmt.Errorf("probe %s: %w", d.Name(), err)
		}
		st = d.Client.Strategy()
	}
	if st.Release.Major != 0 && !st.Release.AtLeast(3, 6) {
		return false, fmt.Sprintf("Moodle %d.%d has no context freezing (3.6+): the course is hidden instead of read-only",
			st.Release.Major, st.Release.Minor), nil
	}
	if !st.HasFunction("local_bridge_freeze_context") {
		return false, "local_bridge_freeze_context is not available on this site: the course is hidden instead of read-only", nil
	}
	return true, "", nil
}

// attendanceWarning warns when participants are enrolled and nobody is
// marked as having finished: after archiving, attestation stays possible
// but the course is read-only.
func (s *Service) attendanceWarning(ctx context.Context, d *domains.Domain, p *Plan) error {
	users, err := d.Client.GetEnrolledUsers(ctx, moodle.Int(p.CourseID), moodle.EnrolledUsersOptions{})
	if err != nil {
		return fmt.Errorf("read participants of course %d: %w", p.CourseID, err)
	}
	p.Participants = len(participants(d, users))
	if p.Participants == 0 {
		return nil
	}
	if s.attendance == nil {
		p.Warnings = append(p.Warnings, "attendance could not be checked (no attendance source): make sure presence was recorded before archiving")
		return nil
	}
	if p.Attendance, err = s.attendance.AttendanceCount(ctx, p.Domain, p.CourseID); err != nil {
		return fmt.Errorf("count attendance of course %d: %w", p.CourseID, err)
	}
	if p.Attendance == 0 {
		p.Warnings = append(p.Warnings, fmt.Sprintf("no attendance recorded for the %d participants: « Formation terminée » was never set "+
			"(certificates stay possible after archiving, read-only)", p.Participants))
	}
	return nil
}

// participants are the enrolled users holding the domain's participant
// role; when Moodle gives no roles, everyone enrolled.
func participants(d *domains.Domain, users []moodle.User) []moodle.User {
	role := d.Config.Roles["participant"]
	if role == "" {
		role = "student"
	}
	var out []moodle.User
	for _, u := range users {
		if len(u.Roles) == 0 || slices.ContainsFunc(u.Roles, func(r moodle.Role) bool { return r.ShortName == role }) {
			out = append(out, u)
		}
	}
	return out
}

// Result is what an archive job did.
type Result struct {
	CourseID    int64       `json:"course_id"`
	Category    int64       `json:"category_id"`
	Access      string      `json:"access"`
	Frozen      bool        `json:"frozen"`
	Hidden      bool        `json:"hidden"`
	Fallback    string      `json:"fallback,omitempty"`
	Unpublished bool        `json:"unpublished"`
	Backup      *BackupFile `json:"backup,omitempty"`
	Notified    int         `json:"notified"`
	Warnings    []string    `json:"warnings,omitempty"`
	RecordID    int64       `json:"record_id"`
	Already     bool        `json:"already,omitempty"` // the course was archived by this job before
}

// Key is the request's idempotency key; gen (the course's number of
// archive records) makes archiving again after an unarchive a new job.
func (r Request) Key(gen int) string {
	raw, _ := json.Marshal(r)
	sum := sha256.Sum256(raw)
	return fmt.Sprintf("archive:%s:%d:%d:%s", r.Domain, r.CourseID, gen, hex.EncodeToString(sum[:8]))
}

// Submit enqueues the archiving of a session after checking its plan. The
// same request, not yet undone, returns its job.
func (s *Service) Submit(ctx context.Context, req Request) (store.Job, bool, error) {
	if err := req.normalise(); err != nil {
		return store.Job{}, false, err
	}
	recs, err := s.st.ListArchiveRecords(ctx, req.Domain, req.CourseID)
	if err != nil {
		return store.Job{}, false, err
	}
	key := req.Key(len(recs))
	if j, err := s.st.JobByKey(ctx, key); err == nil && j.State != store.JobFailed && j.State != store.JobCancelled {
		return j, false, nil
	}
	// The same request, already done and not undone, is its first job.
	if n := len(recs); n > 0 && recs[n-1].Active() {
		if j, err := s.st.JobByKey(ctx, req.Key(n-1)); err == nil && j.ID == recs[n-1].JobID {
			return j, false, nil
		}
		// Another request on an archived course: say so, rather than the
		// plan's "only a session can be archived".
		return store.Job{}, false, refuse("already_archived",
			"le cours %d est déjà archivé (tâche %d, accès %s) : le désarchiver d'abord pour l'archiver autrement",
			"course %d is already archived (job %d, access %s): unarchive it first to archive it differently",
			req.CourseID, recs[n-1].JobID, recs[n-1].Access)
	}
	if _, err := s.PlanArchive(ctx, req); err != nil {
		return store.Job{}, false, err
	}
	job, created, err := s.q.Submit(ctx, jobs.Spec{Kind: KindArchive, Domain: req.Domain, Key: key, Payload: req, RequestedBy: req.RequestedBy})
	if err == nil && !created && (job.State == store.JobFailed || job.State == store.JobCancelled) {
		job, err = s.q.Retry(ctx, job.ID, actor(req.RequestedBy))
	}
	return job, created, err
}

func (s *Service) archiveJob(ctx context.Context, run *jobs.Run) (any, error) {
	var req Request
	if err := run.Decode(&req); err != nil {
		return nil, err
	}
	req.Domain, req.RequestedBy = run.Domain(), run.RequestedBy()
	return s.archiveSteps(ctx, stepper{run: run}, req)
}

// archiveSteps archives one session, one checkpoint per change. The order
// keeps every failure recoverable: the backup is taken before anything
// changes, the course is moved and hidden before its context is frozen
// (a frozen course refuses updates), and the record is written last.
func (s *Service) archiveSteps(ctx context.Context, sp stepper, req Request) (Result, error) {
	d, _, err := s.domain(ctx, req.Domain)
	if err != nil {
		return Result{}, err
	}
	var p Plan
	if err := sp.step("plan", func(ctx context.Context) (any, error) { return s.PlanArchive(ctx, req) }, &p); err != nil {
		return Result{}, err
	}
	jobID := sp.run.ID()
	res := Result{CourseID: p.CourseID, Category: p.ToCategory, Access: p.Access, Frozen: p.Freeze, Hidden: !p.ToVisible,
		Fallback: p.Fallback, Unpublished: p.Published, Warnings: p.Warnings}
	if p.Backup {
		var b BackupFile
		if err := sp.step("backup", func(ctx context.Context) (any, error) {
			return s.backupCourse(ctx, d, p.CourseID, s.backupPath("archives", p.Domain, p.CourseID, jobID))
		}, &b); err != nil {
			return res, err
		}
		res.Backup = &b
	}
	if p.Published {
		if err := sp.step("unpublish", func(ctx context.Context) (any, error) {
			return nil, s.catalogue.Unpublish(ctx, p.Domain, p.CourseID, actor(req.RequestedBy))
		}, nil); err != nil {
			return res, err
		}
	}
	if err := sp.step("move", func(ctx context.Context) (any, error) {
		return nil, updateCourse(ctx, d, p.CourseID, p.ToCategory, p.ToVisible)
	}, nil); err != nil {
		return res, err
	}
	if p.Freeze {
		err := sp.step("freeze", func(ctx context.Context) (any, error) {
			return freeze(ctx, d, p.CourseID, true)
		}, nil)
		// local_bridge is there but the site's contextlocking setting is
		// off (Moodle's default): the plan could not know it. Hide the
		// course instead, as on a site without local_bridge, rather than
		// leave it moved to Archive, visible, writable and unrecorded.
		if moodle.IsErrorCode(err, "contextlockingdisabled") {
			p.Freeze, p.ToVisible = false, false
			p.Fallback = "context freezing is disabled on this site (setting contextlocking): the course is hidden instead of read-only"
			res.Frozen, res.Hidden, res.Fallback = false, true, p.Fallback
			err = sp.step("hide", func(ctx context.Context) (any, error) {
				return nil, updateCourse(ctx, d, p.CourseID, p.ToCategory, false)
			}, nil)
		}
		if err != nil {
			return res, err
		}
	}
	if p.Notify {
		if err := sp.step("notify", func(ctx context.Context) (any, error) { return s.notify(ctx, d, p, jobID) }, &res.Notified); err != nil {
			return res, err
		}
	}
	next := store.CourseState{Domain: p.Domain, CourseID: p.CourseID, State: workflow.StateSessionArchivee}
	if cs, err := s.st.GetCourseState(ctx, p.Domain, p.CourseID); err == nil {
		next.SourceCourseID = cs.SourceCourseID
	}
	// The archive record (what unarchive replays) and the state change are
	// one transaction: a crash cannot leave an archived state without its
	// record, nor a record of an archiving that was not recorded.
	who := actor(req.RequestedBy)
	var done json.RawMessage // the record's id; a state name for a job checkpointed before they were one step
	err = s.recordChangeWith(sp, next, p.State, workflow.Archive, who, &res, func(ctx context.Context, tx *store.Tx) (any, error) {
		id, err := recordArchive(ctx, tx, p, res, jobID, who)
		res.RecordID = id
		return id, err
	}, &done)
	if err == nil && res.RecordID == 0 && json.Unmarshal(done, &res.RecordID) != nil {
		// Resumed from an older checkpoint: its "record" step saved the id.
		_ = sp.step("record", func(ctx context.Context) (any, error) { return nil, nil }, &res.RecordID)
	}
	return res, err
}

func recordArchive(ctx context.Context, tx *store.Tx, p Plan, res Result, jobID int64, who string) (int64, error) {
	rec := store.ArchiveRecord{Domain: p.Domain, CourseID: p.CourseID, JobID: jobID, Access: p.Access, CategoryID: p.ToCategory,
		PrevState: p.State, PrevVariant: p.Variant, PrevCategoryID: p.FromCategory, PrevVisible: p.Visible, Froze: p.Freeze,
		Fallback: p.Fallback, OfferSnapshot: p.Offer, Notified: res.Notified, Warnings: p.Warnings, ArchivedBy: who}
	if res.Backup != nil {
		rec.BackupPath, rec.BackupSHA256, rec.BackupSize = res.Backup.Path, res.Backup.SHA256, res.Backup.Size
	}
	saved, err := tx.SaveArchiveRecord(ctx, rec)
	return saved.ID, err
}

func updateCourse(ctx context.Context, d *domains.Domain, courseID, category int64, visible bool) error {
	v := 0
	if visible {
		v = 1
	}
	w, err := d.Client.UpdateCourses(ctx, []moodle.CourseUpdate{{ID: moodle.Int(courseID), CategoryID: moodle.Int(category), Visible: &v}})
	if err != nil {
		return fmt.Errorf("update course %d: %w", courseID, err)
	}
	if len(w) > 0 {
		return failure.Permanent(fmt.Errorf("update course %d: %s", courseID, w[0].Message))
	}
	return nil
}

func freeze(ctx context.Context, d *domains.Domain, courseID int64, on bool) (bool, error) {
	got, err := d.Client.FreezeContext(ctx, moodle.Int(courseID), on)
	if err != nil {
		return false, fmt.Errorf("freeze course %d (%v): %w", courseID, on, err)
	}
	if got != on {
		return false, failure.Permanent(fmt.Errorf("freeze course %d: Moodle answered frozen=%v, want %v", courseID, got, on))
	}
	return got, nil
}

// notify sends every participant the closing message, from the token's
// user, once per archiving job (package notice: a resumed job does not
// send it again); a message Moodle refuses is counted out, not retried.
// The count includes the messages recorded before a crash.
func (s *Service) notify(ctx context.Context, d *domains.Domain, p Plan, jobID int64) (int, error) {
	users, err := d.Client.GetEnrolledUsers(ctx, moodle.Int(p.CourseID), moodle.EnrolledUsersOptions{})
	if err != nil {
		return 0, fmt.Errorf("read participants of course %d: %w", p.CourseID, err)
	}
	text := fmt.Sprintf("La session « %s » a été clôturée et archivée. Ses contenus restent accessibles, en lecture seulement.", p.FullName)
	if !p.ToVisible {
		text = fmt.Sprintf("La session « %s » a été clôturée et archivée. Elle n'est plus accessible aux participants.", p.FullName)
	}
	var msgs []moodle.MessageInput
	for _, u := range participants(d, users) {
		msgs = append(msgs, moodle.MessageInput{ToUserID: u.ID, Text: text, TextFormat: 2,
			ClientMsgID: fmt.Sprintf("archive-%d-job%d-%d", p.CourseID, jobID, u.ID)})
	}
	res, err := notice.Send(ctx, s.st, p.Domain, d.Client, msgs)
	if err != nil {
		return res.Sent + res.Already, fmt.Errorf("notify participants of course %d: %w", p.CourseID, err)
	}
	return res.Sent + res.Already, nil
}

// UnarchiveRequest asks to undo the last archiving of a session.
type UnarchiveRequest struct {
	Domain      string `json:"domain"`
	CourseID    int64  `json:"course_id"`
	RequestedBy string `json:"-"`
}

// UnarchiveResult is what an unarchive job restored.
type UnarchiveResult struct {
	CourseID    int64 `json:"course_id"`
	RecordID    int64 `json:"record_id"`
	Category    int64 `json:"category_id"`
	Visible     bool  `json:"visible"`
	Unfrozen    bool  `json:"unfrozen"`
	Republished bool  `json:"republished"`
}

// PlanUnarchive returns the record unarchiving will replay in reverse.
func (s *Service) PlanUnarchive(ctx context.Context, req UnarchiveRequest) (store.ArchiveRecord, error) {
	rec, err := s.st.ActiveArchiveRecord(ctx, req.Domain, req.CourseID)
	if errors.Is(err, store.ErrNotFound) {
		return rec, refuse("not_archived", "le cours %d n'a pas été archivé par le pont", "course %d was not archived by the bridge", req.CourseID)
	}
	if err != nil {
		return rec, err
	}
	cs, err := s.st.GetCourseState(ctx, req.Domain, req.CourseID)
	if err != nil {
		return rec, err
	}
	if cs.State != workflow.StateSessionArchivee {
		return rec, refuse("wrong_state", "le cours %d est « %s », pas archivé", "course %d is %s, not archived",
			req.CourseID, workflow.Label(cs.State))
	}
	return rec, nil
}

// SubmitUnarchive enqueues undoing the course's active archive record.
func (s *Service) SubmitUnarchive(ctx context.Context, req UnarchiveRequest) (store.Job, bool, error) {
	rec, err := s.PlanUnarchive(ctx, req)
	if err != nil {
		return store.Job{}, false, err
	}
	key := fmt.Sprintf("unarchive:%s:%d:%d", req.Domain, req.CourseID, rec.ID)
	job, created, err := s.q.Submit(ctx, jobs.Spec{Kind: KindUnarchive, Domain: req.Domain, Key: key, Payload: req, RequestedBy: req.RequestedBy})
	if err == nil && !created && (job.State == store.JobFailed || job.State == store.JobCancelled) {
		job, err = s.q.Retry(ctx, job.ID, actor(req.RequestedBy))
	}
	return job, created, err
}

func (s *Service) unarchiveJob(ctx context.Context, run *jobs.Run) (any, error) {
	var req UnarchiveRequest
	if err := run.Decode(&req); err != nil {
		return nil, err
	}
	req.Domain, req.RequestedBy = run.Domain(), run.RequestedBy()
	d, _, err := s.domain(ctx, req.Domain)
	if err != nil {
		return nil, err
	}
	var rec store.ArchiveRecord
	if err := run.Step("plan", func(ctx context.Context) (any, error) { return s.PlanUnarchive(ctx, req) }, &rec); err != nil {
		return nil, err
	}
	res := UnarchiveResult{CourseID: rec.CourseID, RecordID: rec.ID, Category: rec.PrevCategoryID, Visible: rec.PrevVisible,
		Unfrozen: rec.Froze, Republished: hasOffer(rec.OfferSnapshot)}
	// Reverse order of archiving: unfreeze first, a frozen course refuses updates.
	if rec.Froze {
		if err := run.Step("unfreeze", func(ctx context.Context) (any, error) { return freeze(ctx, d, rec.CourseID, false) }, nil); err != nil {
			return res, err
		}
	}
	if err := run.Step("move", func(ctx context.Context) (any, error) {
		return nil, updateCourse(ctx, d, rec.CourseID, rec.PrevCategoryID, rec.PrevVisible)
	}, nil); err != nil {
		return res, err
	}
	if res.Republished && s.catalogue != nil {
		if err := run.Step("republish", func(ctx context.Context) (any, error) {
			return nil, s.catalogue.Republish(ctx, rec.OfferSnapshot)
		}, nil); err != nil {
			return res, err
		}
	}
	who := actor(req.RequestedBy)
	cs, err := s.st.GetCourseState(ctx, rec.Domain, rec.CourseID)
	if err != nil {
		return res, err
	}
	// Back to the state the session had when it was archived (a running
	// session stays running), as the category and visibility.
	next := store.CourseState{Domain: rec.Domain, CourseID: rec.CourseID, State: rec.PrevState, Variant: rec.PrevVariant,
		SourceCourseID: cs.SourceCourseID}
	if next.State == "" {
		next.State = workflow.StateSessionPreparation
	}
	// The record's closing and the state change are one transaction.
	return res, s.recordChangeWith(stepper{run: run}, next, workflow.StateSessionArchivee, workflow.Unarchive, who, res,
		func(ctx context.Context, tx *store.Tx) (any, error) { return nil, tx.MarkUnarchived(ctx, rec.ID, who) }, nil)
}

// hasOffer reports whether a snapshot holds an entry (a checkpoint turns
// a missing one into JSON null).
func hasOffer(snapshot json.RawMessage) bool {
	return len(snapshot) > 0 && string(snapshot) != "null"
}
