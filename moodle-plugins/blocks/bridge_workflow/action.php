<?php
// This file is part of Moodle - https://moodle.org/
//
// Moodle is free software: you can redistribute it and/or modify
// it under the terms of the GNU General Public License as published by
// the Free Software Foundation, either version 3 of the License, or
// (at your option) any later version.
//
// Moodle is distributed in the hope that it will be useful,
// but WITHOUT ANY WARRANTY; without even the implied warranty of
// MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
// GNU General Public License for more details.
//
// You should have received a copy of the GNU General Public License
// along with Moodle.  If not, see <https://www.gnu.org/licenses/>.
/**
 * POST handler of block_bridge_workflow: asks the bridge for a transition.
 *
 * @package    block_bridge_workflow
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

require_once(__DIR__ . '/../../config.php');

use block_bridge_workflow\local\data_source;
use core\output\notification;
use local_bridge\block_page;

$courseid = required_param('courseid', PARAM_INT);
$transition = required_param('transition', PARAM_ALPHAEXT);
$confirmed = optional_param('confirm', 0, PARAM_BOOL);
$course = get_course($courseid);
require_login($course);
require_sesskey();
$context = context_course::instance($courseid);
// Unarchiving has a read capability of its own: an archived course is frozen, and context locking refuses every
// write capability there (see db/access.php).
require_capability($transition === 'unarchive' ? 'block/bridge_workflow:unarchive' : 'block/bridge_workflow:manage', $context);
if (!in_array($transition, data_source::KNOWN, true)) {
    block_page::back($courseid, get_string('error_badinput', 'local_bridge'), notification::NOTIFY_ERROR);
}
$item = data_source::item($transition);
$label = get_string($item['key'], 'block_bridge_workflow');

$params = [];
$textparams = ['name' => PARAM_TEXT, 'shortname' => PARAM_TEXT, 'start' => PARAM_RAW_TRIMMED, 'end' => PARAM_RAW_TRIMMED,
    'objectives' => PARAM_TEXT];
foreach ($textparams as $key => $type) {
    $value = trim((string)optional_param($key, '', $type));
    if ($value !== '') {
        $params[$key] = $value;
    }
}
// Virtual-class slots, one "JJ/MM/AAAA HH:MM" a line (";" between them in the planning page's hidden field).
$slots = preg_split('/[\r\n;]+/', (string)optional_param('virtualclasses', '', PARAM_RAW_TRIMMED));
$slots = array_values(array_filter(array_map('trim', $slots), 'strlen'));
if ($slots) {
    $params['virtual_classes'] = $slots;
}
foreach (['participants', 'max'] as $key) {
    $value = optional_param($key, 0, PARAM_INT);
    if ($value > 0) {
        $params[$key] = $value;
    }
}
// Durations are typed in hours and minutes; the bridge takes minutes. An empty pair is left out (unchanged).
foreach (['remote' => 'remote_minutes', 'inperson' => 'inperson_minutes'] as $field => $key) {
    $hours = optional_param($field . 'hours', '', PARAM_RAW_TRIMMED);
    $minutes = optional_param($field . 'minutes', '', PARAM_RAW_TRIMMED);
    if ($hours === '' && $minutes === '') {
        continue;
    }
    if (($hours !== '' && !ctype_digit($hours)) || ($minutes !== '' && !ctype_digit($minutes)) || (int)$minutes > 59) {
        block_page::back($courseid, get_string('badduration', 'block_bridge_workflow'), notification::NOTIFY_ERROR);
    }
    $params[$key] = 60 * (int)$hours + (int)$minutes;
}
if ($item['metadata'] && !$params) {
    block_page::back($courseid, get_string('nometadata', 'block_bridge_workflow'), notification::NOTIFY_WARNING);
}

$source = new data_source(\local_bridge\bridge_client::from_config(), (int)$USER->id, current_language(),
    \local_bridge\block_page::site_manager($context));

// Sessions are planned in two steps: "Vérifier le calendrier" shows the bridge's calendar warnings on a page of
// their own, with the form as typed; only "Créer les sessions" there (confirm=1) asks for the job.
if ($item['sessions'] && !$confirmed) {
    $preview = block_page::call(function() use ($source, $courseid, $params) {
        return $source->preview_sessions($courseid, $params);
    });
    block_bridge_workflow_plan_page($course, $context, $params, $preview);
}

// A destructive transition asks first, on Moodle's own confirmation page; the form is posted again with confirm=1.
if ($item['confirm'] && !$confirmed) {
    $url = new moodle_url('/blocks/bridge_workflow/action.php', ['courseid' => $courseid, 'transition' => $transition]);
    $PAGE->set_url($url);
    $PAGE->set_context($context);
    $PAGE->set_title($label);
    $PAGE->set_heading(format_string($course->fullname, true, ['context' => $context]));
    echo $OUTPUT->header();
    echo $OUTPUT->heading($label);
    $continue = new moodle_url($url, $params + ['confirm' => 1, 'sesskey' => sesskey()]);
    echo $OUTPUT->confirm(get_string($item['key'] . '_confirm', 'block_bridge_workflow',
        format_string($course->fullname, true, ['context' => $context])), $continue,
        new moodle_url('/course/view.php', ['id' => $courseid]));
    echo $OUTPUT->footer();
    exit;
}

$result = block_page::call(function() use ($source, $courseid, $transition, $params) {
    return $source->transition($courseid, $transition, $params);
});
if (($result['jobid'] ?? 0) > 0) {
    $message = get_string('submitted', 'block_bridge_workflow', $label);
    if ($result['warnings']) {
        // Calendar warnings are warnings, not a success.
        $message .= ' ' . get_string('warnings', 'block_bridge_workflow') . ' ' . implode(' ', $result['warnings']);
        block_page::back($courseid, $message, notification::NOTIFY_WARNING);
    }
    block_page::back($courseid, $message, notification::NOTIFY_SUCCESS);
}
if ($item['sessions']) {
    // Refused: the planning page again, with what was typed and why, rather than an empty form on the course.
    block_bridge_workflow_plan_page($course, $context, $params, ['status' => -1, 'warnings' => [],
        'refusal' => ($result['refusal'] ?? '') !== '' ? get_string('refused', 'block_bridge_workflow', $result['refusal'])
            : block_page::error_message((int)$result['status'])]);
}
if (($result['refusal'] ?? '') !== '') {
    block_page::back($courseid, get_string('refused', 'block_bridge_workflow', $result['refusal']), notification::NOTIFY_WARNING);
}
block_page::back($courseid, block_page::error_message((int)$result['status']), notification::NOTIFY_ERROR);

/**
 * The session-planning page: the calendar warnings as a warning notification (never a success box), the form
 * with what was typed, and "Créer les sessions" once the bridge has checked these very values. Ends the request.
 *
 * @param stdClass $course Parcours course.
 * @param context_course $context Its context.
 * @param array $params Typed values (name, start, end, participants, max, virtual_classes).
 * @param array $preview data_source::preview_sessions() answer; status -1 with 'refusal' for a refused creation.
 */
