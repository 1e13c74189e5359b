<?php
// Benchmark fixture for scripts/bench-real.sh (never part of a timed step):
// a course with ACTIVITIES activities tracked by completion, optionally
// USERS students of which some have completed some activities.
//   php course.php --shortname=S --category=ID [--activities=5] [--users=0]
// Run from a Moodle tree; prints "courseid=N".
define('CLI_SCRIPT', true);
require(getcwd() . '/config.php');
require_once($CFG->libdir . '/clilib.php');
require_once($CFG->dirroot . '/lib/testing/generator/lib.php');
require_once($CFG->libdir . '/completionlib.php');

[$opt] = cli_get_params(['shortname' => '', 'category' => 1, 'activities' => 5, 'users' => 0], []);
if ($opt['shortname'] === '') {
    cli_error('--shortname is required');
}
\core\cron::setup_user();
$gen = new testing_data_generator();
$course = $gen->create_course(['shortname' => $opt['shortname'], 'fullname' => 'Bench ' . $opt['shortname'],
    'category' => (int)$opt['category'], 'enablecompletion' => 1, 'numsections' => 3]);
$cms = [];
for ($i = 1; $i <= (int)$opt['activities']; $i++) {
    $mod = $gen->create_module('page', ['course' => $course->id, 'name' => "Page $i", 'section' => 1 + $i % 3,
        'completion' => COMPLETION_TRACKING_MANUAL]);
    $cms[] = $mod->cmid;
}
$n = (int)$opt['users'];
if ($n > 0) {
    $studentrole = $DB->get_field('role', 'id', ['shortname' => 'student']);
    $now = time();
    for ($u = 1; $u <= $n; $u++) {
        $user = $gen->create_user(['username' => strtolower("{$opt['shortname']}-u$u"), 'firstname' => "P$u", 'lastname' => 'BENCH',
            'email' => strtolower("{$opt['shortname']}-u$u@bench.invalid")]);
        $gen->enrol_user($user->id, $course->id, $studentrole);
        // User u completes (u mod (K+1)) activities: every progress bucket is populated.
        $done = $u % (count($cms) + 1);
        for ($k = 0; $k < $done; $k++) {
            $DB->insert_record('course_modules_completion', ['coursemoduleid' => $cms[$k], 'userid' => $user->id,
                'completionstate' => COMPLETION_COMPLETE, 'timemodified' => $now]);
        }
    }
}
echo "courseid={$course->id}\n";
