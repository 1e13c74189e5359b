package moodlesim

import (
	"net/url"
	"testing"
)

// TestWriteLedger: effects are counted once per natural key; a refused
// duplicate, a rolled-back batch and a re-enrolment that changes nothing
// are not effects, but the re-sent enrolment shows among the requests; an
// unenrolment followed by a new enrolment counts the enrolment twice.
func TestWriteLedger(t *testing.T) {
	s := newTestSite(t, Options{})
	site := s.srv.Site("")
	user := url.Values{"users[0][username]": {"ada"}, "users[0][firstname]": {"Ada"}, "users[0][lastname]": {"L"},
		"users[0][email]": {"ada@ac-a.fr"}, "users[0][auth]": {"shibboleth"}}
	s.mustOK("core_user_create_users", user)
	s.call("core_user_create_users", user) // refused: username taken
	bad := url.Values{"users[0][username]": {"bob"}, "users[0][firstname]": {"Bob"}, "users[0][lastname]": {"B"},
		"users[0][email]": {"bob@ac-a.fr"}, "users[0][auth]": {"shibboleth"},
		"users[1][username]": {"ada"}, "users[1][firstname]": {"Ada"}, "users[1][lastname]": {"L"},
		"users[1][email]": {"ada2@ac-a.fr"}, "users[1][auth]": {"shibboleth"}}
	s.call("core_user_create_users", bad) // all or nothing: bob is rolled back
	s.mustOK("core_course_create_courses", url.Values{"courses[0][fullname]": {"S1"}, "courses[0][shortname]": {"S1"}, "courses[0][categoryid]": {"1"}})
	course := site.CourseIDByShortname("S1")
	uid := site.userNamed("ada").id
	enrol := url.Values{"enrolments[0][roleid]": {"5"}, "enrolments[0][userid]": {itoa(uid)}, "enrolments[0][courseid]": {itoa(course)}}
	s.mustOK("enrol_manual_enrol_users", enrol)
	s.mustOK("enrol_manual_enrol_users", enrol) // already enrolled: no effect
	key := "enrolment:" + itoa(course) + "/" + itoa(uid)
	w := site.Writes()
	if w["user:ada"] != 1 || w["user:bob"] != 0 || w["course:S1"] != 1 || w[key] != 1 || site.WriteRequests()[key] != 2 {
		t.Fatalf("writes %v, requests %v", w, site.WriteRequests())
	}
	s.mustOK("enrol_manual_unenrol_users", url.Values{"enrolments[0][userid]": {itoa(uid)}, "enrolments[0][courseid]": {itoa(course)}})
	s.mustOK("enrol_manual_enrol_users", enrol)
	if w := site.Writes(); w[key] != 2 || w["unenrolment:"+itoa(course)+"/"+itoa(uid)] != 1 {
		t.Fatalf("after unenrol and enrol again: %v", w)
	}
}
