package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/magistere/bridge/internal/access"
	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/moodle"
)

// Access is what a caller may do in one course (see package access,
// which ranks roles for the API and the CLI alike).
type Access = access.Level

// Levels, each including the ones before it.
const (
	AccessNone        = access.None
	AccessParticipant = access.Participant
	AccessTuteur      = access.Tuteur
	AccessFormateur   = access.Formateur
	AccessManager     = access.Manager
)

// RoleSource reads a user's role shortnames in a course from Moodle.
type RoleSource interface {
	CourseRoles(ctx context.Context, domain string, courseID, userID int64) ([]string, error)
}

// MoodleRoles reads roles with core_enrol_get_enrolled_users (the roles
// of every actively enrolled user in the course's context: a suspended or
// expired enrolment gives no right) and keeps each course's
// roster for ttl: a block's page makes several calls in a row, and a role
// change in Moodle is seen within ttl.
type MoodleRoles struct {
	fleet *domains.Fleet
	ttl   time.Duration
	now   func() time.Time
	mu    sync.Mutex
	cache map[string]roster
}

type roster struct {
	roles map[int64][]string
	at    time.Time
}

// NewMoodleRoles returns a RoleSource over the fleet's web-service clients.
func NewMoodleRoles(fleet *domains.Fleet, ttl time.Duration, now func() time.Time) *MoodleRoles {
	if now == nil {
		now = time.Now
	}
	return &MoodleRoles{fleet: fleet, ttl: ttl, now: now, cache: map[string]roster{}}
}

// CourseRoles implements RoleSource. A user not enrolled has no roles.
func (m *MoodleRoles) CourseRoles(ctx context.Context, domain string, courseID, userID int64) ([]string, error) {
	key := fmt.Sprintf("%s/%d", domain, courseID)
	m.mu.Lock()
	r, ok := m.cache[key]
	m.mu.Unlock()
	if !ok || m.now().Sub(r.at) >= m.ttl {
		var err error
		if r, err = m.load(ctx, domain, courseID); err != nil {
			return nil, err
		}
		m.mu.Lock()
		m.cache[key] = r
		m.mu.Unlock()
	}
	return r.roles[userID], nil
}

func (m *MoodleRoles) load(ctx context.Context, domain string, courseID int64) (roster, error) {
	d, err := m.fleet.Get(domain)
	if err != nil {
		return roster{}, err
	}
	roles, err := access.Roster(ctx, d.Client, courseID)
	if err != nil {
		return roster{}, fmt.Errorf("read roles of course %d on %s: %w", courseID, domain, err)
	}
	return roster{roles: roles, at: m.now()}, nil
}

// errForbidden is answered 403 without detail.
var errForbidden = errors.New("forbidden")

// courseAccess is the caller's access to a course. The site itself (user
// 0: cron, the plugin's own tasks) is trusted like a manager except for
// nominative outputs, which need a person to audit (see requirePerson).
func (s *Server) courseAccess(ctx context.Context, c Caller, courseID int64) (Access, error) {
	if c.UserID == 0 {
		return AccessManager, nil
	}
	if c.SiteManager {
		// A site administrator or category manager, as local_bridge
		// vouched in the signed request (see Caller.SiteManager).
		return AccessManager, nil
	}
	d, err := s.deps.Fleet.Get(c.Domain)
	if err != nil {
		return AccessNone, err
	}
	shortnames, err := s.deps.Roles.CourseRoles(ctx, c.Domain, courseID, c.UserID)
	if err != nil {
		return AccessNone, err
	}
	return access.MappingOf(d.Config).Level(shortnames), nil
}

// authorize answers 403 (or the failure) and returns false unless the
// caller holds at least need in courseID. nominative outputs also need a
// real user, never the site's own identity.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, courseID int64, need Access, nominative bool) (Caller, bool) {
	c, _ := CallerFrom(r.Context())
	if nominative && c.UserID == 0 {
		writeError(w, http.StatusForbidden, "forbidden", nil)
		return c, false
	}
	got, err := s.courseAccess(r.Context(), c, courseID)
	if err != nil {
		var me *moodle.Error
		if errors.As(err, &me) && !me.Retryable() { // e.g. an unknown course: nobody has rights there
			s.log.Warn().Err(err).Msg("api: roles unreadable, access refused")
			writeError(w, http.StatusForbidden, "forbidden", nil)
			return c, false
		}
		s.fail(w, r, err)
		return c, false
	}
	if got < need {
		setAuditDetail(r, fmt.Sprintf("access %s, needs %s", got, need))
		writeError(w, http.StatusForbidden, "forbidden", nil)
		return c, false
	}
	return c, true
}