function block_bridge_workflow_plan_page(stdClass $course, context_course $context, array $params, array $preview): void {
    global $OUTPUT, $PAGE;
    $courseid = (int)$course->id;
    $title = get_string('tr_create_sessions', 'block_bridge_workflow');
    $PAGE->set_url(new moodle_url('/blocks/bridge_workflow/action.php', ['courseid' => $courseid,
        'transition' => 'create-sessions']));
    $PAGE->set_context($context);
    $PAGE->set_pagelayout('incourse');
    $PAGE->set_title($title);
    $PAGE->set_heading(format_string($course->fullname, true, ['context' => $context]));
    echo $OUTPUT->header();
    echo $OUTPUT->heading($title);
    $checked = (int)$preview['status'] === 200;
    if ($checked && $preview['warnings']) {
        $items = '';
        foreach ($preview['warnings'] as $w) {
            $items .= html_writer::tag('li', s($w));
        }
        echo $OUTPUT->notification(s(get_string('checkwarnings', 'block_bridge_workflow')) . html_writer::tag('ul', $items,
            ['class' => 'mb-0']), \core\output\notification::NOTIFY_WARNING, false);
    } else if ($checked) {
        echo $OUTPUT->notification(s(get_string('checknowarning', 'block_bridge_workflow')),
            \core\output\notification::NOTIFY_INFO, false);
    } else {
        // A 400 here is a date or a slot the bridge cannot read: say which format it wants.
        $message = (string)($preview['refusal'] ?? '') !== '' ? (string)$preview['refusal']
            : ((int)$preview['status'] === 400 ? get_string('badplan', 'block_bridge_workflow')
            : block_page::error_message((int)$preview['status']));
        echo $OUTPUT->notification(s($message), \core\output\notification::NOTIFY_ERROR, false);
    }
    $fields = [];
    foreach (['name', 'start', 'end', 'participants', 'max'] as $key) {
        $fields[$key] = (string)($params[$key] ?? '');
    }
    $hidden = [];
    foreach ($fields as $key => $value) {
        $hidden[] = ['name' => $key, 'value' => $value];
    }
    $slots = $params['virtual_classes'] ?? [];
    $fields['virtualclasses'] = implode("\n", $slots);
    $hidden[] = ['name' => 'virtualclasses', 'value' => implode(';', $slots)];
    echo $OUTPUT->render_from_template('block_bridge_workflow/plan_sessions', $fields + [
        'actionurl' => (new moodle_url('/blocks/bridge_workflow/action.php'))->out(false),
        'courseurl' => (new moodle_url('/course/view.php', ['id' => $courseid]))->out(false),
        'courseid' => $courseid,
        'sesskey' => sesskey(),
        'checked' => $checked,
        'count' => get_string('sessioncount', 'block_bridge_workflow', (int)($preview['sessions'] ?? 0)),
        'hidden' => $hidden,
    ]);
    echo $OUTPUT->footer();
    exit;
}
