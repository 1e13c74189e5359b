package moodle

// Names of the web-service functions the bridge uses.
const (
	fnGetSiteInfo              = "core_webservice_get_site_info"
	fnGetCategories            = "core_course_get_categories"
	fnCreateCategories         = "core_course_create_categories"
	fnUpdateCategories         = "core_course_update_categories"
	fnCreateCourses            = "core_course_create_courses"
	fnGetCourses               = "core_course_get_courses"
	fnGetCoursesByField        = "core_course_get_courses_by_field"
	fnUpdateCourses            = "core_course_update_courses"
	fnDeleteCourses            = "core_course_delete_courses"
	fnDuplicateCourse          = "core_course_duplicate_course"
	fnSearchCourses            = "core_course_search_courses"
	fnGetContents              = "core_course_get_contents"
	fnCreateUsers              = "core_user_create_users"
	fnGetUsersByField          = "core_user_get_users_by_field"
	fnUpdateUsers              = "core_user_update_users"
	fnGetUsers                 = "core_user_get_users"
	fnEnrolUsers               = "enrol_manual_enrol_users"
	fnUnenrolUsers             = "enrol_manual_unenrol_users"
	fnGetEnrolledUsers         = "core_enrol_get_enrolled_users"
	fnGetUsersCourses          = "core_enrol_get_users_courses"
	fnAssignRoles              = "core_role_assign_roles"
	fnCreateGroups             = "core_group_create_groups"
	fnGetCourseGroups          = "core_group_get_course_groups"
	fnAddGroupMembers          = "core_group_add_group_members"
	fnCourseCompletionStatus   = "core_completion_get_course_completion_status"
	fnActivitiesCompletion     = "core_completion_get_activities_completion_status"
	fnOverrideActivityComplete = "core_completion_override_activity_completion_status"
	fnCreateCalendarEvents     = "core_calendar_create_calendar_events"
	fnSendInstantMessages      = "core_message_send_instant_messages"
	fnBackupCourse             = "local_bridge_backup_course"
	fnBackupStatus             = "local_bridge_get_backup_status"
	fnRestoreCourse            = "local_bridge_restore_course"
	fnRestoreStatus            = "local_bridge_get_restore_status"
	fnEnableSelfEnrolment      = "local_bridge_enable_self_enrolment"
	fnFreezeContext            = "local_bridge_freeze_context"
	fnMarkCourseComplete       = "local_bridge_mark_course_complete"
	FnFindUsers                = "local_bridge_find_users"
	FnGetParticipants          = "local_bridge_get_participants"
	FnCreateEnrolUsers         = "local_bridge_create_enrol_users"
)

// CoreFunctions are the core functions the bridge calls; pass them to
// RequireFunctions before starting work on a site.
var CoreFunctions = []string{
	fnGetSiteInfo, fnGetCategories, fnCreateCategories, fnUpdateCategories,
	fnCreateCourses, fnGetCourses, fnUpdateCourses, fnDeleteCourses,
	fnDuplicateCourse, fnSearchCourses, fnGetContents, fnCreateUsers, fnGetUsersByField,
	fnUpdateUsers, fnGetUsers, fnEnrolUsers, fnUnenrolUsers, fnGetEnrolledUsers,
	fnGetUsersCourses, fnAssignRoles, fnCreateGroups, fnGetCourseGroups, fnAddGroupMembers,
	fnCourseCompletionStatus, fnActivitiesCompletion, fnOverrideActivityComplete,
	fnCreateCalendarEvents, fnSendInstantMessages,
}

// PluginFunctions are local_bridge's functions.
var PluginFunctions = []string{
	fnBackupCourse, fnBackupStatus, fnRestoreCourse, fnRestoreStatus,
	fnEnableSelfEnrolment, fnFreezeContext, fnMarkCourseComplete,
}
