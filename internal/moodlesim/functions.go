package moodlesim

import (
	"embed"
	"sort"
	"strings"
	"sync"
)

//go:embed functions/*.txt
var functionLists embed.FS

// fnDef is one external function the simulator implements.
type fnDef struct {
	name   string
	params *pd // always a single structure (the execute_parameters)
	write  bool
	run    func(c *call, p P) (any, error)
}

var registry = map[string]*fnDef{}

func register(name string, write bool, params *pd, run func(c *call, p P) (any, error)) {
	registry[name] = &fnDef{name: name, params: params, write: write, run: run}
}

// recordedService is the custom service "bridge" of the recorded site, in
// its order (site_info lists it in this order).
var recordedService = []string{
	"core_webservice_get_site_info", "core_course_create_categories", "core_course_get_categories",
	"core_course_update_categories", "core_course_create_courses", "core_course_get_courses",
	"core_course_get_courses_by_field", "core_course_update_courses", "core_course_duplicate_course",
	"core_course_delete_courses", "core_course_get_contents", "core_course_search_courses",
	"core_user_create_users", "core_user_get_users_by_field", "core_user_get_users", "core_user_update_users",
	"enrol_manual_enrol_users", "enrol_manual_unenrol_users", "core_enrol_get_enrolled_users",
	"core_enrol_get_users_courses", "core_role_assign_roles", "core_group_create_groups",
	"core_group_add_group_members", "core_group_get_course_groups",
	"core_completion_get_course_completion_status", "core_completion_get_activities_completion_status",
	"core_completion_mark_course_self_completed", "core_completion_update_activity_completion_status_manually",
	"core_cohort_create_cohorts", "core_cohort_add_cohort_members", "core_calendar_create_calendar_events",
	"core_message_send_instant_messages", "core_files_upload", "core_course_import_course",
	"core_backup_get_copy_progress", "core_course_get_updates_since",
}

// extraService are core functions the bridge uses beyond the recorded 36
// (files.json used the first two; the third marks another user's activity).
var extraService = []string{
	"core_user_add_user_private_files", "core_files_get_files",
	"core_completion_override_activity_completion_status",
}

// pluginFunctions are local_bridge's functions: on every release profile,
// served by each site that has the plugin (not Options.PlainSites).
var pluginFunctions = []string{
	"local_bridge_backup_course", "local_bridge_get_backup_status", "local_bridge_restore_course",
	"local_bridge_get_restore_status", "local_bridge_enable_self_enrolment",
	"local_bridge_freeze_context", "local_bridge_mark_course_complete", "local_bridge_named_enrolment",
	"local_bridge_find_users", "local_bridge_get_participants", "local_bridge_create_enrol_users",
}

// serviceFunctions is the one place that says what the token may call.
func serviceFunctions() []string {
	out := append([]string{}, recordedService...)
	out = append(out, extraService...)
	return append(out, pluginFunctions...)
}

// addedAfter29 are functions of the 3.5 list that Moodle 2.9 lacks
// (from their @since tags and the upgrade notes).
var addedAfter29 = map[string]bool{
	"core_course_get_courses_by_field":                    true, // 3.2
	"core_course_get_updates_since":                       true, // 3.2
	"core_completion_override_activity_completion_status": true, // 3.4
	"core_completion_mark_course_self_completed":          true, // 3.0
	"core_course_search_courses":                          true, // 3.0
	"core_course_check_updates":                           true, // 3.2
	"core_course_get_course_module":                       true, // 3.0
	"core_course_get_course_module_by_instance":           true, // 3.0
	"core_course_get_activities_overview":                 true, // 3.0
	"core_course_get_user_navigation_options":             true, // 3.2
	"core_course_get_user_administration_options":         true, // 3.2
	"core_enrol_get_course_enrolment_methods":             true, // 3.0
	"core_user_update_user_preferences":                   true, // 3.2
	"core_user_agree_site_policy":                         true, // 3.2
	"core_user_get_user_preferences":                      true, // 3.2
	"core_calendar_get_action_events_by_course":           true, // 3.3
	"core_calendar_get_action_events_by_timesort":         true, // 3.3
	"core_calendar_get_calendar_event_by_id":              true, // 3.4
	"core_calendar_submit_create_update_form":             true, // 3.4
	"core_group_get_activity_allowed_groups":              true, // 3.0
	"core_group_get_activity_groupmode":                   true, // 3.0
	"core_files_delete_draft_files":                       true, // 3.10
	"core_backup_get_copy_progress":                       true, // 4.0
	"core_backup_submit_copy_form":                        true, // 4.0
}

