package moodlesim

import (
	"fmt"
	"sort"
	"strings"
)

// State describes what the site holds by natural keys only (no ids, no
// times the site picked), one sorted line per object: categories by path
// of names, courses by shortname, users by username, enrolments, role
// assignments, groups and their members, completions marked through
// local_bridge, activities. Two runs that leave the same Moodle state have
// equal States whatever order their calls came in, so a run under faults
// can be compared with a clean one.
func (s *Site) State() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	for _, c := range s.categories {
		add("category %s idnumber=%s visible=%d", s.catNames(c.id), deref(c.idnumber), c.visible)
	}
	users := map[int]string{}
	for _, u := range s.users {
		users[u.id] = u.username
		if u.id <= adminID {
			continue
		}
		add("user %s email=%s auth=%s name=%s/%s idnumber=%s suspended=%v deleted=%v", u.username, strings.ToLower(u.email),
			u.auth, u.firstname, u.lastname, u.idnumber, u.suspended, u.deleted)
	}
	courses := map[int]string{}
	for _, c := range s.courses {
		courses[c.id] = c.shortname
		if c.id == 1 {
			continue
		}
		var mods []string
		for _, sec := range c.sections {
			for _, cmid := range sec.cms {
				if m := s.modules[cmid]; m != nil {
					mods = append(mods, fmt.Sprintf("%d:%s:%s", sec.num, m.modname, m.name))
				}
			}
		}
		named := make([]string, 0, len(c.named))
		for n := range c.named {
			named = append(named, n)
		}
		sort.Strings(named)
		add("course %s full=%q cat=%s idnumber=%s visible=%d format=%s start=%d end=%d frozen=%v self=%v named=%v modules=%v",
			c.shortname, c.fullname, s.catNames(c.category), c.idnumber, c.visible, c.format, c.startdate, c.enddate,
			c.frozen, c.selfEnabled, named, mods)
	}
	for cid, m := range s.enrolments {
		for uid, ue := range m {
			add("enrolment %s %s suspended=%v end=%d only_named=%v", courses[cid], users[uid], ue.suspended, ue.timeend, ue.onlyNamed)
		}
	}
	for ctxID, byUser := range s.roles {
		for uid, roles := range byUser {
			for rid, on := range roles {
				if on {
					add("role %s %s %s", s.contextName(ctxID, courses), users[uid], roleNames[rid])
				}
			}
		}
	}
	for _, g := range s.groups {
		var members []string
		for uid, in := range g.members {
			if in {
				members = append(members, users[uid])
			}
		}
		sort.Strings(members)
		add("group %s %q idnumber=%s members=%v", courses[g.course], g.name, g.idnumber, members)
	}
	for k := range s.courseDone {
		add("completed %s %s", courses[k[0]], users[k[1]])
	}
	sort.Strings(out)
	return out
}

// catNames is a category's path of names, e.g. "/Académie/Sessions".
func (s *Site) catNames(id int) string {
	c := s.categories[id]
	if c == nil {
		return fmt.Sprintf("?%d", id)
	}
	var names []string
	for _, part := range strings.Split(strings.Trim(c.path, "/"), "/") {
		var pid int
		fmt.Sscan(part, &pid)
		if p := s.categories[pid]; p != nil {
			names = append(names, p.name)
		}
	}
	return "/" + strings.Join(names, "/")
}

func (s *Site) contextName(id int, courses map[int]string) string {
	c := s.contexts[id]
	if c == nil {
		return fmt.Sprintf("context?%d", id)
	}
	switch c.level {
	case ctxSystem:
		return "system"
	case ctxCourse:
		return "course:" + courses[c.instance]
	case ctxCategory:
		return "category:" + s.catNames(c.instance)
	}
	return fmt.Sprintf("context-level-%d", c.level)
}
