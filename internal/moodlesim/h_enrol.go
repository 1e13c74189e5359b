package moodlesim

import (
	"fmt"
	"strings"
)

func init() {
	register("enrol_manual_enrol_users", true, single(k("enrolments", multi(single(
		k("roleid", vInt()), k("userid", vInt()), k("courseid", vInt()), k("timestart", vInt().opt()),
		k("timeend", vInt().opt()), k("suspend", vInt().opt()),
	)))), enrolUsers)
	register("enrol_manual_unenrol_users", true, single(k("enrolments", multi(single(
		k("userid", vInt()), k("courseid", vInt()), k("roleid", vInt().opt()),
	)))), unenrolUsers)
	register("core_enrol_get_enrolled_users", false, single(
		k("courseid", vInt()), k("options", multi(single(k("name", val("alphanumext")), k("value", vRaw()))).dflt([]any{})),
	), getEnrolledUsers)
	register("core_enrol_get_users_courses", false, single(k("userid", vInt()), k("returnusercount", vBool().dflt(true))), getUsersCourses)
	register("core_role_assign_roles", true, single(k("assignments", multi(single(
		k("roleid", vInt()), k("userid", vInt()), k("contextid", vInt().opt()), k("contextlevel", val("alpha").opt()),
		k("instanceid", vInt().opt()),
	)))), assignRoles)
}

// enrolment is one validated row, applied only once every row passed
// (the call is one transaction: all or nothing).
type enrolment struct {
	co     *course
	userid int
	roleid int
	ue     userEnrolment
}

func enrolUsers(c *call, p P) (any, error) {
	s := c.s
	var rows []enrolment
	reenrol := false
	for _, in := range p.List("enrolments") {
		row, err := s.checkEnrolment(in)
		if err != nil {
			return nil, err
		}
		reenrol = reenrol || s.isEnrolled(row.co.id, row.userid)
		rows = append(rows, row)
	}
	for _, row := range rows {
		s.applyEnrolment(row)
	}
	// The welcome message goes out after the commit: a mail failure then
	// surfaces as an exception although the enrolment stays.
	if s.mail == MailFailAlways || (s.mail == MailFailOnReenrol && reenrol) {
		return nil, errMoodle("Message was not sent.", "error/Message was not sent.")
	}
	return nil, nil
}

func (s *Site) checkEnrolment(in P) (enrolment, error) {
	co := s.courses[in.Int("courseid")]
	if co == nil || co.id == 1 {
		return enrolment{}, errInvalidParam("Context does not exist")
	}
	if co.frozen {
		return enrolment{}, errNoPermission("Enrol users")
	}
	roleid := in.Int("roleid")
	if !courseRoles[roleid] {
		return enrolment{}, errMoodle("wsusercannotassign", fmt.Sprintf("You don't have the permission to assign this role (%d) to this user (%d) in this course(%d).", roleid, in.Int("userid"), co.id))
	}
	if s.liveUser(in.Int("userid")) == nil {
		return enrolment{}, errInvalidUser(in.Int("userid"))
	}
	ue := userEnrolment{userid: in.Int("userid"), timestart: int64(in.Int("timestart")), timeend: int64(in.Int("timeend")),
		suspended: in.Int("suspend") != 0, timecreated: s.now()}
	return enrolment{co: co, userid: ue.userid, roleid: roleid, ue: ue}, nil
}

// applyEnrolment mirrors enrol_plugin::enrol_user: an existing enrolment
// is updated, and the role is added (never replaces another role).
func (s *Site) applyEnrolment(row enrolment) {
	cur := s.enrolments[row.co.id][row.userid]
	s.writeRequests[fmt.Sprintf("enrolment:%d/%d", row.co.id, row.userid)]++
	if cur == nil {
		ue := row.ue
		s.enrolments[row.co.id][row.userid] = &ue
		s.wrote("enrolment:%d/%d", row.co.id, row.userid)
	} else {
		cur.timestart, cur.timeend, cur.suspended = row.ue.timestart, row.ue.timeend, row.ue.suspended
		cur.onlyNamed = false
	}
	s.assignRole(row.co.contextID, row.userid, row.roleid)
}

