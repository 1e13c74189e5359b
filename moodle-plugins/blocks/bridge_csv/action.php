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
 * POST handler of block_bridge_csv: preview an upload, confirm it, download a report.
 *
 * @package    block_bridge_csv
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

require_once(__DIR__ . '/../../config.php');

use block_bridge_csv\local\data_source;
use local_bridge\local\block_jobs;

$courseid = required_param('courseid', PARAM_INT);
$step = required_param('step', PARAM_ALPHA);
$course = get_course($courseid);
require_login($course);
require_sesskey();
$context = context_course::instance($courseid);
require_capability('block/bridge_csv:enrol', $context);

$returnurl = new moodle_url('/course/view.php', ['id' => $courseid]);
$source = new data_source(\local_bridge\bridge_client::from_config(), (int)$USER->id, current_language(),
    \local_bridge\block_page::site_manager($context));
$options = ['group' => optional_param('group', '', PARAM_TEXT)];

if ($step === 'report') {
    $jobid = required_param('jobid', PARAM_INT);
    $report = $source->report($courseid, $jobid);
    if ($report['status'] !== 200) {
        redirect($returnurl, get_string('failed', 'block_bridge_csv', $report['status']), null,
            \core\output\notification::NOTIFY_ERROR);
    }
    send_file($report['body'], "inscriptions-$courseid-$jobid.csv", 0, 0, true, true, 'text/csv');
}

// The previewed file waits in the session until it is confirmed: the same bytes are applied.
if ($step === 'preview') {
    $file = $_FILES['csvfile'] ?? null;
    if (!$file || $file['error'] !== UPLOAD_ERR_OK || !is_uploaded_file($file['tmp_name'])) {
        redirect($returnurl, get_string('nofile', 'block_bridge_csv'), null, \core\output\notification::NOTIFY_ERROR);
    }
    $csv = file_get_contents($file['tmp_name']);
    $SESSION->block_bridge_csv_pending = ['courseid' => $courseid, 'csv' => $csv, 'options' => $options];
    $preview = $source->preview($courseid, $csv, $options);
    $PAGE->set_url(new moodle_url('/blocks/bridge_csv/action.php', ['courseid' => $courseid]));
    $PAGE->set_context($context);
    $PAGE->set_title(get_string('pluginname', 'block_bridge_csv'));
    echo $OUTPUT->header();
    echo $OUTPUT->render_from_template('block_bridge_csv/preview', $preview + [
        'courseid' => $courseid, 'sesskey' => sesskey(),
        'actionurl' => (new moodle_url('/blocks/bridge_csv/action.php'))->out(false),
    ]);
    echo $OUTPUT->footer();
    exit;
}

if ($step === 'confirm') {
    $pending = $SESSION->block_bridge_csv_pending ?? null;
    unset($SESSION->block_bridge_csv_pending);
    if (!$pending || (int)$pending['courseid'] !== $courseid) {
        redirect($returnurl, get_string('expired', 'block_bridge_csv'), null, \core\output\notification::NOTIFY_WARNING);
    }
    $result = $source->apply($courseid, $pending['csv'], $pending['options']);
    if ($result['jobid'] > 0) {
        block_jobs::add('block_bridge_csv', $courseid, $result['jobid']);
        redirect($returnurl, get_string('submitted', 'block_bridge_csv', $result['jobid']), null,
            \core\output\notification::NOTIFY_SUCCESS);
    }
    redirect($returnurl, get_string('failed', 'block_bridge_csv', $result['status']), null,
        \core\output\notification::NOTIFY_ERROR);
}
throw new moodle_exception('invalidparameter', 'debug');
