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
 * Handler of block_bridge_offer: search (GET), request a parcours, approve or reject, weekly digest (POST).
 *
 * @package    block_bridge_offer
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

require_once(__DIR__ . '/../../config.php');

use block_bridge_offer\local\data_source;
use local_bridge\local\block_jobs;

$courseid = required_param('courseid', PARAM_INT);
$step = optional_param('step', 'search', PARAM_ALPHA);
$course = get_course($courseid);
require_login($course);
$context = context_course::instance($courseid);
require_capability('block/bridge_offer:view', $context);

$returnurl = new moodle_url('/course/view.php', ['id' => $courseid]);
$source = new data_source(\local_bridge\bridge_client::from_config(), (int)$USER->id, current_language());

if ($step === 'search') {
    $query = optional_param('q', '', PARAM_TEXT);
    $PAGE->set_url(new moodle_url('/blocks/bridge_offer/action.php', ['courseid' => $courseid, 'q' => $query]));
    $PAGE->set_context($context);
    $PAGE->set_title(get_string('pluginname', 'block_bridge_offer'));
    $data = $source->fetch($courseid, block_jobs::ids('block_bridge_offer', $courseid), $query);
    $data += \local_bridge\local\bridge_block::page_context('block_bridge_offer', $context, $courseid,
        data_source::CAPABILITY_FLAGS);
    echo $OUTPUT->header();
    echo $OUTPUT->render_from_template('block_bridge_offer/main', $data);
    echo $OUTPUT->footer();
    exit;
}

require_sesskey();
if ($step === 'request') {
    require_capability('block/bridge_offer:request', $context);
    $result = $source->request(required_param('offerid', PARAM_INT), required_param('name', PARAM_TEXT),
        required_param('shortname', PARAM_TEXT));
} else if ($step === 'approve' || $step === 'reject') {
    require_capability('block/bridge_offer:approve', $context);
    $result = $source->decide($courseid, required_param('requestid', PARAM_INT), $step === 'approve',
        optional_param('reason', '', PARAM_TEXT));
    if (!empty($result['data']['job_id'])) {
        block_jobs::add('block_bridge_offer', $courseid, (int)$result['data']['job_id']);
    }
} else if ($step === 'digest') {
    // Everyone who sees the block may opt themself in or out; the bridge signs for this user only.
    require_capability('block/bridge_offer:view', $context);
    $subscribe = required_param('subscribe', PARAM_BOOL);
    $result = $source->digest((bool)$subscribe);
    if ($result['status'] >= 200 && $result['status'] < 300) {
        $message = $subscribe ? get_string('digestsubscribed', 'block_bridge_offer')
            : get_string('digestunsubscribed', 'block_bridge_offer');
        redirect($returnurl, $message, null, \core\output\notification::NOTIFY_SUCCESS);
    }
} else {
    throw new moodle_exception('invalidparameter', 'debug');
}
if ($result['status'] >= 200 && $result['status'] < 300) {
    redirect($returnurl, get_string('saved', 'block_bridge_offer'), null, \core\output\notification::NOTIFY_SUCCESS);
}
redirect($returnurl, get_string('failed', 'block_bridge_offer', $result['status']), null,
    \core\output\notification::NOTIFY_ERROR);
