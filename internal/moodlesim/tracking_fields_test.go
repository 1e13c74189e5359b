package moodlesim

import (
	"testing"
	"time"
)

// The fields the bridge's follow-up and offer read: institution (omitted
// when empty, like user_get_user_details), lastcourseaccess from the
// course visits, and timemodified stamped by update_courses.
func TestFollowUpFieldsBehaveLikeMoodle(t *testing.T) {
	s := newTestSite(t, Options{})
	course := s.seedCourse("FOLLOW-1")
	s.mustOK("core_user_create_users", vals(
		"users[0][username]", "with.inst", "users[0][firstname]", "A", "users[0][lastname]", "B",
		"users[0][email]", "a@example.org", "users[0][createpassword]", "1", "users[0][institution]", "Collège Nelson Mandela",
		"users[1][username]", "no.inst", "users[1][firstname]", "C", "users[1][lastname]", "D",
		"users[1][email]", "c@example.org", "users[1][createpassword]", "1"))
	s.mustOK("enrol_manual_enrol_users", vals("enrolments[0][roleid]", "5", "enrolments[0][userid]", "3", "enrolments[0][courseid]", itoa(course),
		"enrolments[1][roleid]", "5", "enrolments[1][userid]", "4", "enrolments[1][courseid]", itoa(course)))
	s.srv.Site("").SetLastCourseAccess(course, 3, 1767225600)

	users := s.mustOK("core_enrol_get_enrolled_users", vals("courseid", itoa(course))).([]any)
	byID := map[float64]map[string]any{}
	for _, u := range users {
		m := u.(map[string]any)
		byID[m["id"].(float64)] = m
	}
	if byID[3]["institution"] != "Collège Nelson Mandela" {
		t.Errorf("institution of user 3: %v", byID[3]["institution"])
	}
	if _, ok := byID[4]["institution"]; ok {
		t.Errorf("an empty institution must be omitted: %v", byID[4])
	}
	if byID[3]["lastcourseaccess"] != float64(1767225600) || byID[4]["lastcourseaccess"] != float64(0) {
		t.Errorf("lastcourseaccess: %v / %v", byID[3]["lastcourseaccess"], byID[4]["lastcourseaccess"])
	}

	before := s.srv.Site("").courses[course].timemodified
	s.srv.opts.Now = func() time.Time { return time.Unix(before+3600, 0) }
	s.mustOK("core_course_update_courses", vals("courses[0][id]", itoa(course), "courses[0][fullname]", "Renamed"))
	if got := s.srv.Site("").courses[course].timemodified; got != before+3600 {
		t.Errorf("timemodified after update_courses: %d, want %d", got, before+3600)
	}
}
