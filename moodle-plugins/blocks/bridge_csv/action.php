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
 * Pages of block_bridge_csv: preview an upload, confirm it, download a report.
 *
 * @package    block_bridge_csv
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

require_once(__DIR__ . '/../../config.php');

use block_bridge_csv\local\data_source;
use core\output\notification;
use local_bridge\block_page;

$courseid = required_param('courseid', PARAM_INT);
$step = optional_param('step', 'upload', PARAM_ALPHA);
$course = get_course($courseid);
require_login($course);
$context = context_course::instance($courseid);
require_capability('block/bridge_csv:enrol', $context);

$courseurl = new moodle_url('/course/view.php', ['id' => $courseid]);
$coursename = format_string($course->fullname, true, ['context' => $context]);
$source = new data_source(\local_bridge\bridge_client::from_config(), (int)$USER->id, current_language(),
    block_page::site_manager($context));
$group = optional_param('group', '', PARAM_TEXT);
$unknown = optional_param('unknown', 'reject', PARAM_ALPHA) === 'create' ? 'create' : 'reject';
// The role of rows without a Rôle column: participant (default), tuteur or formateur (the bridge's role names).
$role = optional_param('role', 'participant', PARAM_ALPHA);
$role = in_array($role, ['participant', 'tuteur', 'formateur'], true) ? $role : 'participant';
// Unenrol the people with that role who are absent from the file; the bridge holds the removals when the file has
// problem rows or would remove too many (its safeguards, never forced from here).
$removeabsent = optional_param('removeabsent', 0, PARAM_BOOL) ? 1 : 0;
// Other sessions the rows are split across (course ids), and the most participants per session (0: evenly).
// (splitsessions in the URLs: the upload form's own field "sessions" is a multiple select, an array.)
$sessions = implode(',', array_filter(array_map('intval', explode(',', optional_param('splitsessions', '', PARAM_SEQUENCE)))));
$maxpersession = max(0, optional_param('maxpersession', 0, PARAM_INT));
// The login method of created accounts (empty: the domain's default); the bridge refuses one it does not allow.
$auth = $unknown === 'create' ? optional_param('auth', '', PARAM_ALPHANUMEXT) : '';
$options = ['group' => $group, 'unknown' => $unknown, 'role' => $role, 'remove_absent' => $removeabsent ? '1' : '',
    'sessions' => $sessions, 'max_per_session' => $maxpersession ?: '', 'auth' => $auth];

/**
 * The other courses of the course's category this user may enrol into, newest first (at most 50): where the rows
 * can be split.
 *
 * @param stdClass $course The course.
 * @return string[] Course id => full name.
 */
function block_bridge_csv_siblings(stdClass $course): array {
    global $DB;
    $out = [];
    $others = $DB->get_records_select('course', 'category = ? AND id <> ?', [$course->category, $course->id], 'id DESC',
        'id, fullname', 0, 50);
    foreach ($others as $c) {
        if (has_capability('block/bridge_csv:enrol', context_course::instance($c->id))) {
            $out[$c->id] = format_string($c->fullname, true, ['context' => context_course::instance($c->id)]);
        }
    }
    return $out;
}

/**
 * The uploaded file, read from this user's draft area (the filepicker puts it there).
 *
 * @param int $draftid Draft item id.
 * @return string|null File content, null when the draft is gone.
 */
function block_bridge_csv_draft(int $draftid): ?string {
    global $USER;
    $files = get_file_storage()->get_area_files(context_user::instance($USER->id)->id, 'user', 'draft', $draftid,
        'id DESC', false);
    $file = reset($files);
    return $file ? $file->get_content() : null;
}

$PAGE->set_context($context);
$PAGE->set_pagelayout('incourse');
$PAGE->set_title(get_string('pluginname', 'block_bridge_csv'));
$PAGE->set_heading($coursename);

