package moodlesim

import (
	"testing"
	"time"
)

func TestParseCost(t *testing.T) {
	m, err := ParseCost("call=8ms,user=1ms,password=6ms,enrol=2.7ms,record=0.6ms,cores=2")
	if err != nil || m != RealMoodle45 {
		t.Fatalf("parsed %+v, %v", m, err)
	}
	if m, _ := ParseCost("real-4.5"); m != RealMoodle45 {
		t.Fatalf("preset: %+v", m)
	}
	for _, bad := range []string{"call=fast", "cores=0", "speed=1ms"} {
		if _, err := ParseCost(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// The cost of a call is its fixed part plus its rows, a password-hashing
// user costing more than an SSO one.
func TestCostOfRows(t *testing.T) {
	m := RealMoodle45
	users := P{"users": []any{P{"username": "a", "createpassword": 1}, P{"username": "b", "auth": "shibboleth"}}}
	if got, want := m.of("core_user_create_users", users), 8*time.Millisecond+6*time.Millisecond+time.Millisecond; got != want {
		t.Errorf("create_users: %v, want %v", got, want)
	}
	enrol := P{"enrolments": []any{P{"userid": 3}, P{"userid": 4}, P{"userid": 5}}}
	if got, want := m.of("enrol_manual_enrol_users", enrol), 8*time.Millisecond+3*2700*time.Microsecond; got != want {
		t.Errorf("enrol: %v, want %v", got, want)
	}
	if got := m.of("core_webservice_get_site_info", P{}); got != 8*time.Millisecond {
		t.Errorf("site info: %v", got)
	}
	// Core's look-ups build a full record per person found; local_bridge's
	// lean ones cost the call alone.
	found := []obj{o("id", 3), o("id", 4)}
	if got, want := m.ofAnswer("core_user_get_users_by_field", found), 2*600*time.Microsecond; got != want {
		t.Errorf("users by field: %v, want %v", got, want)
	}
	if got := m.ofAnswer("local_bridge_find_users", found); got != 0 {
		t.Errorf("find_users: %v, want nothing beyond the call", got)
	}
}
