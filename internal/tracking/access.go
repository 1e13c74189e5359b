package tracking

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/magistere/bridge/internal/access"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/refusal"
	"github.com/magistere/bridge/internal/store"
)

// ErrForbidden is matched (errors.Is) by every ForbiddenError.
var ErrForbidden = errors.New("forbidden")

// ForbiddenError refuses a nominative output or an attendance change to a
// user who is not a formateur or manager of the course (HTTP 403).
type ForbiddenError struct {
	Domain   string
	CourseID int64
	UserID   int64
}

func (e *ForbiddenError) Error() string {
	return fmt.Sprintf("tracking: user %d is not a formateur or manager of course %d on %s", e.UserID, e.CourseID, e.Domain)
}

// Is makes errors.Is(err, ErrForbidden) true.
func (e *ForbiddenError) Is(target error) bool { return target == ErrForbidden }

// Retryable: asking again will not change the user's roles.
func (e *ForbiddenError) Retryable() bool { return false }

// StatusCode is the HTTP status the API answers with.
func (e *ForbiddenError) StatusCode() int { return 403 }

// Authorize checks, against Moodle's role assignments (never the caller's
// word), that actingUserID holds a staff role in the course.
func (s *Service) Authorize(ctx context.Context, domain string, courseID, actingUserID int64) error {
	d, err := s.domain(domain)
	if err != nil {
		return err
	}
	return authorize(ctx, d.Client, RolesFor(d.Config), domain, courseID, actingUserID)
}

// authorizeWho: an operator is trusted; a Moodle user needs a staff role.
func (s *Service) authorizeWho(ctx context.Context, domain string, courseID int64, who Who) error {
	if (who.Operator && who.UserID == 0) || (who.Vouched && who.UserID > 0) {
		return nil
	}
	return s.Authorize(ctx, domain, courseID, who.UserID)
}

func authorize(ctx context.Context, c *moodle.Client, roles Roles, domain string, courseID, actingUserID int64) error {
	forbidden := &ForbiddenError{Domain: domain, CourseID: courseID, UserID: actingUserID}
	if actingUserID <= 0 {
		return forbidden
	}
	// Only active enrolments count: a suspended or expired formateur is refused.
	roster, err := access.Roster(ctx, c, courseID)
	if err != nil {
		return fmt.Errorf("tracking: %w", err)
	}
	if roles.isStaff(roster[actingUserID]) {
		return nil
	}
	return forbidden
}

// Who is whom a nominative read or a change is for, as the audit records
// it. A Moodle user (UserID > 0) must hold a staff role in the course; an
// operator on the CLI (Operator, UserID 0) already holds the bridge's
// configuration and store, and is recorded by their OS user.
type Who struct {
	UserID   int64
	Operator bool
	// Vouched: the signed API already admitted this Moodle user as a
	// manager from above the course (a site administrator or category
	// manager, local_bridge's acting_as), which course roles cannot show.
	Vouched bool
	Actor   string // "moodle:<domain>:user:<id>", "cli:<os user>", "cli:<os user> on behalf of moodle:<domain>:user:<id>"
}

// MoodleUser is user id of domain acting through the API.
func MoodleUser(domain string, userID int64) Who {
	return Who{UserID: userID, Actor: MoodleActor(domain, userID)}
}

// MoodleActor names a Moodle user the way the API's audit does.
func MoodleActor(domain string, userID int64) string {
	return "moodle:" + domain + ":user:" + strconv.FormatInt(userID, 10)
}

// actor is who.Actor, or the Moodle user for callers that gave none.
func (w Who) actor(domain string) string {
	if w.Actor != "" {
		return w.Actor
	}
	return MoodleActor(domain, w.UserID)
}

// audit records an access or a change; params never hold names.
func (s *Service) audit(ctx context.Context, domain string, courseID int64, who Who, action, outcome string, params any) {
	raw, _ := json.Marshal(params)
	_, _ = s.st.RecordAudit(ctx, store.AuditEntry{Actor: who.actor(domain), Domain: domain, Action: action,
		Target: "course:" + strconv.FormatInt(courseID, 10), Params: raw, Outcome: outcome})
}

// Nominative returns a session's participants with their names (the
// enrolment list, the certificates' input) to a formateur or manager of
// the course only; every attempt is audited as action, refused or not.
func (s *Service) Nominative(ctx context.Context, domain string, courseID int64, who Who, action string) (*Session, error) {
	if err := s.authorizeWho(ctx, domain, courseID, who); err != nil {
		if errors.Is(err, ErrForbidden) {
			s.audit(ctx, domain, courseID, who, action, "refused", nil)
		}
		return nil, err
	}
	src, _, err := s.Source(domain)
	if err != nil {
		return nil, err
	}
	sessions, err := src.Progress(ctx, []int64{courseID})
	if err != nil {
		return nil, err
	}
	sess := sessions[courseID]
	if sess == nil {
		return nil, fmt.Errorf("tracking: course %d not found on %s: %w", courseID, domain, store.ErrNotFound)
	}
	s.audit(ctx, domain, courseID, who, action, "ok", map[string]int{"participants": len(sess.Participants)})
	return sess, nil
}

// AttendanceResult is the outcome for one participant.
type AttendanceResult struct {
	UserID  int64 `json:"user_id"`
	Old     bool  `json:"old"`
	New     bool  `json:"new"`
	Changed bool  `json:"changed"`
	// MirrorJob is the tracking.attendance_mirror job that sets Moodle's
	// course completion to the mark (0 without mirror).
	MirrorJob int64 `json:"mirror_job,omitempty"`
}

// KindAttendanceMirror sets Moodle's course completion of the marked
// participants (local_bridge_mark_course_complete); payload
// AttendanceMirrorPayload. Queued with the mark, in its transaction.
const KindAttendanceMirror = "tracking.attendance_mirror"

