<?php
// Configures a freshly installed Moodle for the bridge, as the README tells
// operators to: web services and REST on, a dedicated non-admin "bridge" user
// holding a role with just the capabilities its functions need, an external
// service with exactly those functions, and a permanent token.
//
// Run by scripts/real-moodle.sh from the site's tree:
//   php setup.php --functions=a,b,c --tokenfile=FILE [--domain=NAME]
// Idempotent: a second run finds the user, role, service and token again.

define('CLI_SCRIPT', true);
require(getcwd() . '/config.php');
require_once($CFG->libdir . '/clilib.php');
require_once($CFG->dirroot . '/user/lib.php');
require_once($CFG->libdir . '/accesslib.php');

[$options] = cli_get_params(['functions' => '', 'tokenfile' => '', 'domain' => ''], []);
if ($options['functions'] === '' || $options['tokenfile'] === '') {
    cli_error('setup.php: --functions and --tokenfile are required');
}

foreach ([
    'enablewebservices' => 1,
    'webserviceprotocols' => 'rest',
    'enablecompletion' => 1,
    'noemailever' => 1,
    'debug' => 0,
    'debugdisplay' => 0,
    // The tests log in as several people; no password-change prompt or policy gets in the way.
    'passwordpolicy' => 0,
    // Archiving freezes courses (local_bridge_freeze_context): Moodle's context locking is off by default.
    'contextlocking' => 1,
] as $name => $value) {
    set_config($name, $value);
}

$syscontext = context_system::instance();
$admin = get_admin();
\core\session\manager::set_user($admin);

// The functions the bridge asks for, kept to those this site has (a site
// without local_bridge simply lacks its functions, as in production).
$wanted = array_filter(array_map('trim', explode(',', $options['functions'])));
$functions = $DB->get_records_list('external_functions', 'name', $wanted, 'name', 'name, capabilities');

// Capabilities: those the functions declare, plus those their code checks
// through validate_context/require_capability without declaring them.
$caps = [
    'webservice/rest:use',
    'moodle/course:view', 'moodle/course:viewhiddencourses', 'moodle/category:viewhiddencategories',
    'moodle/course:viewparticipants', 'moodle/course:enrolreview', 'moodle/site:accessallgroups',
    'moodle/user:viewdetails', 'moodle/user:viewalldetails', 'moodle/user:viewhiddendetails',
    'moodle/course:useremail', 'moodle/site:viewuseridentity', 'moodle/site:viewfullnames',
    'moodle/course:create', 'moodle/course:update', 'moodle/course:delete', 'moodle/course:visibility',
    'moodle/course:changecategory', 'moodle/course:changefullname', 'moodle/course:changeshortname',
    'moodle/course:changeidnumber', 'moodle/course:changesummary', 'moodle/course:configurecustomfields',
    'moodle/category:manage', 'moodle/course:managegroups',
    'moodle/user:create', 'moodle/user:update',
    'moodle/role:assign', 'moodle/role:review', 'enrol/manual:enrol', 'enrol/manual:unenrol',
    'moodle/course:enrolconfig', 'enrol/self:config',
    'moodle/backup:backupcourse', 'moodle/backup:backuptargetimport', 'moodle/backup:configure',
    'moodle/backup:downloadfile', 'moodle/restore:restorecourse', 'moodle/restore:restoretargetimport',
    'moodle/restore:configure', 'moodle/restore:rolldates', 'moodle/restore:uploadfile',
    'moodle/user:manageownfiles', 'moodle/user:ignoreuserquota',
    'moodle/site:managecontextlocks', 'moodle/course:overridecompletion', 'report/completion:view',
    'moodle/grade:viewall', 'moodle/site:sendmessage',
    // The offer tells a requester the outcome of their request by a Moodle message; without it Moodle
    // answers "usercantbemessaged" to anyone the bridge's account shares no course with.
    'moodle/site:messageanyuser',
    // core_completion_get_activities_completion_status about another user checks it.
    'report/progress:view',
    // core_course_duplicate_course sets every backup setting, users=0 included, and a
    // setting locked by permission refuses any value (setting_locked_by_permission):
    // these are needed although the function does not declare them.
    'moodle/backup:userinfo', 'moodle/backup:anonymise', 'moodle/backup:backupsection',
    'moodle/backup:backupactivity', 'moodle/restore:userinfo', 'moodle/restore:restoresection',
    'moodle/restore:restoreactivity', 'moodle/restore:createuser',
];
foreach ($functions as $f) {
    foreach (explode(',', (string)$f->capabilities) as $cap) {
        if (trim($cap) !== '') {
            $caps[] = trim($cap);
        }
    }
}
foreach ($DB->get_fieldset_select('capabilities', 'name', $DB->sql_like('name', ':p'), ['p' => 'local/bridge:%']) as $cap) {
    $caps[] = $cap;
}
$caps = array_unique($caps);

