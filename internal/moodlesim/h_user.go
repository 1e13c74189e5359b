package moodlesim

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

func userFieldsIn() []pkey {
	return []pkey{
		k("auth", val("plugin").dflt("manual")), k("createpassword", vBool().opt()), k("password", vRaw().opt()),
		k("firstname", val("notags")), k("lastname", val("notags")), k("email", val("raw")),
		k("maildisplay", vInt().opt()), k("city", val("notags").opt()), k("country", val("alpha").opt()),
		k("timezone", val("timezone").opt()), k("description", vRaw().opt()), k("firstnamephonetic", val("notags").opt()),
		k("lastnamephonetic", val("notags").opt()), k("middlename", val("notags").opt()), k("alternatename", val("notags").opt()),
		k("interests", vText().opt()), k("idnumber", vRaw().dflt("")), k("institution", vText().opt()),
		k("department", vText().opt()), k("phone1", vText().opt()), k("phone2", vText().opt()), k("address", vText().opt()),
		k("lang", val("lang").dflt("en")), k("calendartype", val("plugin").opt()), k("theme", val("plugin").opt()),
		k("mailformat", vInt().opt()),
		k("customfields", multi(single(k("type", val("alpha")), k("value", vRaw()))).opt()),
		k("preferences", multi(single(k("type", vRaw()), k("value", vRaw()))).opt()),
	}
}

func init() {
	create := append([]pkey{k("username", val("username"))}, userFieldsIn()...)
	register("core_user_create_users", true, single(k("users", multi(single(create...)))), createUsers)
	update := []pkey{k("id", vInt()), k("username", val("username").opt()), k("suspended", vBool().opt())}
	for _, f := range userFieldsIn() {
		f.d = f.d.opt()
		update = append(update, f)
	}
	update = append(update, k("userpicture", vInt().opt()))
	register("core_user_update_users", true, single(k("users", multi(single(update...)))), updateUsers)
	register("core_user_get_users_by_field", false, single(k("field", val("alpha")), k("values", multi(vRaw()))), getUsersByField)
	register("core_user_get_users", false, single(
		k("criteria", multi(single(k("key", vRaw()), k("value", vRaw())))),
	), getUsers)
	register("core_user_add_user_private_files", true, single(k("draftid", vInt())), addUserPrivateFiles)
}

func createUsers(c *call, p P) (any, error) {
	s := c.s
	var created []int
	out := []obj{}
	for _, in := range p.List("users") {
		u, err := s.newUser(in)
		if err != nil {
			for _, id := range created {
				s.unindex(s.users[id])
				delete(s.users, id) // the transaction rolls back; the ids stay used
			}
			return nil, err
		}
		created = append(created, u.id)
		out = append(out, o("id", u.id, "username", u.username))
	}
	for _, id := range created {
		s.wrote("user:%s", s.users[id].username)
	}
	return out, nil
}

