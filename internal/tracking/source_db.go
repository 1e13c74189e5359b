package tracking

import (
	"context"
	"slices"

	"github.com/magistere/bridge/internal/moodledb"
)

// DBSource reads progress from the Moodle database (package moodledb).
type DBSource struct {
	DB    *moodledb.DB
	Roles Roles
}

// Progress implements Source.
func (s DBSource) Progress(ctx context.Context, courseIDs []int64) (map[int64]*Session, error) {
	raw, err := s.DB.Progress(ctx, courseIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*Session, len(raw))
	for id, cp := range raw {
		sess := &Session{CourseID: id, Monitored: cp.Monitored}
		for _, u := range cp.Users {
			if s.Roles.isStaff(u.Roles) {
				sess.Staff = append(sess.Staff, u.UserID)
			}
			if !slices.Contains(u.Roles, s.Roles.Participant) {
				continue
			}
			sess.Participants = append(sess.Participants, Participant{
				UserID: u.UserID, FirstName: u.FirstName, LastName: u.LastName,
				Etablissement: etablissement(u.Institution, u.Department),
				Done:          u.Done, Monitored: cp.Monitored, Completed: u.Completed, LastAccess: u.LastAccess,
			})
		}
		if len(sess.Participants) == 0 {
			sess.Monitored = 0 // as the web-service path, which learns it from participants
		}
		sortSession(sess)
		out[id] = sess
	}
	return out, nil
}