if ($step === 'upload') {
    $PAGE->set_url(new moodle_url('/blocks/bridge_csv/action.php', ['courseid' => $courseid, 'step' => 'upload']));
    $choices = block_page::call(function() use ($source, $courseid) {
        return $source->enrol_options($courseid);
    });
    $form = new \block_bridge_csv\form\upload(null, ['courseid' => $courseid, 'sessions' => block_bridge_csv_siblings($course),
        'cancreate' => !empty($choices['cancreate']), 'auths' => $choices['auths'] ?? []]);
    if ($form->is_cancelled()) {
        redirect($courseurl);
    }
    if ($data = $form->get_data()) {
        redirect(new moodle_url('/blocks/bridge_csv/action.php', ['courseid' => $courseid, 'step' => 'preview',
            'draftid' => (int)$data->csvfile, 'group' => trim((string)$data->group), 'unknown' => $data->unknown,
            'auth' => $data->unknown === 'create' ? (string)($data->auth ?? '') : '',
            'role' => $data->role, 'removeabsent' => (int)!empty($data->removeabsent),
            'splitsessions' => implode(',', array_map('intval', (array)($data->sessions ?? []))),
            'maxpersession' => (int)($data->maxpersession ?? 0)]));
    }
    echo $OUTPUT->header();
    echo $OUTPUT->heading(get_string('pluginname', 'block_bridge_csv'));
    $form->display();
    echo $OUTPUT->footer();
    exit;
}

if ($step === 'report') {
    require_sesskey();
    $jobid = required_param('jobid', PARAM_INT);
    $report = block_page::call(function() use ($source, $courseid, $jobid) {
        return $source->report($courseid, $jobid);
    });
    if ($report['status'] !== 200) {
        block_page::back($courseid, block_page::error_message((int)$report['status']), notification::NOTIFY_ERROR);
    }
    send_file($report['body'], "inscriptions-$courseid-$jobid.csv", 0, 0, true, true, 'text/csv');
}

$draftid = required_param('draftid', PARAM_INT);
$csv = block_bridge_csv_draft($draftid);
if ($csv === null) {
    redirect(new moodle_url('/blocks/bridge_csv/action.php', ['courseid' => $courseid]),
        get_string('expired', 'block_bridge_csv'), null, notification::NOTIFY_WARNING);
}

