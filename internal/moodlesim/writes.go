package moodlesim

import "fmt"

// The write ledger counts, per natural key, the writes that changed the
// site: an account created ("user:USERNAME"), a course created, duplicated
// or restored ("course:SHORTNAME"), a group created ("group:COURSEID/NAME"),
// an enrolment created ("enrolment:COURSEID/USERID") or removed
// ("unenrolment:COURSEID/USERID"), a role assigned ("role:CONTEXTID/USERID/ROLEID"),
// a group member added ("member:GROUPID/USERID"). A key counted twice is a
// duplicated effect (an account made twice, an enrolment removed and made
// again). Writes that change nothing (enrolling someone already enrolled
// the same way) are not effects; they are counted per key among the
// requests ("enrolment:COURSEID/USERID" once per row sent), which show how
// often the bridge re-sent a write.

// Writes returns how many effects each natural key received.
func (s *Site) Writes() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return copyCounts(s.writes)
}

// WriteRequests returns how many times a write was asked per natural key,
// whether or not it changed anything (today: enrolment rows).
func (s *Site) WriteRequests() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return copyCounts(s.writeRequests)
}

func copyCounts(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// wrote records an effect; the caller holds s.mu.
func (s *Site) wrote(format string, args ...any) {
	s.writes[fmt.Sprintf(format, args...)]++
}
