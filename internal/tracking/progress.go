// Package tracking is the participants' follow-up of a session: progress
// (monitored activities done, course completion, last access to the
// course, never time spent), aggregate statistics, the trainers'
// "Formation terminée" attendance decision, and the CNIL gate on the only
// nominative outputs (the enrolment list and the certificates).
//
// Progress is read in bulk from the Moodle database when the domain has a
// db_dsn (DBSource), otherwise through web services (WSSource); both give
// the same Session values.
package tracking

import (
	"context"
	"slices"

	"github.com/magistere/bridge/internal/access"
	"github.com/magistere/bridge/internal/config"
)

// Participant is one participant of a session. Names and établissement
// are nominative: they only leave the platform in the enrolment list and
// the certificates (see Authorize).
type Participant struct {
	UserID        int64
	FirstName     string
	LastName      string
	Etablissement string // institution, else department
	Done          int    // monitored activities done
	Monitored     int    // activities with completion enabled
	Completed     bool   // Moodle's course completion
	LastAccess    int64  // unix time of the last access to the course, 0 never
}

// Percent is the progress bar: done / monitored, rounded down; 0 when
// nothing is monitored.
func (p Participant) Percent() int {
	if p.Monitored == 0 {
		return 0
	}
	return p.Done * 100 / p.Monitored
}

// Session is the progress of one course's participants, by user id.
type Session struct {
	CourseID     int64
	Monitored    int
	Participants []Participant
	// Staff are the user ids holding a staff role (formateur, manager).
	Staff []int64
}

// Roles names the Moodle role shortnames that matter here.
type Roles struct {
	Participant string   // e.g. student
	Staff       []string // formateur's shortname and manager
}

// RolesFor builds Roles from a domain's role mapping (package access).
func RolesFor(d config.Domain) Roles {
	m := access.MappingOf(d)
	return Roles{Participant: m.Participant(), Staff: m.Staff()}
}

func (r Roles) isStaff(shortnames []string) bool {
	for _, s := range shortnames {
		if slices.Contains(r.Staff, s) {
			return true
		}
	}
	return false
}

// Source reads the progress of several courses at once.
type Source interface {
	Progress(ctx context.Context, courseIDs []int64) (map[int64]*Session, error)
}

func etablissement(institution, department string) string {
	if institution != "" {
		return institution
	}
	return department
}

func sortSession(s *Session) {
	slices.SortFunc(s.Participants, func(a, b Participant) int { return int(a.UserID - b.UserID) })
	slices.Sort(s.Staff)
}