func unenrolUsers(c *call, p P) (any, error) {
	s := c.s
	for _, in := range p.List("enrolments") {
		co := s.courses[in.Int("courseid")]
		if co == nil {
			return nil, errInvalidParam("Context does not exist")
		}
		if co.frozen {
			return nil, errNoPermission("Unenrol users from the course")
		}
		if s.liveUser(in.Int("userid")) == nil {
			return nil, errInvalidUser(in.Int("userid"))
		}
	}
	for _, in := range p.List("enrolments") {
		s.unenrol(s.courses[in.Int("courseid")], in.Int("userid"))
	}
	return nil, nil
}

// unenrol removes the enrolment, the user's roles in the course and their
// group memberships (enrol_plugin::unenrol_user).
func (s *Site) unenrol(co *course, userid int) {
	if !s.isEnrolled(co.id, userid) {
		return
	}
	if ue := s.enrolments[co.id][userid]; len(ue.named) > 0 {
		// Enrolled through a named instance too: the manual instance's
		// enrolment goes (if there was one), the user and roles stay.
		ue.onlyNamed = true
		return
	}
	delete(s.enrolments[co.id], userid)
	s.wrote("unenrolment:%d/%d", co.id, userid)
	delete(s.roles[co.contextID], userid)
	for _, g := range s.groups {
		if g.course == co.id {
			delete(g.members, userid)
		}
	}
}

func getEnrolledUsers(c *call, p P) (any, error) {
	s := c.s
	co := s.courses[p.Int("courseid")]
	if co == nil {
		return nil, errNoRecord("course", p.Int("courseid"))
	}
	opts := p.options("options")
	var fields map[string]bool
	if uf, ok := opts["userfields"]; ok {
		fields = map[string]bool{}
		for _, f := range strings.Split(uf, ",") {
			fields[strings.TrimSpace(f)] = true
		}
	}
	want := func(f string) bool { return fields == nil || fields[f] }
	out := []obj{}
	for _, uid := range sortedKeys(s.enrolments[co.id]) {
		ue := s.enrolments[co.id][uid]
		if !s.enrolledUserSelected(co, ue, opts) {
			continue
		}
		u := s.users[uid]
		row := c.userDetails(u, false, co.id, fields)
		if gs := s.userGroups(co.id, uid); len(gs) > 0 && want("groups") {
			row = append(row, kv{"groups", gs})
		}
		if want("roles") {
			row = append(row, kv{"roles", s.roleList(co.contextID, uid)})
		}
		if ec := c.enrolledCourses(uid); len(ec) > 0 && want("enrolledcourses") {
			row = append(row, kv{"enrolledcourses", ec})
		}
		out = append(out, row)
	}
	return paginate(out, opts), nil
}

func (s *Site) enrolledUserSelected(co *course, ue *userEnrolment, opts map[string]string) bool {
	if opts["onlyactive"] == "1" && !s.isActive(ue) {
		return false
	}
	if opts["onlysuspended"] == "1" && !ue.suspended {
		return false
	}
	if gid, ok := opts["groupid"]; ok && gid != "0" {
		var g *group
		for _, cand := range s.groups {
			if fmt.Sprint(cand.id) == gid && cand.course == co.id {
				g = cand
			}
		}
		return g != nil && g.members[ue.userid]
	}
	return true
}

func paginate(rows []obj, opts map[string]string) []obj {
	var from, limit int
	fmt.Sscan(opts["limitfrom"], &from)
	fmt.Sscan(opts["limitnumber"], &limit)
	if from > len(rows) {
		from = len(rows)
	}
	rows = rows[from:]
	if limit > 0 && limit < len(rows) {
		rows = rows[:limit]
	}
	return rows
}

// roleList is the roles block of enrolled users: name is "" for standard
// roles (their names come from language strings), sortorder is 0.
func (s *Site) roleList(contextID, userid int) []obj {
	out := []obj{}
	for _, r := range s.userRoles(contextID, userid) {
		out = append(out, o("roleid", r, "name", "", "shortname", roleNames[r], "sortorder", 0))
	}
	return out
}

