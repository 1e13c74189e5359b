package moodlesim

func init() {
	register("core_group_create_groups", true, single(k("groups", multi(single(
		k("courseid", vInt()), k("name", vText()), k("description", vRaw()), k("descriptionformat", vInt().dflt(1)),
		k("enrolmentkey", vRaw().opt()), k("idnumber", vRaw().opt()), k("visibility", vInt().opt()),
		k("participation", vBool().opt()), k("customfields", multi(single(k("shortname", val("alphanumext")), k("value", vRaw()))).opt()),
	)))), createGroups)
	register("core_group_add_group_members", true, single(k("members", multi(single(
		k("groupid", vInt()), k("userid", vInt()),
	)))), addGroupMembers)
	register("core_group_get_course_groups", false, single(k("courseid", vInt())), getCourseGroups)
}

func createGroups(c *call, p P) (any, error) {
	s := c.s
	var created []*group
	rollback := func() {
		for _, g := range created {
			delete(s.groups, g.id)
		}
	}
	out := []obj{}
	for _, in := range p.List("groups") {
		g, err := s.newGroup(in)
		if err != nil {
			rollback()
			return nil, err
		}
		created = append(created, g)
		out = append(out, o("id", g.id, "courseid", g.course, "name", g.name, "description", g.description,
			"descriptionformat", g.descFormat, "enrolmentkey", in.Str("enrolmentkey"), "idnumber", g.idnumber,
			"visibility", g.visibility, "participation", g.participation))
	}
	for _, g := range created {
		s.wrote("group:%d/%s", g.course, g.name)
	}
	return out, nil
}

func (s *Site) newGroup(in P) (*group, error) {
	co := s.courses[in.Int("courseid")]
	if co == nil {
		return nil, errInvalidParam("Context does not exist")
	}
	if co.frozen {
		return nil, errNoPermission("Manage groups")
	}
	for _, g := range s.groups {
		if g.course == co.id && g.name == in.Str("name") {
			return nil, errInvalidParam("Group with the same name already exists in the course")
		}
		if in.Str("idnumber") != "" && g.course == co.id && g.idnumber == in.Str("idnumber") {
			return nil, errMoodle("idnumbertaken", "This ID number is already taken")
		}
	}
	g := &group{id: s.nextID("groups"), course: co.id, name: in.Str("name"), description: in.Str("description"),
		descFormat: in.Int("descriptionformat"), idnumber: in.Str("idnumber"), visibility: in.Int("visibility"),
		participation: true, members: map[int]bool{}}
	if in.Has("participation") {
		g.participation = in.Bool("participation")
	}
	if in.Has("enrolmentkey") && in.Str("enrolmentkey") != "" {
		g.enrolmentkey = strPtr(in.Str("enrolmentkey"))
	}
	s.groups[g.id] = g
	return g, nil
}

func addGroupMembers(c *call, p P) (any, error) {
	s := c.s
	type member struct {
		g    *group
		user int
	}
	var todo []member
	for _, in := range p.List("members") {
		g := s.groups[in.Int("groupid")]
		if g == nil {
			return nil, errNoRecord("groups", in.Int("groupid"))
		}
		if s.liveUser(in.Int("userid")) == nil {
			return nil, errInvalidUser(in.Int("userid"))
		}
		if s.courses[g.course].frozen {
			return nil, errNoPermission("Manage group membership")
		}
		if !s.isEnrolled(g.course, in.Int("userid")) {
			return nil, errInvalidParam("Only enrolled users may be members of groups")
		}
		todo = append(todo, member{g, in.Int("userid")})
	}
	for _, m := range todo {
		if !m.g.members[m.user] {
			s.wrote("member:%d/%d", m.g.id, m.user)
		}
		m.g.members[m.user] = true
	}
	return nil, nil
}

func getCourseGroups(c *call, p P) (any, error) {
	s := c.s
	co := s.courses[p.Int("courseid")]
	if co == nil {
		return nil, errNoRecord("course", p.Int("courseid"))
	}
	// Moodle 4.5 requires moodle/course:managegroups, a write capability
	// that a frozen (locked) context denies: even reading fails there.
	if co.frozen {
		return nil, errNoPermission("Manage groups")
	}
	out := []obj{}
	for _, id := range sortedKeys(s.groups) {
		g := s.groups[id]
		if g.course != p.Int("courseid") {
			continue
		}
		out = append(out, o("id", g.id, "courseid", g.course, "name", g.name, "description", g.description,
			"descriptionformat", g.descFormat, "enrolmentkey", nullable(g.enrolmentkey), "idnumber", g.idnumber,
			"visibility", g.visibility, "participation", g.participation))
	}
	return out, nil
}
