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
	UserID   int64 `json:"user_id"`
	Old      bool  `json:"old"`
	New      bool  `json:"new"`
	Changed  bool  `json:"changed"`
	Mirrored bool  `json:"mirrored,omitempty"`
}

// SetAttendance marks (present) or unmarks "Formation terminée" for the
// given participants, by a formateur or manager of the course. Each change
// is recorded (attendance_changes) and audited; with mirror, Moodle's
// course completion follows through local_bridge_mark_course_complete.
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
	for _, id := range userIDs {
		r, err := s.setOne(ctx, d.Client, domain, courseID, who, id, present, mirror)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
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

func (s *Service) setOne(ctx context.Context, c *moodle.Client, domain string, courseID int64, who Who, userID int64, present, mirror bool) (AttendanceResult, error) {
	// Moodle first: when it refuses (completion disabled on the course,
	// the user unenrolled meanwhile) the decision is not recorded either,
	// so the bridge never shows "Formation terminée" (and issues a
	// certificate) for a mark that failed. Both steps are idempotent: a
	// failure after the mirror is repaired by running the command again.
	if mirror {
		if _, err := c.MarkCourseComplete(ctx, moodle.Int(courseID), moodle.Int(userID), present); err != nil {
			return AttendanceResult{UserID: userID}, fmt.Errorf("tracking: mirror attendance of user %d to Moodle: %w", userID, err)
		}
	}
	old, changed, err := s.st.SetAttendance(ctx, domain, courseID, userID, present, who.actor(domain))
	if err != nil {
		return AttendanceResult{}, fmt.Errorf("tracking: attendance of user %d: %w", userID, err)
	}
	r := AttendanceResult{UserID: userID, Old: old, New: present, Changed: changed, Mirrored: mirror}
	action := map[bool]string{true: "attendance.mark", false: "attendance.unmark"}[present]
	outcome := map[bool]string{true: "changed", false: "unchanged"}[changed]
	s.audit(ctx, domain, courseID, who, action, outcome, map[string]any{"user_id": userID, "old": old, "new": present, "mirror": mirror})
	return r, nil
}