// AttendanceMirrorPayload is a tracking.attendance_mirror job's payload.
type AttendanceMirrorPayload struct {
	CourseID int64   `json:"course_id"`
	UserIDs  []int64 `json:"user_ids"`
	Present  bool    `json:"present"`
}

// SetAttendance marks (present) or unmarks "Formation terminée" for the
// given participants, by a formateur or manager of the course. It is all
// or nothing: every id is checked first, then the marks, their changes
// (attendance_changes) and audit entries are one store transaction. With
// mirror, that transaction also queues the job that sets Moodle's course
// completion (KindAttendanceMirror): the bridge's record is the decision,
// and a Moodle that refuses or is down does not undo it; the job retries
// and its failure shows in the jobs list (its id is in each result).
// Users who are not participants of the course are refused.
func (s *Service) SetAttendance(ctx context.Context, domain string, courseID int64, who Who, userIDs []int64, present, mirror bool) ([]AttendanceResult, error) {
	d, err := s.domain(domain)
	if err != nil {
		return nil, err
	}
	roles := RolesFor(d.Config)
	action := map[bool]string{true: "attendance.mark", false: "attendance.unmark"}[present]
	if err := s.authorizeWho(ctx, domain, courseID, who); err != nil {
		if errors.Is(err, ErrForbidden) {
			s.audit(ctx, domain, courseID, who, action, "refused", map[string]any{"users": userIDs})
		}
		return nil, err
	}
	participants, err := s.participantIDs(ctx, d.Client, roles, courseID)
	if err != nil {
		return nil, err
	}
	// Every id is checked before anything is recorded: a list with one
	// wrong id (a typo, the formateur's own id) changes nothing, rather
	// than marking the participants listed before it.
	for _, id := range userIDs {
		if !participants[id] {
			return nil, refusal.New("not_participant", "l'utilisateur %d n'est pas participant du cours %d : rien n'est modifié",
				"user %d is not a participant of course %d: nothing changed", id, courseID)
		}
	}
	var out []AttendanceResult
	err = s.st.InTx(ctx, "tracking: "+action, func(tx *store.Tx) error {
		out = out[:0]
		var job int64
		if mirror {
			payload, err := json.Marshal(AttendanceMirrorPayload{CourseID: courseID, UserIDs: userIDs, Present: present})
			if err != nil {
				return err
			}
			if job, err = tx.EnqueueJob(ctx, store.NewJob{Kind: KindAttendanceMirror, Domain: domain, Payload: payload,
				RequestedBy: who.actor(domain)}); err != nil {
				return err
			}
		}
		for _, id := range userIDs {
			r, err := s.setOne(ctx, tx, domain, courseID, who, id, present, mirror)
			if err != nil {
				return err
			}
			r.MirrorJob = job
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("tracking: %s: nothing recorded: %w", action, err)
	}
	return out, nil
}

// setOne records one participant's mark and its audit entry in tx.
func (s *Service) setOne(ctx context.Context, tx *store.Tx, domain string, courseID int64, who Who, userID int64, present, mirror bool) (AttendanceResult, error) {
	old, changed, err := tx.SetAttendance(ctx, domain, courseID, userID, present, who.actor(domain))
	if err != nil {
		return AttendanceResult{}, fmt.Errorf("attendance of user %d: %w", userID, err)
	}
	action := map[bool]string{true: "attendance.mark", false: "attendance.unmark"}[present]
	outcome := map[bool]string{true: "changed", false: "unchanged"}[changed]
	raw, _ := json.Marshal(map[string]any{"user_id": userID, "old": old, "new": present, "mirror": mirror})
	if _, err := tx.RecordAudit(ctx, store.AuditEntry{Actor: who.actor(domain), Domain: domain, Action: action,
		Target: "course:" + strconv.FormatInt(courseID, 10), Params: raw, Outcome: outcome}); err != nil {
		return AttendanceResult{}, fmt.Errorf("audit attendance of user %d: %w", userID, err)
	}
	return AttendanceResult{UserID: userID, Old: old, New: present, Changed: changed}, nil
}

// MirrorAttendance is the tracking.attendance_mirror job: Moodle's course
// completion of each user follows the mark (idempotent: a retried job
// sets the same values again). A user Moodle refuses fails the job, which
// shows in the jobs list with Moodle's reason.
func (s *Service) MirrorAttendance(ctx context.Context, domain string, p AttendanceMirrorPayload, progress func(done, total int)) (int, error) {
	d, err := s.domain(domain)
	if err != nil {
		return 0, err
	}
	for i, id := range p.UserIDs {
		progress(i, len(p.UserIDs))
		if _, err := d.Client.MarkCourseComplete(ctx, moodle.Int(p.CourseID), moodle.Int(id), p.Present); err != nil {
			return i, fmt.Errorf("tracking: mirror attendance of user %d in course %d to Moodle: %w", id, p.CourseID, err)
		}
	}
	progress(len(p.UserIDs), len(p.UserIDs))
	return len(p.UserIDs), nil
}

func (s *Service) participantIDs(ctx context.Context, c *moodle.Client, roles Roles, courseID int64) (map[int64]bool, error) {
	users, err := c.GetEnrolledUsers(ctx, moodle.Int(courseID), moodle.EnrolledUsersOptions{UserFields: []string{"id", "roles"}})
	if err != nil {
		return nil, fmt.Errorf("tracking: participants of course %d: %w", courseID, err)
	}
	out := map[int64]bool{}
	for _, u := range users {
		if containsString(roleNames(u.Roles), roles.Participant) {
			out[int64(u.ID)] = true
		}
	}
	return out, nil
}
