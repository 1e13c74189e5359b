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

$courseid = required_param('courseid', PARAM_INT);
$step = required_param('step', PARAM_ALPHA);
$userids = optional_param_array('userids', [], PARAM_INT);
$course = get_course($courseid);
require_login($course);
require_sesskey();
$context = context_course::instance($courseid);

$returnurl = new moodle_url('/course/view.php', ['id' => $courseid]);
if (!$userids) {
    redirect($returnurl, get_string('noselection', 'block_bridge_tracking'), null, \core\output\notification::NOTIFY_WARNING);
}
$source = new data_source(\local_bridge\bridge_client::from_config(), (int)$USER->id, current_language(),
    \local_bridge\block_page::site_manager($context));

if ($step === 'certificates') {
    require_capability('block/bridge_tracking:certificates', $context);
    $file = $source->certificates($courseid, $userids);
    if ($file['status'] !== 200) {
        redirect($returnurl, get_string('failed', 'block_bridge_tracking', $file['status']), null,
            \core\output\notification::NOTIFY_ERROR);
    }
    $zip = strpos($file['type'], 'zip') !== false;
    send_file($file['body'], 'attestations-' . $courseid . ($zip ? '.zip' : '.pdf'), 0, 0, true, true,
        $zip ? 'application/zip' : 'application/pdf');
}

require_capability('block/bridge_tracking:attendance', $context);
if ($step !== 'mark' && $step !== 'unmark') {
    throw new moodle_exception('invalidparameter', 'debug');
}
$result = $source->attendance($courseid, $userids, $step === 'mark');
if ($result['status'] === 200) {
    redirect($returnurl, get_string('saved', 'block_bridge_tracking'), null, \core\output\notification::NOTIFY_SUCCESS);
}
redirect($returnurl, get_string('failed', 'block_bridge_tracking', $result['status']), null,
    \core\output\notification::NOTIFY_ERROR);