// The full-page dry run: paginated, with a "problems only" filter; each page asks the bridge again (a dry run
// changes nothing), so nothing but the draft file is kept between pages.
if ($step === 'preview') {
    $page = optional_param('page', 0, PARAM_INT);
    $problems = optional_param('problems', 0, PARAM_BOOL);
    $perpage = 50;
    $url = new moodle_url('/blocks/bridge_csv/action.php', ['courseid' => $courseid, 'step' => 'preview',
        'draftid' => $draftid, 'group' => $group, 'unknown' => $unknown, 'auth' => $auth, 'role' => $role,
        'removeabsent' => $removeabsent, 'splitsessions' => $sessions, 'maxpersession' => $maxpersession,
        'problems' => (int)$problems]);
    $PAGE->set_url($url);
    $preview = block_page::call(function() use ($source, $courseid, $csv, $options, $page, $perpage, $problems) {
        return ['status' => 200] + $source->preview($courseid, $csv, $options, $page, $perpage, (bool)$problems);
    });
    echo $OUTPUT->header();
    echo $OUTPUT->heading(get_string('previewof', 'block_bridge_csv', $coursename));
    if (empty($preview['ok']) && $auth !== '') {
        // A login method the domain does not allow (a hand-made URL): said in the user's language, not the bridge's.
        $choices = block_page::call(function() use ($source, $courseid) {
            return $source->enrol_options($courseid);
        });
        if (!empty($choices['auths']) && !in_array($auth, $choices['auths'], true)) {
            $preview['badauth'] = get_string('badauth', 'block_bridge_csv', $auth);
        }
    }
    if (empty($preview['ok'])) {
        $message = (string)($preview['message'] ?? '');
        echo $OUTPUT->notification($preview['badauth'] ?? ($message !== '' ? get_string('fileproblem', 'block_bridge_csv', $message)
            : block_page::error_message((int)$preview['status'])), notification::NOTIFY_ERROR);
        echo html_writer::link(new moodle_url('/blocks/bridge_csv/action.php', ['courseid' => $courseid]),
            get_string('again', 'block_bridge_csv'), ['class' => 'btn btn-secondary']);
        echo $OUTPUT->footer();
        exit;
    }
    // One page of rows, paged (and filtered to the problem rows) by the bridge over the whole file; the local filter
    // only matters for a bridge that does not filter.
    $rows = $problems && empty($preview['filtered']) ? array_values(array_filter($preview['rows'], function($r) {
        return $r['problem'];
    })) : $preview['rows'];
    $toenrol = 0;
    $held = 0;
    $toremove = 0;
    foreach ($preview['counts'] as $c) {
        $held += $c['status'] === 'removal_held' ? $c['count'] : 0;
        $toremove += $c['status'] === 'will_unenrol' ? $c['count'] : 0;
        if (in_array($c['status'], ['will_enrol', 'will_create', 'will_add_groups'], true)) {
            $toenrol += $c['count'];
        }
    }
    if ($sessions !== '') {
        // Split across sessions: each row says which session it goes to.
        $names = $DB->get_records_list('course', 'id', array_unique(array_column($rows, 'courseid')), '', 'id, fullname');
        foreach ($rows as $i => $r) {
            $rows[$i]['session'] = isset($names[$r['courseid']]) ? format_string($names[$r['courseid']]->fullname) : '';
        }
    }
    $tpl = [
        'total' => $preview['total'], 'counts' => $preview['counts'], 'groups' => $preview['groups'] ?? [],
        'group' => $group, 'rows' => $rows, 'problems' => $problems,
        'allurl' => (new moodle_url($url, ['problems' => 0]))->out(false),
        'problemsurl' => (new moodle_url($url, ['problems' => 1]))->out(false),
        'confirmlabel' => get_string('enrolnumber', 'block_bridge_csv', $toenrol), 'canconfirm' => $toenrol > 0,
        'cancelurl' => $courseurl->out(false), 'courseid' => $courseid, 'draftid' => $draftid, 'unknown' => $unknown,
        'auth' => $auth, 'createdwith' => $unknown === 'create' && $preview['createauth'] !== '' ? get_string('createdwith',
            'block_bridge_csv', \block_bridge_csv\form\upload::auth_label($preview['createauth'])) : '',
        'role' => $role, 'rolelabel' => get_string('role_' . $role, 'block_bridge_csv'), 'sesskey' => sesskey(),
        'sessions' => $sessions, 'maxpersession' => $maxpersession, 'split' => $sessions !== '',
        'removeabsent' => $removeabsent, 'held' => $held > 0 ? get_string('removalheld', 'block_bridge_csv', $held) : '',
        'actionurl' => (new moodle_url('/blocks/bridge_csv/action.php'))->out(false),
        // Unenrolling people asks again in a modal (local_bridge/confirm); this page is the question without JavaScript.
        'removeconfirm' => $toremove > 0 ? get_string('removeconfirm', 'block_bridge_csv',
            (object)['count' => $toremove, 'course' => $coursename]) : '',
        'removeconfirmtitle' => get_string('removeconfirmtitle', 'block_bridge_csv'),
        'modalsavecancel' => block_page::modal_save_cancel(),
    ];
    echo $OUTPUT->render_from_template('block_bridge_csv/preview', $tpl);
    echo $OUTPUT->paging_bar($preview['totalrows'], $page, $perpage, $url);
    echo $OUTPUT->footer();
    exit;
}

if ($step === 'confirm') {
    require_sesskey();
    $result = block_page::call(function() use ($source, $courseid, $csv, $options) {
        return $source->apply($courseid, $csv, $options);
    });
    if (($result['jobid'] ?? 0) > 0) {
        block_page::back($courseid, get_string('submitted', 'block_bridge_csv'), notification::NOTIFY_SUCCESS);
    }
    block_page::back($courseid, block_page::error_message((int)$result['status']), notification::NOTIFY_ERROR);
}
block_page::back($courseid, get_string('error_badinput', 'local_bridge'), notification::NOTIFY_ERROR);
