package e2e

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/magistere/bridge/internal/moodle"
)

// state is a normalised view of what a scenario left in Moodle: facts as
// "site key = value" lines, with no internal ids or timestamps, so the real
// site's and the simulator's can be compared line by line.
type state struct {
	facts map[string]string
}

func newState() *state { return &state{facts: map[string]string{}} }

func (s *state) set(key, format string, args ...any) {
	v := fmt.Sprintf(format, args...)
	if tag != "" {
		key, v = strings.ReplaceAll(key, tag, ""), strings.ReplaceAll(v, tag, "")
	}
	s.facts[key] = v
}

func (s *state) lines() []string {
	var out []string
	for k, v := range s.facts {
		out = append(out, k+" = "+v)
	}
	sort.Strings(out)
	return out
}

// diff lists the lines only one side has ("-" real only, "+" sim only).
func (s *state) diff(other *state) string {
	if s == nil || other == nil {
		return ""
	}
	a, b := map[string]bool{}, map[string]bool{}
	for _, l := range s.lines() {
		a[l] = true
	}
	for _, l := range other.lines() {
		b[l] = true
	}
	var out []string
	for _, l := range s.lines() {
		if !b[l] {
			out = append(out, "- "+l)
		}
	}
	for _, l := range other.lines() {
		if !a[l] {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}

var paris = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	return loc
}()

func day(ts int64) string {
	if ts == 0 {
		return "none"
	}
	return time.Unix(ts, 0).In(paris).Format("2006-01-02")
}

type rawCategory struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	IDNumber string `json:"idnumber"`
	Parent   int64  `json:"parent"`
	Visible  int    `json:"visible"`
}

// categories returns every category of the site by id, and a function
// that spells a category id as its path of names.
func (e *env) categories(siteName string) (map[int64]rawCategory, func(int64) string) {
	e.t.Helper()
	var cats []rawCategory
	if err := e.tg.site(siteName).client.Call(e.ctx, "core_course_get_categories", moodle.Params{}, &cats); err != nil {
		e.t.Fatalf("[%s] %s: get_categories: %v", e.tg.kind, siteName, err)
	}
	byID := map[int64]rawCategory{}
	for _, c := range cats {
		byID[c.ID] = c
	}
	var path func(int64) string
	path = func(id int64) string {
		c, ok := byID[id]
		if !ok {
			return fmt.Sprintf("?%d", id)
		}
		if c.Parent == 0 {
			return c.Name
		}
		return path(c.Parent) + " / " + c.Name
	}
	return byID, path
}

// snapCategories records every category: its path, idnumber and visibility.
func (e *env) snapCategories(st *state, siteName string) {
	byID, path := e.categories(siteName)
	for id, c := range byID {
		st.set(siteName+" category "+path(id), "idnumber=%s visible=%d", c.IDNumber, c.Visible)
	}
}

type rawCourse struct {
	ID         int64  `json:"id"`
	ShortName  string `json:"shortname"`
	FullName   string `json:"fullname"`
	IDNumber   string `json:"idnumber"`
	CategoryID int64  `json:"categoryid"`
	Visible    int    `json:"visible"`
	StartDate  int64  `json:"startdate"`
	EndDate    int64  `json:"enddate"`
	Format     string `json:"format"`
}

// course finds a course by shortname (nil when absent).
func (e *env) course(siteName, shortname string) *rawCourse {
	e.t.Helper()
	var out struct {
		Courses []rawCourse `json:"courses"`
	}
	err := e.tg.site(siteName).client.Call(e.ctx, "core_course_get_courses_by_field",
		moodle.Params{"field": "shortname", "value": shortname}, &out)
	if err != nil {
		e.t.Fatalf("[%s] %s: course %s: %v", e.tg.kind, siteName, shortname, err)
	}
	if len(out.Courses) == 0 {
		return nil
	}
	return &out.Courses[0]
}

// mustCourse is course for a course that must exist.
func (e *env) mustCourse(siteName, shortname string) *rawCourse {
	e.t.Helper()
	c := e.course(siteName, shortname)
	if c == nil {
		e.t.Fatalf("[%s] %s: no course %s in Moodle", e.tg.kind, siteName, shortname)
	}
	return c
}

// coursesIn lists the shortnames of a category's courses, sorted.
func (e *env) coursesIn(siteName string, categoryID int64) []string {
	e.t.Helper()
	var out struct {
		Courses []rawCourse `json:"courses"`
	}
	if err := e.tg.site(siteName).client.Call(e.ctx, "core_course_get_courses_by_field",
		moodle.Params{"field": "category", "value": fmt.Sprint(categoryID)}, &out); err != nil {
		e.t.Fatalf("[%s] %s: courses of category %d: %v", e.tg.kind, siteName, categoryID, err)
	}
	var names []string
	for _, c := range out.Courses {
		names = append(names, c.ShortName)
	}
	sort.Strings(names)
	return names
}

