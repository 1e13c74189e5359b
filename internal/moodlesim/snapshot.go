package moodlesim

import (
	"fmt"
	"sort"
	"strings"
)

// Snapshot describes the site's lasting state without its ids or
// timestamps, one sorted line per fact: courses by shortname (category
// path by names, visibility, dates, frozen, self-enrolment), accounts by
// username, enrolments and role assignments by shortname and username,
// group memberships, and the count of messages sent. Two runs that leave
// the same Snapshot left the same site, whatever ids they were given: the
// crash suites compare a resumed run with an uninterrupted one this way.
func (s *Site) Snapshot() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	catPath := func(id int) string {
		var names []string
		for c := s.categories[id]; c != nil; c = s.categories[c.parent] {
			names = append([]string{c.name}, names...)
			if c.parent == 0 || c.parent == c.id {
				break
			}
		}
		return strings.Join(names, "/")
	}
	username := func(id int) string {
		if u := s.users[id]; u != nil {
			return u.username
		}
		return fmt.Sprintf("#%d", id)
	}
	for _, c := range s.courses {
		if c.id == 1 {
			continue // the site's front page
		}
		add("course %s: %q in %s, visible=%d start=%d end=%d frozen=%v self=%v/%d", c.shortname, c.fullname, catPath(c.category),
			c.visible, c.startdate, c.enddate, c.frozen, c.selfEnabled, c.selfRoleID)
		for uid, e := range s.enrolments[c.id] {
			add("enrolment %s/%s: suspended=%v timeend=%d", c.shortname, username(uid), e.suspended, e.timeend)
		}
		for uid, roles := range s.roles[c.contextID] {
			for rid, on := range roles {
				if on {
					add("role %s/%s: %d", c.shortname, username(uid), rid)
				}
			}
		}
	}
	for _, g := range s.groups {
		short := fmt.Sprintf("#%d", g.course)
		if c := s.courses[g.course]; c != nil {
			short = c.shortname
		}
		for uid := range g.members {
			add("member %s/%s: %s", short, g.name, username(uid))
		}
	}
	for _, u := range s.users {
		if u.deleted {
			continue
		}
		add("user %s: %s %s <%s> auth=%s suspended=%v", u.username, u.firstname, u.lastname, u.email, u.auth, u.suspended)
	}
	add("messages: %d", s.messages)
	sort.Strings(out)
	return out
}

// ShortnameOf is a course's shortname ("#ID" when there is no such course).
func (s *Site) ShortnameOf(id int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.courses[id]; c != nil {
		return c.shortname
	}
	return fmt.Sprintf("#%d", id)
}
