package domains

import (
	"context"
	"sort"

	"github.com/magistere/bridge/internal/moodle"
)

// Need is one web-service function the bridge uses, what it is for, and
// the function that replaces it on older sites, if any.
type Need struct {
	Function string
	Feature  string
	Fallback string // used when Function is missing; "" = none
	Plugin   bool   // provided by local_bridge rather than core
}

// Needs lists every function the bridge calls. Core functions are kept to
// those Moodle 2.x already had where possible; the rest have a fallback
// or belong to local_bridge.
var Needs = []Need{
	{Function: "core_webservice_get_site_info", Feature: "site probe"},
	{Function: "core_course_get_categories", Feature: "domain bootstrap"},
	{Function: "core_course_create_categories", Feature: "domain bootstrap"},
	{Function: "core_course_update_categories", Feature: "domain bootstrap"},
	{Function: "core_course_create_courses", Feature: "course lifecycle"},
	{Function: "core_course_update_courses", Feature: "course lifecycle"},
	{Function: "core_course_delete_courses", Feature: "trash retention"},
	{Function: "core_course_duplicate_course", Feature: "sessions from a parcours"},
	{Function: "core_course_get_contents", Feature: "course contents"},
	{Function: "core_course_get_courses_by_field", Feature: "course lookup", Fallback: "core_course_get_courses"},
	{Function: "core_course_get_courses", Feature: "course lookup"},
	{Function: "core_user_create_users", Feature: "CSV enrolment (create accounts)"},
	{Function: "core_user_get_users_by_field", Feature: "CSV enrolment (match accounts)"},
	{Function: "core_user_update_users", Feature: "account updates"},
	{Function: "enrol_manual_enrol_users", Feature: "enrolment"},
	{Function: "enrol_manual_unenrol_users", Feature: "enrolment (remove absent)"},
	{Function: "core_enrol_get_enrolled_users", Feature: "enrolment and tracking"},
	{Function: "core_role_assign_roles", Feature: "roles"},
	{Function: "core_group_create_groups", Feature: "groups"},
	{Function: "core_group_get_course_groups", Feature: "groups"},
	{Function: "core_group_add_group_members", Feature: "groups"},
	{Function: "core_completion_get_course_completion_status", Feature: "tracking"},
	{Function: "core_completion_get_activities_completion_status", Feature: "tracking"},
	{Function: "core_message_send_instant_messages", Feature: "notifications"},
	{Function: "local_bridge_backup_course", Feature: "national offer (share)", Plugin: true},
	{Function: "local_bridge_get_backup_status", Feature: "national offer (share)", Plugin: true},
	{Function: "local_bridge_restore_course", Feature: "national offer (deploy)", Plugin: true},
	{Function: "local_bridge_get_restore_status", Feature: "national offer (deploy)", Plugin: true},
	{Function: "local_bridge_enable_self_enrolment", Feature: "self-enrolment sessions", Plugin: true},
	{Function: "local_bridge_freeze_context", Feature: "archiving (read-only)", Plugin: true},
	{Function: "local_bridge_mark_course_complete", Feature: "attendance mirrored to completion", Plugin: true},
	{Function: "local_bridge_named_enrolment", Feature: "GAIA-managed enrolment (own instance, override)", Plugin: true},
	{Function: "local_bridge_find_users", Feature: "fast CSV enrolment look-ups", Fallback: "core_user_get_users_by_field", Plugin: true},
	{Function: "local_bridge_get_participants", Feature: "fast participant lists", Fallback: "core_enrol_get_enrolled_users", Plugin: true},
	{Function: "local_bridge_create_enrol_users", Feature: "fast account creation and enrolment", Fallback: "core_user_create_users", Plugin: true},
}

// Missing is a needed function the site's token does not offer.
type Missing struct {
	Function string `json:"function"`
	Feature  string `json:"feature"`
	// Fallback is the function used instead; empty when the feature is
	// unavailable on this site.
	Fallback string `json:"fallback,omitempty"`
	Plugin   bool   `json:"plugin,omitempty"`
}

// Blocking reports whether the feature cannot work at all on the site.
func (m Missing) Blocking() bool { return m.Fallback == "" }

// Report is the outcome of checking one domain.
type Report struct {
	Domain    string    `json:"domain"`
	WWWRoot   string    `json:"wwwroot"`
	Reachable bool      `json:"reachable"`
	Error     string    `json:"error,omitempty"`
	Release   string    `json:"release,omitempty"`
	Version   string    `json:"version,omitempty"`
	SiteName  string    `json:"sitename,omitempty"`
	Functions int       `json:"functions"`
	Missing   []Missing `json:"missing"`
}

// OK reports whether the site is reachable and nothing is blocking.
func (r Report) OK() bool {
	if !r.Reachable {
		return false
	}
	for _, m := range r.Missing {
		if m.Blocking() {
			return false
		}
	}
	return true
}

// Check probes one domain and compares its function list with Needs.
func Check(ctx context.Context, d *Domain) Report {
	r := Report{Domain: d.Name(), WWWRoot: d.Config.WWWRoot, Missing: []Missing{}}
	info, err := d.Client.Probe(ctx)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	r.Reachable, r.Release, r.Version, r.SiteName = true, info.Release, info.Version, info.SiteName
	r.Functions = len(info.Functions)
	r.Missing = missingFunctions(d.Client.Strategy())
	return r
}

func missingFunctions(s *moodle.Strategy) []Missing {
	out := []Missing{}
	for _, n := range Needs {
		if s.HasFunction(n.Function) {
			continue
		}
		m := Missing{Function: n.Function, Feature: n.Feature, Plugin: n.Plugin}
		if n.Fallback != "" && s.HasFunction(n.Fallback) {
			m.Fallback = n.Fallback
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Function < out[j].Function })
	return out
}

// CheckAll checks every domain concurrently, in configuration order.
func (f *Fleet) CheckAll(ctx context.Context) []Report {
	all := f.All()
	out := make([]Report, len(all))
	done := make(chan struct{})
	for i, d := range all {
		go func(i int, d *Domain) {
			out[i] = Check(ctx, d)
			done <- struct{}{}
		}(i, d)
	}
	for range all {
		<-done
	}
	return out
}
