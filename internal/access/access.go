// Package access says what a Moodle user may do with the bridge in one
// course, from their roles there read from Moodle and the domain's role
// mapping (config domains[].roles and manager_roles). It is the one place
// that ranks roles: the signed API and the CLI's --as both use it.
package access

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/magistere/bridge/internal/config"
	"github.com/magistere/bridge/internal/moodle"
)

// Level is what a caller may do in one course.
type Level int

// Levels, each including the ones before it.
const (
	None        Level = iota // not enrolled (or not actively): nothing
	Participant              // enrolled as a participant: nothing of the bridge
	Tuteur                   // follows participants: aggregates, workflow state
	Formateur                // runs the course: transitions, CSV, nominative outputs
	Manager                  // gestionnaire: a manager role of the mapping in the course
)

func (l Level) String() string {
	if l < None || l > Manager {
		return "unknown"
	}
	return [...]string{"none", "participant", "tuteur", "formateur", "manager"}[l]
}

// Mapping ranks a domain's Moodle role shortnames.
type Mapping struct {
	participant string
	tuteur      string
	formateur   []string // formateur and concepteur
	manager     []string
}

// DefaultManagerRoles are the shortnames that make a gestionnaire when a
// domain sets no manager_roles.
var DefaultManagerRoles = []string{"manager"}

// MappingOf is the mapping configured for d (defaults for missing keys).
func MappingOf(d config.Domain) Mapping {
	get := func(key string) string {
		if v := strings.TrimSpace(d.Roles[key]); v != "" {
			return v
		}
		return config.DefaultRoles[key]
	}
	m := Mapping{participant: get("participant"), tuteur: get("tuteur"),
		formateur: []string{get("formateur"), get("concepteur")}, manager: d.ManagerRoles}
	if len(m.manager) == 0 {
		m.manager = DefaultManagerRoles
	}
	return m
}

// Level ranks shortnames: the highest role wins.
func (m Mapping) Level(shortnames []string) Level {
	best := None
	for _, s := range shortnames {
		s = strings.TrimSpace(s)
		switch {
		case slices.Contains(m.manager, s):
			best = max(best, Manager)
		case slices.Contains(m.formateur, s):
			best = max(best, Formateur)
		case s == m.tuteur:
			best = max(best, Tuteur)
		case s == m.participant:
			best = max(best, Participant)
		}
	}
	return best
}

// Participant is the participants' shortname.
func (m Mapping) Participant() string { return m.participant }

// Staff are the shortnames of formateurs and gestionnaires.
func (m Mapping) Staff() []string { return slices.Concat(m.formateur, m.manager) }

// Roster reads the roles of every user actively enrolled in a course
// (onlyactive: a suspended enrolment, or one not started or already
// ended, gives no right).
func Roster(ctx context.Context, c *moodle.Client, courseID int64) (map[int64][]string, error) {
	users, err := c.GetEnrolledUsers(ctx, moodle.Int(courseID), moodle.EnrolledUsersOptions{
		UserFields: []string{"id", "roles"}, OnlyActive: true})
	if err != nil {
		return nil, fmt.Errorf("access: roles in course %d: %w", courseID, err)
	}
	out := make(map[int64][]string, len(users))
	for _, u := range users {
		for _, r := range u.Roles {
			out[int64(u.ID)] = append(out[int64(u.ID)], r.ShortName)
		}
	}
	return out, nil
}

// Of is userID's level in a course, read from Moodle now.
func Of(ctx context.Context, c *moodle.Client, m Mapping, courseID, userID int64) (Level, error) {
	if userID <= 0 {
		return None, nil
	}
	roster, err := Roster(ctx, c, courseID)
	if err != nil {
		return None, err
	}
	return m.Level(roster[userID]), nil
}
