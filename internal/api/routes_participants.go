package api

import (
	"net/http"
	"strconv"

	"github.com/magistere/bridge/internal/moodle"
)

func (s *Server) routesParticipants(mux router) {
	mux.HandleFunc("GET "+Prefix+"courses/{course}/participants", s.participants)
}

// Participant is one row of the enrolment list: the only nominative
// output besides certificates (CNIL), for formateurs and managers.
type Participant struct {
	ID         int64    `json:"id"`
	FullName   string   `json:"fullname"`
	Email      string   `json:"email"`
	Roles      []string `json:"roles"`
	LastAccess int64    `json:"lastaccess"` // last access to this course, unix seconds; 0 never
}

func (s *Server) participants(w http.ResponseWriter, r *http.Request) {
	course, ok := pathInt(r, "course")
	if !ok {
		badRequest(w, "bad_course", "course id must be a positive integer")
		return
	}
	auditNominativeRead(r, "api.participants.read", "course:"+strconv.FormatInt(course, 10))
	c, ok := s.authorize(w, r, course, AccessFormateur, true)
	if !ok {
		return
	}
	d, err := s.deps.Fleet.Get(c.Domain)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	users, err := d.Client.GetEnrolledUsers(r.Context(), moodle.Int(course), moodle.EnrolledUsersOptions{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]Participant, 0, len(users))
	for _, u := range users {
		p := Participant{ID: int64(u.ID), FullName: u.FullName, Email: u.Email, LastAccess: int64(u.LastCourseAccess), Roles: []string{}}
		for _, role := range u.Roles {
			p.Roles = append(p.Roles, role.ShortName)
		}
		out = append(out, p)
	}
	writeJSON(w, http.StatusOK, map[string]any{"course_id": course, "participants": out})
}
