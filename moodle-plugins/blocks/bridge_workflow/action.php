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
use local_bridge\local\block_jobs;

$courseid = required_param('courseid', PARAM_INT);
$transition = required_param('transition', PARAM_ALPHAEXT);
$course = get_course($courseid);
require_login($course);
require_sesskey();
$context = context_course::instance($courseid);
require_capability('block/bridge_workflow:manage', $context);

$params = [];
$textparams = ['name' => PARAM_TEXT, 'shortname' => PARAM_TEXT, 'start' => PARAM_RAW_TRIMMED, 'end' => PARAM_RAW_TRIMMED];
foreach ($textparams as $key => $type) {
    $value = optional_param($key, '', $type);
    if ($value !== '') {
        $params[$key] = $value;
    }
}
foreach (['participants', 'max'] as $key) {
    $value = optional_param($key, 0, PARAM_INT);
    if ($value > 0) {
        $params[$key] = $value;
    }
}

$returnurl = new moodle_url('/course/view.php', ['id' => $courseid]);
$source = new data_source(\local_bridge\bridge_client::from_config(), (int)$USER->id, current_language());
$result = $source->transition($courseid, $transition, $params);
if ($result['jobid'] > 0) {
    block_jobs::add('block_bridge_workflow', $courseid, $result['jobid']);
    $message = get_string('submitted', 'block_bridge_workflow', $result['jobid']);
    if ($result['warnings']) {
        $message .= ' ' . implode(' ', $result['warnings']);
    }
    redirect($returnurl, s($message), null, \core\output\notification::NOTIFY_SUCCESS);
}
if ($result['refusal'] !== '') {
    redirect($returnurl, s(get_string('refused', 'block_bridge_workflow', $result['refusal'])), null,
        \core\output\notification::NOTIFY_WARNING);
}
redirect($returnurl, get_string('failed', 'block_bridge_workflow', $result['status']), null,
    \core\output\notification::NOTIFY_ERROR);