func (s *Site) userGroups(courseid, userid int) []obj {
	out := []obj{}
	for _, gid := range sortedKeys(s.groups) {
		g := s.groups[gid]
		if g.course == courseid && g.members[userid] {
			out = append(out, o("id", g.id, "name", g.name, "description", g.description, "descriptionformat", 1))
		}
	}
	return out
}

// enrolledCourses lists the courses where the user's enrolment is active.
func (c *call) enrolledCourses(userid int) []obj {
	out := []obj{}
	for _, co := range c.s.sortedCourses() {
		if ue := c.s.enrolments[co.id][userid]; ue != nil && c.s.isActive(ue) {
			out = append(out, o("id", co.id, "fullname", co.fullname, "shortname", co.shortname))
		}
	}
	return out
}

func getUsersCourses(c *call, p P) (any, error) {
	s := c.s
	uid := p.Int("userid")
	if s.liveUser(uid) == nil {
		return nil, errInvalidUser(uid)
	}
	out := []obj{}
	for _, co := range s.sortedCourses() {
		ue := s.enrolments[co.id][uid]
		if ue == nil || !s.isActive(ue) {
			continue
		}
		out = append(out, c.userCourse(co, uid, p.Bool("returnusercount")))
	}
	return out, nil
}

func (c *call) userCourse(co *course, uid int, withCount bool) obj {
	s := c.s
	out := o("id", co.id, "shortname", co.shortname, "fullname", co.fullname, "displayname", co.fullname)
	out = out.addIf(withCount, "enrolledusercount", len(s.enrolments[co.id]))
	hasCriteria := co.criteria != nil && (len(co.criteria.Activities) > 0 || co.criteria.Self)
	return append(out, o("idnumber", co.idnumber, "visible", co.visible, "summary", co.summary, "summaryformat", 1,
		"format", co.format, "courseimage", c.courseImage(co), "showgrades", co.showgrades == 1, "lang", co.lang,
		"enablecompletion", co.enablecompletion == 1, "completionhascriteria", hasCriteria,
		"completionusertracked", s.isTracked(co, uid), "category", co.category, "progress", s.progress(co, uid),
		"completed", s.courseCompleted(co, uid), "startdate", co.startdate, "enddate", co.enddate, "marker", 0,
		"lastaccess", nil, "isfavourite", false, "hidden", false, "overviewfiles", []any{},
		"showactivitydates", true, "showcompletionconditions", true, "timemodified", co.timemodified)...)
}

func assignRoles(c *call, p P) (any, error) {
	s := c.s
	type assignment struct{ ctx, user, role int }
	var todo []assignment
	for _, in := range p.List("assignments") {
		ctxID, err := s.contextFromParams(in)
		if err != nil {
			return nil, err
		}
		if s.liveUser(in.Int("userid")) == nil {
			return nil, errInvalidUser(in.Int("userid"))
		}
		if roleNames[in.Int("roleid")] == "" {
			return nil, errInvalidParam("Can not assign roleid=" + fmt.Sprint(in.Int("roleid")) + " in contextid=" + fmt.Sprint(ctxID))
		}
		if cx := s.contexts[ctxID]; cx.level == ctxCourse && s.courses[cx.instance] != nil && s.courses[cx.instance].frozen {
			return nil, errNoPermission("Assign roles to users")
		}
		todo = append(todo, assignment{ctxID, in.Int("userid"), in.Int("roleid")})
	}
	for _, a := range todo {
		s.assignRole(a.ctx, a.user, a.role)
	}
	return nil, nil
}

// contextFromParams mirrors external_api::get_context_from_params.
func (s *Site) contextFromParams(in P) (int, error) {
	if in.Has("contextid") {
		if s.contexts[in.Int("contextid")] == nil {
			return 0, errInvalidParam("Context does not exist")
		}
		return in.Int("contextid"), nil
	}
	level := map[string]int{"system": ctxSystem, "user": ctxUser, "coursecat": ctxCategory, "course": ctxCourse, "module": ctxModule}[in.Str("contextlevel")]
	for _, cx := range s.contexts {
		if cx.level == level && (level == ctxSystem || cx.instance == in.Int("instanceid")) {
			return cx.id, nil
		}
	}
	return 0, errInvalidParam("Context does not exist")
}
