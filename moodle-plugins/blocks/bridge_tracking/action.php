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
 * POST handler of block_bridge_tracking: "Formation terminée" and certificates.
 *
 * @package    block_bridge_tracking
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

require_once(__DIR__ . '/../../config.php');

use block_bridge_tracking\local\data_source;
use core\output\notification;
use local_bridge\block_page;

$courseid = required_param('courseid', PARAM_INT);
$step = required_param('step', PARAM_ALPHA);
$course = get_course($courseid);
require_login($course);
$context = context_course::instance($courseid);
require_capability('block/bridge_tracking:view', $context);
$source = new data_source(\local_bridge\bridge_client::from_config(), (int)$USER->id, current_language(),
    block_page::site_manager($context));

// The full page: every participant, paginated and filtered, with the actions on a selection.
if ($step === 'list') {
    $filter = optional_param('filter', 'all', PARAM_ALPHA);
    $page = optional_param('page', 0, PARAM_INT);
    $perpage = 50;
    $url = new moodle_url('/blocks/bridge_tracking/action.php', ['courseid' => $courseid, 'step' => 'list', 'filter' => $filter]);
    $PAGE->set_url($url);
    $PAGE->set_context($context);
    $PAGE->set_pagelayout('incourse');
    $PAGE->set_title(get_string('pluginname', 'block_bridge_tracking'));
    $PAGE->set_heading(format_string($course->fullname, true, ['context' => $context]));
    $data = block_page::call(function() use ($source, $courseid) {
        return ['status' => 200] + $source->fetch($courseid);
    });
    echo $OUTPUT->header();
    echo $OUTPUT->heading(get_string('pluginname', 'block_bridge_tracking'));
    if (empty($data['ok'])) {
        $message = !empty($data['forbidden']) ? get_string('forbidden', 'block_bridge_tracking')
            : block_page::error_message((int)$data['status']);
        echo $OUTPUT->notification($message, notification::NOTIFY_WARNING);
    } else {
        $rows = array_values(array_filter($data['participants'], function($p) use ($filter) {
            return $filter === 'done' ? $p['done'] : ($filter === 'notdone' ? !$p['done'] : true);
        }));
        $count = count($rows);
        foreach ($rows as $i => $row) {
            $rows[$i]['lastaccessdate'] = $row['lastaccess'] > 0
                ? userdate($row['lastaccess'], get_string('strftimedatetimeshort', 'langconfig'))
                : get_string('never', 'block_bridge_tracking');
        }
        $filters = [];
        foreach (['all', 'done', 'notdone'] as $value) {
            $filters[] = ['value' => $value, 'label' => get_string('filter_' . $value, 'block_bridge_tracking'),
                'selected' => $value === $filter];
        }
        $shown = array_slice($rows, $page * $perpage, $perpage);
        echo $OUTPUT->render_from_template('block_bridge_tracking/list', [
            'participants' => $shown, 'hasparticipants' => !empty($shown), 'count' => $count, 'filters' => $filters,
        ] + block_page::context('block_bridge_tracking', $context, $courseid, data_source::CAPABILITY_FLAGS));
        echo $OUTPUT->paging_bar($count, $page, $perpage, $url);
    }
    echo html_writer::div(html_writer::link(new moodle_url('/course/view.php', ['id' => $courseid]),
        get_string('backtocourse', 'local_bridge'), ['class' => 'btn btn-secondary']), 'mt-3');
    echo $OUTPUT->footer();
    exit;
}

require_sesskey();
$userids = optional_param_array('userids', [], PARAM_INT);
$returnurl = new moodle_url('/blocks/bridge_tracking/action.php', ['courseid' => $courseid, 'step' => 'list']);
if (!$userids) {
    redirect($returnurl, get_string('noselection', 'block_bridge_tracking'), null, notification::NOTIFY_WARNING);
}

if ($step === 'certificates') {
    require_capability('block/bridge_tracking:certificates', $context);
    $file = block_page::call(function() use ($source, $courseid, $userids) {
        return $source->certificates($courseid, $userids);
    });
    if ($file['status'] === 404) {
        redirect($returnurl, get_string('nocertificates', 'block_bridge_tracking'), null, notification::NOTIFY_WARNING);
    }
    if ($file['status'] !== 200) {
        redirect($returnurl, block_page::error_message((int)$file['status']), null, notification::NOTIFY_ERROR);
    }
    $zip = strpos($file['type'], 'zip') !== false;
    send_file($file['body'], 'attestations-' . $courseid . ($zip ? '.zip' : '.pdf'), 0, 0, true, true,
        $zip ? 'application/zip' : 'application/pdf');
}

require_capability('block/bridge_tracking:attendance', $context);
if ($step !== 'mark' && $step !== 'unmark') {
    redirect($returnurl, get_string('error_badinput', 'local_bridge'), null, notification::NOTIFY_ERROR);
}
$result = block_page::call(function() use ($source, $courseid, $userids, $step) {
    return $source->attendance($courseid, $userids, $step === 'mark');
});
if ($result['status'] === 200) {
    redirect($returnurl, get_string('saved', 'block_bridge_tracking'), null, notification::NOTIFY_SUCCESS);
}
redirect($returnurl, block_page::error_message((int)$result['status']), null, notification::NOTIFY_ERROR);
