package enrol

import (
	"strings"
	"time"

	"github.com/magistere/bridge/internal/config"
)

// stockRoleIDs are the ids of a stock Moodle install's roles. No core web
// service lists a site's roles, so role ids are resolved in this order:
// PlanOptions.RoleIDs (configuration), then the ids seen on the course's
// participants (core_enrol_get_enrolled_users returns roleid with
// shortname), then these stock ids.
var stockRoleIDs = map[string]int64{"manager": 1, "coursecreator": 2, "editingteacher": 3, "teacher": 4,
	"student": 5, "guest": 6, "user": 7}

func resolveRoleIDs(configured, learned map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for _, src := range []map[string]int64{stockRoleIDs, learned, configured} {
		for k, v := range src {
			out[k] = v
		}
	}
	return out
}

// ResolveRoleID returns the role id of a shortname as a plan would.
func ResolveRoleID(shortname string, configured map[string]int64) (int64, bool) {
	id, ok := resolveRoleIDs(configured, nil)[shortname]
	return id, ok
}

func defaultRoles() map[string]string {
	out := map[string]string{}
	for k, v := range config.DefaultRoles {
		out[k] = v
	}
	return out
}

// shortnameOf maps a role from the file or the options to a Moodle
// shortname: a bridge role (participant, formateur, tuteur...) through the
// domain's map, or a shortname the map points to (student...).
func shortnameOf(roles map[string]string, role string) (string, bool) {
	role = strings.ToLower(strings.TrimSpace(role))
	if s, ok := roles[role]; ok {
		return s, true
	}
	for _, s := range roles {
		if s == role {
			return s, true
		}
	}
	return "", false
}

var nowUnix = func() int64 { return time.Now().Unix() }