// addedAfter29Prefixes are components that appeared after 2.9.
var addedAfter29Prefixes = []string{
	"core_competency_", "tool_lp_", "core_search_", "core_analytics_", "tool_analytics_",
	"tool_dataprivacy_", "tool_policy_", "core_privacy_", "tool_mobile_", "core_favourites_",
	"tool_usertours_", "core_fetch_", "core_tag_", "core_question_", "core_block_",
	"core_course_get_enrolled_courses_", "core_course_get_recent_courses", "core_course_set_favourite",
	"mod_feedback_", "mod_workshop_", "mod_lesson_", "mod_data_", "mod_wiki_", "mod_glossary_",
	"mod_survey_", "mod_book_", "mod_page_", "mod_resource_", "mod_url_", "mod_folder_", "mod_label_",
	"mod_imscp_", "mod_quiz_", "mod_choice_", "mod_lti_", "core_grades_", "gradereport_user_",
	"gradereport_overview_", "enrol_guest_", "enrol_self_get_instance_info", "core_enrol_search_users",
	"tool_templatelibrary_", "core_output_", "core_rating_", "core_comment_", "report_competency_",
	"message_popup_", "message_airnotifier_", "core_notes_get_course_notes", "core_notes_view_notes",
}

// releaseInfo describes one release profile.
type releaseInfo struct {
	release, version, enrolVersion string
	exists                         map[string]bool
}

// releases is built on first use: every bridge command links the
// simulator, few run it.
var releases = sync.OnceValue(func() map[string]*releaseInfo {
	releases := map[string]*releaseInfo{}
	l45 := readList("functions/4.5.txt")
	l35 := readList("functions/3.5.txt")
	l29 := map[string]bool{}
	for name := range l35 {
		if !removedIn29(name) {
			l29[name] = true
		}
	}
	for _, set := range []map[string]bool{l45, l35, l29} {
		for _, name := range pluginFunctions {
			set[name] = true
		}
	}
	releases["4.5"] = &releaseInfo{"4.5.5+ (Build: 20250613)", "2024100705.01", "2024100700", l45}
	releases["3.5"] = &releaseInfo{"3.5.5+ (Build: 20190411)", "2018051705.05", "2018051400", l35}
	releases["2.9"] = &releaseInfo{"2.9.9 (Build: 20161114)", "2015051109", "2015051100", l29}
	return releases
})

func removedIn29(name string) bool {
	if addedAfter29[name] {
		return true
	}
	for _, p := range addedAfter29Prefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func readList(path string) map[string]bool {
	data, err := functionLists.ReadFile(path)
	if err != nil {
		panic("moodlesim: embedded function list missing: " + path)
	}
	out := map[string]bool{}
	for _, line := range strings.Fields(string(data)) {
		out[line] = true
	}
	return out
}

// functionVersion is the version site_info shows for a function: the
// component's version (core or the plugin's own).
func (r *releaseInfo) functionVersion(name string) string {
	switch {
	case strings.HasPrefix(name, "enrol_manual_"):
		return r.enrolVersion
	case strings.HasPrefix(name, "local_bridge_"):
		return "2025010100"
	}
	return r.version
}

// callable lists the service functions that exist on this release.
func (r *releaseInfo) callable() []string {
	var out []string
	for _, name := range serviceFunctions() {
		if r.exists[name] {
			out = append(out, name)
		}
	}
	return out
}

// Functions lists every function name the release profile knows, sorted.
func Functions(release string) []string {
	r, ok := releases()[release]
	if !ok {
		return nil
	}
	out := make([]string, 0, len(r.exists))
	for name := range r.exists {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// hasFunction reports whether the site has the component providing name:
// local_bridge's functions exist only where the plugin is installed.
func (s *Site) hasFunction(name string) bool {
	if !strings.HasPrefix(name, "local_bridge_") {
		return true
	}
	for _, plain := range s.srv.opts.PlainSites {
		if plain == s.name {
			return false
		}
	}
	return true
}
