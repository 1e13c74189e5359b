package moodlesim

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/magistere/bridge/internal/failure"
)

// CostModel makes the simulator take as long as a real Moodle: its cost is
// mostly per row, not per call. Measured on Moodle 4.5.5+ (2 cores, PHP
// 8.2, MariaDB on the same machine): about 8 ms fixed per call, 6 ms per
// user created with a password (5 of them hashing it: createpassword does
// not avoid it), 1 ms per user without one (SSO), 2.7 ms per enrolment row.
// The work of one site runs on Cores workers at most, as PHP's processes
// share the machine's cores.
type CostModel struct {
	PerCall         time.Duration
	PerUser         time.Duration // created without a password (SSO auth)
	PerUserPassword time.Duration // created with a password or createpassword
	PerEnrolRow     time.Duration
	// PerRecord is a full user record in an answer of core's look-ups
	// (core_user_get_users_by_field, core_enrol_get_enrolled_users): they
	// build a whole profile per person. local_bridge's lean look-ups cost
	// the call alone.
	PerRecord time.Duration
	Cores     int
}

// RealMoodle45 is the cost model measured on a real Moodle 4.5.5+ site.
var RealMoodle45 = CostModel{PerCall: 8 * time.Millisecond, PerUser: time.Millisecond,
	PerUserPassword: 6 * time.Millisecond, PerEnrolRow: 2700 * time.Microsecond, PerRecord: 600 * time.Microsecond, Cores: 2}

// Zero reports whether the model adds no cost.
func (m CostModel) Zero() bool {
	return m == CostModel{} || (m.PerCall|m.PerUser|m.PerUserPassword|m.PerEnrolRow|m.PerRecord) == 0
}

// ParseCost reads "real-4.5" or "call=8ms,user=1ms,password=6ms,enrol=2.7ms,record=0.6ms,cores=2".
func ParseCost(spec string) (CostModel, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return CostModel{}, nil
	}
	if spec == "real-4.5" {
		return RealMoodle45, nil
	}
	m := CostModel{Cores: 2}
	for _, part := range strings.Split(spec, ",") {
		key, value, _ := strings.Cut(strings.TrimSpace(part), "=")
		if key == "cores" {
			n, err := strconv.Atoi(value)
			if err != nil || n < 1 {
				return CostModel{}, failure.Permanent(fmt.Errorf("moodlesim: cost %q: cores must be a positive integer", part))
			}
			m.Cores = n
			continue
		}
		d, err := time.ParseDuration(value)
		if err != nil || d < 0 {
			return CostModel{}, failure.Permanent(fmt.Errorf("moodlesim: cost %q: want a duration such as 8ms", part))
		}
		switch key {
		case "call":
			m.PerCall = d
		case "user":
			m.PerUser = d
		case "password":
			m.PerUserPassword = d
		case "enrol":
			m.PerEnrolRow = d
		case "record":
			m.PerRecord = d
		default:
			return CostModel{}, failure.Permanent(fmt.Errorf("moodlesim: cost %q: unknown key (call, user, password, enrol, record, cores)", part))
		}
	}
	return m, nil
}

// of is what one call costs: the fixed part plus its rows.
func (m CostModel) of(function string, params P) time.Duration {
	d := m.PerCall
	switch function {
	case "core_user_create_users":
		for _, up := range params.List("users") {
			if up.Str("password") != "" || up.Int("createpassword") == 1 {
				d += m.PerUserPassword
			} else {
				d += m.PerUser
			}
		}
	case "enrol_manual_enrol_users":
		d += time.Duration(len(params.List("enrolments"))) * m.PerEnrolRow
	case "local_bridge_create_enrol_users": // an account and an enrolment per row, one call
		for _, up := range params.List("users") {
			if up.Bool("createpassword") {
				d += m.PerUserPassword
			} else {
				d += m.PerUser
			}
			d += m.PerEnrolRow
		}
	}
	return d
}

// ofAnswer is the part of a call's cost that depends on its answer: full
// user records built by core's look-ups.
func (m CostModel) ofAnswer(function string, result any) time.Duration {
	if m.PerRecord == 0 {
		return 0
	}
	switch function {
	case "core_user_get_users_by_field", "core_enrol_get_enrolled_users":
		if rows, ok := result.([]obj); ok {
			return time.Duration(len(rows)) * m.PerRecord
		}
	}
	return 0
}

// spend takes a site's worker for d, as PHP would keep a core busy.
func (s *Site) spend(d time.Duration) {
	if d <= 0 {
		return
	}
	s.cores <- struct{}{}
	time.Sleep(d)
	<-s.cores
}
