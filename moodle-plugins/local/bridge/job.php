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
 * One job's line, as JSON, for the AMD module local_bridge/jobs that refreshes the blocks' job lists by itself.
 *
 * The bridge answers only the person who started the job (signed as the logged-in user), so nobody can follow a
 * colleague's job through this page.
 *
 * @package    local_bridge
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

define('AJAX_SCRIPT', true);
require_once(__DIR__ . '/../../config.php');

$id = required_param('id', PARAM_INT);
require_login(null, false);
require_sesskey();
$PAGE->set_context(context_system::instance());

$answer = \local_bridge\block_page::call(function() use ($id) {
    global $USER;
    $api = new \local_bridge\api_session(\local_bridge\bridge_client::from_config(), (int)$USER->id, current_language());
    return ['status' => 200, 'jobs' => $api->jobs([$id])];
});
$out = ['ok' => false];
if (!empty($answer['jobs'])) {
    $job = \local_bridge\block_page::strings($answer['jobs'][0], 'local_bridge');
    $out = ['ok' => true, 'running' => (bool)$job['running'], 'finished' => (bool)$job['finished'],
        'html' => $OUTPUT->render_from_template('local_bridge/job', $job)];
}
header('Content-Type: application/json; charset=utf-8');
echo json_encode($out, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
