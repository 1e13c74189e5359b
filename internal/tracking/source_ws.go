package tracking

import (
	"context"
	"errors"
	"fmt"

	"github.com/magistere/bridge/internal/moodle"
)

// WSSource reads progress through web services: one enrolled-users call
// per course, then two completion calls per participant. Use DBSource
// when the domain has a database DSN.
type WSSource struct {
	Client *moodle.Client
	Roles  Roles
}

// enrolledUser is core_enrol_get_enrolled_users' row with the fields
// moodle.User lacks (institution).
type enrolledUser struct {
	ID               moodle.Int    `json:"id"`
	FirstName        string        `json:"firstname"`
	LastName         string        `json:"lastname"`
	Institution      string        `json:"institution"`
	Department       string        `json:"department"`
	LastCourseAccess moodle.Int    `json:"lastcourseaccess"`
	Roles            []moodle.Role `json:"roles"`
}

var enrolledFields = "id,firstname,lastname,institution,department,lastcourseaccess,roles"

func (s WSSource) enrolled(ctx context.Context, courseID int64) ([]enrolledUser, error) {
	var out []enrolledUser
	params := moodle.Params{"courseid": courseID, "options": []moodle.NameValue{{Name: "userfields", Value: enrolledFields}}}
	if err := s.Client.Call(ctx, "core_enrol_get_enrolled_users", params, &out); err != nil {
		return nil, fmt.Errorf("tracking: enrolled users of course %d: %w", courseID, err)
	}
	return out, nil
}

func roleNames(rs []moodle.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ShortName
	}
	return out
}

// Progress implements Source.
func (s WSSource) Progress(ctx context.Context, courseIDs []int64) (map[int64]*Session, error) {
	out := make(map[int64]*Session, len(courseIDs))
	for _, id := range courseIDs {
		sess, err := s.course(ctx, id)
		if err != nil {
			return nil, err
		}
		out[id] = sess
	}
	return out, nil
}

func (s WSSource) course(ctx context.Context, courseID int64) (*Session, error) {
	users, err := s.enrolled(ctx, courseID)
	if err != nil {
		return nil, err
	}
	sess := &Session{CourseID: courseID, Monitored: -1}
	for _, u := range users {
		names := roleNames(u.Roles)
		if s.Roles.isStaff(names) {
			sess.Staff = append(sess.Staff, int64(u.ID))
		}
		if !containsString(names, s.Roles.Participant) {
			continue
		}
		p, monitored, err := s.participant(ctx, courseID, u)
		if err != nil {
			return nil, err
		}
		sess.Monitored = monitored
		sess.Participants = append(sess.Participants, p)
	}
	if sess.Monitored < 0 {
		sess.Monitored = 0 // no participant to ask: 0 is what the bars show
	}
	sortSession(sess)
	return sess, nil
}

func (s WSSource) participant(ctx context.Context, courseID int64, u enrolledUser) (Participant, int, error) {
	p := Participant{UserID: int64(u.ID), FirstName: u.FirstName, LastName: u.LastName,
		Etablissement: etablissement(u.Institution, u.Department), LastAccess: int64(u.LastCourseAccess)}
	statuses, _, err := s.Client.GetActivitiesCompletionStatus(ctx, moodle.Int(courseID), u.ID)
	if err != nil {
		return p, 0, fmt.Errorf("tracking: activity completion of user %d in course %d: %w", u.ID, courseID, err)
	}
	for _, st := range statuses {
		if st.Tracking > 0 {
			p.Monitored++
			if st.State == 1 || st.State == 2 {
				p.Done++
			}
		}
	}
	p.Completed, err = s.courseCompleted(ctx, courseID, int64(u.ID))
	return p, p.Monitored, err
}

// courseCompleted treats "no criteria" and "completion disabled" as not
// completed: they are states of the course, not failures.
func (s WSSource) courseCompleted(ctx context.Context, courseID, userID int64) (bool, error) {
	cc, _, err := s.Client.GetCourseCompletionStatus(ctx, moodle.Int(courseID), moodle.Int(userID))
	var me *moodle.Error
	if errors.As(err, &me) && (me.ErrorCode == "nocriteriaset" || me.ErrorCode == "cannotviewreport" || me.ErrorCode == "notenroled") {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("tracking: course completion of user %d in course %d: %w", userID, courseID, err)
	}
	return bool(cc.Completed), nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