// The role, at system level so it reaches every category and course.
$role = $DB->get_record('role', ['shortname' => 'bridgews']);
$roleid = $role ? (int)$role->id : create_role('Bridge web service', 'bridgews',
    'The m@gistère bridge daemon: the capabilities of its web-service functions, nothing more.');
set_role_contextlevels($roleid, [CONTEXT_SYSTEM]);
$granted = 0;
foreach ($caps as $cap) {
    if ($DB->record_exists('capabilities', ['name' => $cap])) {
        assign_capability($cap, CAP_ALLOW, $roleid, $syscontext->id, true);
        $granted++;
    }
}
// Enrolling and assigning roles needs the right to assign each of them.
foreach (['student', 'teacher', 'editingteacher', 'manager', 'coursecreator'] as $target) {
    $targetid = $DB->get_field('role', 'id', ['shortname' => $target]);
    if ($targetid && !$DB->record_exists('role_allow_assign', ['roleid' => $roleid, 'allowassign' => $targetid])) {
        core_role_set_assign_allowed($roleid, $targetid);
    }
}

// The dedicated user.
$user = $DB->get_record('user', ['username' => 'bridge', 'mnethostid' => $CFG->mnet_localhost_id, 'deleted' => 0]);
if (!$user) {
    $userid = user_create_user((object)[
        'username' => 'bridge', 'auth' => 'manual', 'confirmed' => 1, 'mnethostid' => $CFG->mnet_localhost_id,
        'password' => random_string(24) . 'A1!', 'firstname' => 'Bridge', 'lastname' => 'Daemon',
        'email' => 'bridge@example.invalid',
    ], true, false);
    $user = $DB->get_record('user', ['id' => $userid]);
}
role_assign($roleid, $user->id, $syscontext->id);

// The external service holding exactly the functions.
$service = $DB->get_record('external_services', ['shortname' => 'bridge']);
if (!$service) {
    $service = (object)['name' => 'bridge', 'shortname' => 'bridge', 'enabled' => 1, 'restrictedusers' => 0,
        'downloadfiles' => 1, 'uploadfiles' => 1, 'timecreated' => time(), 'timemodified' => time(), 'component' => null];
    $service->id = $DB->insert_record('external_services', $service);
}
$DB->delete_records('external_services_functions', ['externalserviceid' => $service->id]);
foreach ($functions as $f) {
    $DB->insert_record('external_services_functions', ['externalserviceid' => $service->id, 'functionname' => $f->name]);
}

$token = $DB->get_record('external_tokens', ['userid' => $user->id, 'externalserviceid' => $service->id,
    'tokentype' => EXTERNAL_TOKEN_PERMANENT]);
$tokenvalue = $token ? $token->token : \core_external\util::generate_token(EXTERNAL_TOKEN_PERMANENT, $service,
    $user->id, $syscontext, 0, '', 'bridge');
file_put_contents($options['tokenfile'], $tokenvalue);
chmod($options['tokenfile'], 0600);

if ($options['domain'] !== '') {
    set_config('domain', $options['domain'], 'local_bridge');
}
purge_caches();
printf("setup: service bridge with %d functions, role bridgews with %d capabilities, user id %d\n",
    count($functions), $granted, $user->id);