type rawEnrolled struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Email    string `json:"email"`
	Roles    []struct {
		ShortName string `json:"shortname"`
	} `json:"roles"`
	Groups []struct {
		Name string `json:"name"`
	} `json:"groups"`
}

// enrolled lists a course's enrolled users.
func (e *env) enrolled(siteName string, courseID int64) []rawEnrolled {
	e.t.Helper()
	var users []rawEnrolled
	if err := e.tg.site(siteName).client.Call(e.ctx, "core_enrol_get_enrolled_users",
		moodle.Params{"courseid": courseID}, &users); err != nil {
		e.t.Fatalf("[%s] %s: enrolled users of %d: %v", e.tg.kind, siteName, courseID, err)
	}
	return users
}

// enrolledUsernames maps username → "role,role|group,group" for a course.
func (e *env) enrolledUsernames(siteName string, courseID int64) map[string]string {
	out := map[string]string{}
	for _, u := range e.enrolled(siteName, courseID) {
		var roles, groups []string
		for _, r := range u.Roles {
			roles = append(roles, r.ShortName)
		}
		for _, g := range u.Groups {
			groups = append(groups, g.Name)
		}
		sort.Strings(roles)
		sort.Strings(groups)
		out[u.Username] = strings.Join(roles, ",") + "|" + strings.Join(groups, ",")
	}
	return out
}

// snapCourse records a course's fields, category path, enrolments with
// roles and groups, and its groups.
func (e *env) snapCourse(st *state, siteName, shortname string) {
	e.t.Helper()
	c := e.course(siteName, shortname)
	key := siteName + " course " + shortname
	if c == nil {
		st.set(key, "absent")
		return
	}
	_, path := e.categories(siteName)
	st.set(key, "fullname=%q idnumber=%q category=%q visible=%d start=%s end=%s format=%s",
		c.FullName, c.IDNumber, path(c.CategoryID), c.Visible, day(c.StartDate), day(c.EndDate), c.Format)
	for u, rg := range e.enrolledUsernames(siteName, c.ID) {
		st.set(key+" enrolled "+u, "%s", rg)
	}
	var groups []struct {
		Name string `json:"name"`
	}
	err := e.tg.site(siteName).client.Call(e.ctx, "core_group_get_course_groups", moodle.Params{"courseid": c.ID}, &groups)
	switch {
	case moodle.IsErrorCode(err, "nopermissions"):
		// A frozen course: listing groups needs moodle/course:managegroups,
		// which a locked context denies. Recorded as a fact, so freezing
		// is compared between the real site and the simulator.
		st.set(key+" groups", "nopermissions (frozen)")
	case err != nil:
		e.t.Fatalf("[%s] groups of %s: %v", e.tg.kind, shortname, err)
	}
	for _, g := range groups {
		st.set(key+" group "+g.Name, "exists")
	}
}

type rawUser struct {
	ID        int64  `json:"id"`
	Username  string `json:"username"`
	FirstName string `json:"firstname"`
	LastName  string `json:"lastname"`
	Email     string `json:"email"`
	Auth      string `json:"auth"`
	Suspended bool   `json:"suspended"`
}

// users finds accounts by a field (email, username, id).
func (e *env) users(siteName, field string, values ...string) []rawUser {
	e.t.Helper()
	var out []rawUser
	if err := e.tg.site(siteName).client.Call(e.ctx, "core_user_get_users_by_field",
		moodle.Params{"field": field, "values": values}, &out); err != nil {
		e.t.Fatalf("[%s] %s: users by %s: %v", e.tg.kind, siteName, field, err)
	}
	return out
}

// snapUsers records the accounts that have the given e-mails.
func (e *env) snapUsers(st *state, siteName string, emails ...string) {
	for _, u := range e.users(siteName, "email", emails...) {
		st.set(siteName+" user "+strings.ToLower(u.Email), "username=%s name=%q auth=%s suspended=%v",
			u.Username, u.FirstName+" "+u.LastName, u.Auth, u.Suspended)
	}
}

// realDB is the site's database on the real target; nil on the simulator.
func (e *env) realDB(siteName string) *siteDB {
	if e.tg.kind != "real" {
		return nil
	}
	return &siteDB{e: e, s: e.tg.site(siteName)}
}

type siteDB struct {
	e *env
	s *site
}

// count runs a COUNT(*) query on the real site's database.
func (d *siteDB) count(query string, args ...any) int {
	d.e.t.Helper()
	var n int
	if err := d.s.db.QueryRow(query, args...).Scan(&n); err != nil {
		d.e.t.Fatalf("[real] %s: %s: %v", d.s.name, query, err)
	}
	return n
}