// reEmail is compiled on first use (see paramPatterns).
var reEmail = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`) })

// newUser applies core_user_external::create_users checks in their order.
func (s *Site) newUser(in P) (*user, error) {
	for _, f := range []string{"username", "firstname", "lastname"} {
		if strings.TrimSpace(in.Str(f)) == "" {
			return nil, errInvalidParam("The field " + f + " cannot be blank")
		}
	}
	if s.userNamed(in.Str("username")) != nil {
		return nil, errInvalidParam("Username already exists: " + in.Str("username"))
	}
	auth := in.Str("auth")
	if !knownAuth[auth] {
		return nil, errInvalidParam("Invalid authentication type: " + auth)
	}
	internal := auth == "manual" || auth == "email"
	if internal && in.Str("password") == "" && !in.Bool("createpassword") {
		return nil, errInvalidParam("Invalid password: you must provide a password, or set createpassword.")
	}
	email := in.Str("email")
	if !reEmail().MatchString(email) {
		return nil, errInvalidParam("Email address is invalid: " + email)
	}
	if s.userWithEmail(email) != nil {
		return nil, errInvalidParam("Email address already exists: " + email)
	}
	if internal && in.Str("password") != "" {
		if msg := passwordPolicy(in.Str("password")); msg != "" {
			return nil, errMoodle(msg, "error/"+msg)
		}
	}
	u := &user{username: in.Str("username"), auth: auth, email: email, mailformat: 1, timezone: "99",
		timecreated: s.now(), preferences: map[string]string{}}
	s.applyUserFields(u, in)
	u.id = s.nextID("user")
	u.contextID = s.newContext(ctxUser, u.id)
	s.users[u.id] = u
	s.index(u)
	return u, nil
}

var knownAuth = map[string]bool{"manual": true, "nologin": true, "email": true, "shibboleth": true, "cas": true, "ldap": true, "oauth2": true, "webservice": true}

// passwordPolicy mirrors check_password_policy with the default settings:
// 8 characters, 1 digit, 1 lower, 1 upper, 1 non-alphanumeric.
func passwordPolicy(pw string) string {
	var digits, lower, upper, special int
	for _, r := range pw {
		switch {
		case unicode.IsDigit(r):
			digits++
		case unicode.IsLower(r):
			lower++
		case unicode.IsUpper(r):
			upper++
		default:
			special++
		}
	}
	var msg strings.Builder
	if len([]rune(pw)) < 8 {
		msg.WriteString("<div>Passwords must be at least 8 characters long.</div>")
	}
	if digits < 1 {
		msg.WriteString("<div>Passwords must have at least 1 digit(s).</div>")
	}
	if lower < 1 {
		msg.WriteString("<div>Passwords must have at least 1 lower case letter(s).</div>")
	}
	if upper < 1 {
		msg.WriteString("<div>Passwords must have at least 1 upper case letter(s).</div>")
	}
	if special < 1 {
		msg.WriteString("<div>The password must have at least 1 special character(s) such as *, -, or #.</div>")
	}
	return msg.String()
}

func (s *Site) applyUserFields(u *user, in P) {
	for key, dst := range map[string]*string{"firstname": &u.firstname, "lastname": &u.lastname, "email": &u.email,
		"auth": &u.auth, "idnumber": &u.idnumber, "lang": &u.lang, "theme": &u.theme, "timezone": &u.timezone,
		"city": &u.city, "country": &u.country, "department": &u.department, "institution": &u.institution,
		"description": &u.description, "username": &u.username} {
		if in.Has(key) {
			*dst = in.Str(key)
		}
	}
	if in.Has("password") {
		u.password = in.Str("password")
	}
	if in.Has("mailformat") {
		u.mailformat = in.Int("mailformat")
	}
	if in.Has("suspended") {
		u.suspended = in.Bool("suspended")
	}
	for _, pref := range in.List("preferences") {
		u.preferences[pref.Str("type")] = pref.Str("value")
	}
}

func updateUsers(c *call, p P) (any, error) {
	s := c.s
	warnings := []obj{}
	for _, in := range p.List("users") {
		u := s.liveUser(in.Int("id"))
		if u == nil {
			warnings = append(warnings, o("item", "user", "itemid", in.Int("id"), "warningcode", "invaliduserid", "message", "Invalid user ID"))
			continue
		}
		if w := s.userUpdateConflict(u, in); w != nil {
			warnings = append(warnings, w)
			continue
		}
		if in.Has("password") && in.Str("password") != "" {
			if msg := passwordPolicy(in.Str("password")); msg != "" {
				return nil, errMoodle(msg, "error/"+msg)
			}
		}
		s.unindex(u)
		s.applyUserFields(u, in)
		s.index(u)
	}
	return o("warnings", warnings), nil
}

func (s *Site) userUpdateConflict(u *user, in P) obj {
	if in.Has("username") {
		if other := s.userNamed(in.Str("username")); other != nil && other.id != u.id {
			return o("item", "user", "itemid", u.id, "warningcode", "usernameexists", "message", "Username already exists: "+in.Str("username"))
		}
	}
	if in.Has("email") {
		if other := s.userWithEmail(in.Str("email")); other != nil && other.id != u.id {
			return o("item", "user", "itemid", u.id, "warningcode", "useremailduplicate", "message", "Duplicate email address: "+in.Str("email"))
		}
	}
	return nil
}

// userDetails mirrors user_get_user_details' field order. full adds the
// account fields shown by get_users_by_field / get_users; courseid > 0 adds
// lastcourseaccess; fields limits the output (nil = all).
func (c *call) userDetails(u *user, full bool, courseid int, fields map[string]bool) obj {
	want := func(f string) bool { return fields == nil || fields[f] }
	out := obj{}
	out = out.addIf(true, "id", u.id)
	out = out.addIf(want("username"), "username", u.username)
	out = out.addIf(want("firstname"), "firstname", u.firstname)
	out = out.addIf(want("lastname"), "lastname", u.lastname)
	out = out.addIf(want("fullname"), "fullname", u.firstname+" "+u.lastname)
	out = out.addIf(want("email"), "email", u.email)
	out = out.addIf(want("department"), "department", u.department)
	// user_get_user_details() omits an empty institution.
	out = out.addIf(u.institution != "" && want("institution"), "institution", u.institution)
	out = out.addIf(want("idnumber"), "idnumber", u.idnumber)
	out = out.addIf(want("firstaccess"), "firstaccess", u.firstaccess)
	out = out.addIf(want("lastaccess"), "lastaccess", u.lastaccess)
	out = out.addIf(courseid > 0 && want("lastcourseaccess"), "lastcourseaccess", c.s.lastCourseAccess[[2]int{courseid, u.id}])
	if full {
		out = append(out, o("auth", u.auth, "suspended", u.suspended, "confirmed", true, "lang", u.lang, "theme", u.theme,
			"timezone", u.timezone, "mailformat", u.mailformat, "trackforums", 0)...)
	}
	out = out.addIf(u.description != "" && want("description"), "description", u.description)
	out = out.addIf(u.description != "" && want("description"), "descriptionformat", 1)
	out = out.addIf(u.city != "" && want("city"), "city", u.city)
	out = out.addIf(u.country != "" && want("country"), "country", u.country)
	out = out.addIf(want("profileimageurlsmall"), "profileimageurlsmall", c.imageURL("core", "u/f2"))
	out = out.addIf(want("profileimageurl"), "profileimageurl", c.imageURL("core", "u/f1"))
	return out
}

func getUsersByField(c *call, p P) (any, error) {
	field := p.Str("field")
	if field != "id" && field != "idnumber" && field != "username" && field != "email" {
		return nil, errInvalidParam("The search field '" + field + "' is not supported, look at the web service documentation")
	}
	values := map[string]bool{}
	for _, v := range p.Strs("values") {
		values[fold(v)] = true
	}
	out := []obj{}
	for _, u := range c.s.usersMatching(field, p.Strs("values"), values) {
		if u.id != 1 {
			out = append(out, c.userDetails(u, true, 0, nil))
		}
	}
	return out, nil
}

// usersMatching returns the live users whose field matches one of the
// values as the database collation does (folded: case and accents
// ignored), in id order (Moodle's ORDER BY id). Plain ASCII usernames and
// e-mails are found through the index; anything else is scanned.
func (s *Site) usersMatching(field string, raw []string, folded map[string]bool) []*user {
	indexed := field == "username" || field == "email"
	for _, v := range raw {
		if !isASCII(v) {
			indexed = false
		}
	}
	var out []*user
	if !indexed {
		for _, u := range s.sortedUsers() {
			if folded[fold(userField(u, field))] {
				out = append(out, u)
			}
		}
		return out
	}
	seen := map[int]bool{}
	for _, v := range raw {
		u := s.userWithEmail(v)
		if field == "username" {
			u = s.userNamed(strings.ToLower(v))
		}
		if u != nil && !seen[u.id] && folded[fold(userField(u, field))] {
			seen[u.id] = true
			out = append(out, u)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func userField(u *user, field string) string {
	switch field {
	case "id":
		return strconv.Itoa(u.id)
	case "idnumber":
		return u.idnumber
	case "username":
		return u.username
	case "email":
		return u.email
	case "firstname":
		return u.firstname
	case "lastname":
		return u.lastname
	case "auth":
		return u.auth
	}
	return "\x00"
}

func getUsers(c *call, p P) (any, error) {
	criteria := p.List("criteria")
	warnings := []obj{}
	out := []obj{}
	for _, cr := range criteria {
		switch cr.Str("key") {
		case "id", "lastname", "firstname", "idnumber", "username", "email", "auth":
		default:
			warnings = append(warnings, o("item", cr.Str("key"), "warningcode", "invalidfieldparameter",
				"message", fmt.Sprintf("The search key '%s' is not supported, look at the web service documentation", cr.Str("key"))))
			return o("users", out, "warnings", warnings), nil
		}
	}
	for _, u := range c.s.sortedUsers() {
		if u.id == 1 {
			continue
		}
		hit := true
		for _, cr := range criteria {
			hit = hit && userCriterionMatches(u, cr.Str("key"), cr.Str("value"))
		}
		if hit {
			out = append(out, c.userDetails(u, true, 0, nil))
		}
	}
	return o("users", out, "warnings", warnings), nil
}

// userCriterionMatches: id, auth and idnumber are exact, the names and
// email are SQL LIKE (so % works), username is exact.
func userCriterionMatches(u *user, key, value string) bool {
	switch key {
	case "id", "auth", "idnumber", "username":
		return foldEq(userField(u, key), value)
	}
	return likeMatch(userField(u, key), value)
}
