package moodlesim

import "strings"

// local_bridge's lean look-ups (local_bridge_find_users,
// local_bridge_get_participants): the same rows as core's
// core_user_get_users_by_field and core_enrol_get_enrolled_users, with only
// the identity, roles and groups.

func init() {
	register("local_bridge_find_users", false, single(k("field", val("alpha")), k("values", multi(vRaw()))), bridgeFindUsers)
	register("local_bridge_get_participants", false, single(k("courseid", vInt())), bridgeGetParticipants)
}

func leanUser(u *user) obj {
	return o("id", u.id, "username", u.username, "firstname", u.firstname, "lastname", u.lastname,
		"email", u.email, "idnumber", u.idnumber, "auth", u.auth, "suspended", b2i(u.suspended))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func bridgeFindUsers(c *call, p P) (any, error) {
	field := p.Str("field")
	if field != "id" && field != "idnumber" && field != "username" && field != "email" {
		return nil, errInvalidParam("field must be one of email, username, idnumber, id")
	}
	values := map[string]bool{}
	var raw []string
	for _, v := range p.Strs("values") {
		if v = strings.TrimSpace(v); v != "" {
			values[fold(v)] = true
			raw = append(raw, v)
		}
	}
	out := []obj{}
	if len(raw) == 0 {
		return out, nil
	}
	for _, u := range c.s.usersMatching(field, raw, values) {
		if u.id != 1 {
			out = append(out, append(leanUser(u), kv{"confirmed", 1}))
		}
	}
	return out, nil
}

func bridgeGetParticipants(c *call, p P) (any, error) {
	s := c.s
	co := s.courses[p.Int("courseid")]
	if co == nil {
		return nil, errNoRecord("course", p.Int("courseid"))
	}
	out := []obj{}
	for _, uid := range sortedKeys(s.enrolments[co.id]) {
		u := s.users[uid]
		if u == nil || u.deleted {
			continue
		}
		roles := []obj{}
		for _, r := range s.userRoles(co.contextID, uid) {
			roles = append(roles, o("roleid", r, "shortname", roleNames[r]))
		}
		groups := []obj{}
		for _, gid := range sortedKeys(s.groups) {
			if g := s.groups[gid]; g.course == co.id && g.members[uid] {
				groups = append(groups, o("id", g.id, "name", g.name))
			}
		}
		out = append(out, append(leanUser(u), kv{"roles", roles}, kv{"groups", groups}))
	}
	return out, nil
}
