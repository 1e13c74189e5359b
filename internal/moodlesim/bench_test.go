package moodlesim

import (
	"fmt"
	"net/url"
	"testing"
)

// BenchmarkCreateAndEnrol100 measures one chunk of the bridge's typical
// enrolment: create 100 users, then enrol them in one call.
func BenchmarkCreateAndEnrol100(b *testing.B) {
	s := newTestSite(b, Options{})
	courseID := s.seedCourse("BENCH")
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		users := url.Values{}
		for i := 0; i < 100; i++ {
			name := fmt.Sprintf("b%dn%d", n, i)
			users.Set(fmt.Sprintf("users[%d][username]", i), name)
			users.Set(fmt.Sprintf("users[%d][auth]", i), "shibboleth")
			users.Set(fmt.Sprintf("users[%d][firstname]", i), "F")
			users.Set(fmt.Sprintf("users[%d][lastname]", i), "L")
			users.Set(fmt.Sprintf("users[%d][email]", i), name+"@example.com")
		}
		created := s.call("core_user_create_users", users).([]any)
		enrol := url.Values{}
		for i, u := range created {
			id := int(u.(map[string]any)["id"].(float64))
			enrol.Set(fmt.Sprintf("enrolments[%d][roleid]", i), "5")
			enrol.Set(fmt.Sprintf("enrolments[%d][userid]", i), itoa(id))
			enrol.Set(fmt.Sprintf("enrolments[%d][courseid]", i), itoa(courseID))
		}
		if out := s.call("enrol_manual_enrol_users", enrol); out != nil {
			b.Fatalf("enrol: %v", out)
		}
	}
}

// BenchmarkSiteInfo measures the fixed cost of a call.
func BenchmarkSiteInfo(b *testing.B) {
	s := newTestSite(b, Options{})
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		s.call("core_webservice_get_site_info", nil)
	}
}
