package moodlesim

import (
	"fmt"
	"strings"
)

// local_bridge_create_enrol_users (create_enrol_users.php): a chunk of
// people's missing accounts created and everyone enrolled through the
// course's manual instance, core's checks per row, refusals per row, an
// account found by username used rather than created again, an
// enrolment holding the role left alone.

func init() {
	person := single(
		k("username", vRaw()), k("firstname", vRaw()), k("lastname", vRaw()), k("email", vRaw()),
		k("auth", vRaw().dflt("manual")), k("idnumber", vRaw().dflt("")), k("institution", vRaw().dflt("")),
		k("department", vRaw().dflt("")), k("lang", vRaw().dflt("")), k("createpassword", vBool().dflt(false)),
		k("timestart", vInt().dflt(0)), k("timeend", vInt().dflt(0)),
	)
	register("local_bridge_create_enrol_users", true, single(k("courseid", vInt()), k("roleid", vInt()),
		k("users", multi(person))), bridgeCreateEnrolUsers)
}

// bulkRow is one person on the way: refused, found or to create.
type bulkRow struct {
	in       P
	refusal  string
	message  string
	existing *user
}

func bridgeCreateEnrolUsers(c *call, p P) (any, error) {
	s := c.s
	co := s.courses[p.Int("courseid")]
	if co == nil || co.id == 1 {
		return nil, errNoRecord("course", p.Int("courseid"))
	}
	if co.frozen {
		return nil, errNoPermission("Use the bridge web services")
	}
	roleid := p.Int("roleid")
	if !courseRoles[roleid] {
		return nil, errMoodle("wsusercannotassign", fmt.Sprintf(
			"You don't have the permission to assign this role (%d) to this user (0) in this course(%d).", roleid, co.id))
	}
	rows := make([]bulkRow, 0, len(p.List("users")))
	for _, in := range p.List("users") {
		rows = append(rows, s.checkBulkRow(in))
	}
	taken := map[string]bool{} // e-mails of accounts this chunk creates
	for i := range rows {
		r := &rows[i]
		if r.refusal != "" {
			continue
		}
		if r.existing = s.userNamed(r.in.Str("username")); r.existing != nil {
			continue
		}
		key := strings.ToLower(strings.TrimRight(r.in.Str("email"), " "))
		if s.userWithEmail(r.in.Str("email")) != nil || taken[key] {
			r.refusal, r.message = "emailexists", "Email address already exists: "+r.in.Str("email")
			continue
		}
		taken[key] = true
	}
	out := []obj{}
	for i, r := range rows {
		out = append(out, s.applyBulkRow(i, r, co, roleid))
	}
	return out, nil
}

// checkBulkRow makes core_user_create_users' checks of one row, but the
// username's existence and the e-mail's uniqueness (the chunk's).
func (s *Site) checkBulkRow(in P) bulkRow {
	refuse := func(code, msg string) bulkRow { return bulkRow{in: in, refusal: code, message: msg} }
	for f, typ := range map[string]string{"username": "username", "firstname": "notags", "lastname": "notags"} {
		if got, err := cleanScalar(typ, in.Str(f)); err != nil || got != in.Str(f) {
			return refuse("invalidparameter", fmt.Sprintf(`Invalid parameter value detected (%s => Invalid parameter value detected: `+
				`Invalid external api parameter: the value is "%s", the server was expecting "%s" type)`, f, in.Str(f), typ))
		}
	}
	for _, f := range []string{"username", "firstname", "lastname"} {
		if strings.TrimSpace(in.Str(f)) == "" {
			return refuse("blankfield", "The field "+f+" cannot be blank")
		}
	}
	auth := in.Str("auth")
	if !knownAuth[auth] || auth == "webservice" {
		return refuse("invalidauth", "Invalid authentication type: "+auth)
	}
	if lang := in.Str("lang"); lang != "" && lang != "en" {
		return refuse("invalidlang", "Invalid language code: "+lang)
	}
	if (auth == "manual" || auth == "email") && !in.Bool("createpassword") {
		return refuse("passwordneeded", "Invalid password: you must provide a password, or set createpassword.")
	}
	if !reEmail().MatchString(in.Str("email")) {
		return refuse("invalidemail", "Email address is invalid: "+in.Str("email"))
	}
	return bulkRow{in: in}
}

// applyBulkRow creates the row's account when missing and enrols it,
// unless its enrolment and role are there already.
func (s *Site) applyBulkRow(index int, r bulkRow, co *course, roleid int) obj {
	if r.refusal != "" {
		return o("index", index, "userid", 0, "created", false, "enrolled", false, "refusal", r.refusal, "message", r.message)
	}
	u, created := r.existing, false
	if u == nil {
		u = &user{username: r.in.Str("username"), auth: r.in.Str("auth"), email: r.in.Str("email"), mailformat: 1,
			timezone: "99", timecreated: s.now(), preferences: map[string]string{}}
		fields := P{}
		for _, f := range []string{"firstname", "lastname", "idnumber", "institution", "department"} {
			if v := r.in.Str(f); v != "" || f == "idnumber" {
				fields[f] = v
			}
		}
		fields["lang"] = "en"
		s.applyUserFields(u, fields)
		u.id = s.nextID("user")
		u.contextID = s.newContext(ctxUser, u.id)
		s.users[u.id] = u
		s.index(u)
		s.wrote("user:%s", u.username)
		created = true
	}
	enrolled := false
	if !s.isEnrolled(co.id, u.id) || !s.hasRole(co.contextID, u.id, roleid) {
		s.applyEnrolment(enrolment{co: co, userid: u.id, roleid: roleid, ue: userEnrolment{userid: u.id,
			timestart: int64(r.in.Int("timestart")), timeend: int64(r.in.Int("timeend")), timecreated: s.now()}})
		enrolled = true
	}
	return o("index", index, "userid", u.id, "created", created, "enrolled", enrolled, "refusal", "", "message", "")
}

func (s *Site) hasRole(contextID, userid, roleid int) bool { return s.roles[contextID][userid][roleid] }
