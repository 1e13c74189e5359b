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
use core\output\notification;
use local_bridge\block_page;

$courseid = required_param('courseid', PARAM_INT);
$step = optional_param('step', 'search', PARAM_ALPHA);
$course = get_course($courseid);
require_login($course);
$context = context_course::instance($courseid);
require_capability('block/bridge_offer:view', $context);

$source = new data_source(\local_bridge\bridge_client::from_config(), (int)$USER->id, current_language(),
    \local_bridge\block_page::site_manager($context));

if ($step === 'search') {
    $query = optional_param('q', '', PARAM_TEXT);
    $PAGE->set_url(new moodle_url('/blocks/bridge_offer/action.php', ['courseid' => $courseid, 'q' => $query]));
    $PAGE->set_context($context);
    $PAGE->set_pagelayout('incourse');
    $PAGE->set_title(get_string('pluginname', 'block_bridge_offer'));
    $PAGE->set_heading(format_string($course->fullname, true, ['context' => $context]));
    $data = block_page::call(function() use ($source, $courseid, $query) {
        return ['status' => 200] + $source->fetch($courseid, [], $query);
    });
    if ($data['status'] === 0) {
        $data = ['ok' => false];
    }
    $data += block_page::context('block_bridge_offer', $context, $courseid, data_source::CAPABILITY_FLAGS);
    echo $OUTPUT->header();
    echo $OUTPUT->heading(get_string('pluginname', 'block_bridge_offer'));
    echo $OUTPUT->render_from_template('block_bridge_offer/main',
        block_page::strings(block_page::requester_names($data), 'block_bridge_offer'));
    echo html_writer::div(html_writer::link(new moodle_url('/course/view.php', ['id' => $courseid]),
        get_string('backtocourse', 'local_bridge'), ['class' => 'btn btn-secondary']), 'mt-3');
    echo $OUTPUT->footer();
    exit;
}

require_sesskey();
if ($step === 'request') {
    require_capability('block/bridge_offer:request', $context);
    $offerid = required_param('offerid', PARAM_INT);
    $name = required_param('name', PARAM_TEXT);
    $shortname = required_param('shortname', PARAM_TEXT);
    $result = block_page::call(function() use ($source, $offerid, $name, $shortname) {
        return $source->request($offerid, $name, $shortname);
    });
} else if ($step === 'approve' || $step === 'reject') {
    require_capability('block/bridge_offer:approve', $context);
    $requestid = required_param('requestid', PARAM_INT);
    $reason = optional_param('reason', '', PARAM_TEXT);
    $result = block_page::call(function() use ($source, $courseid, $requestid, $step, $reason) {
        return $source->decide($courseid, $requestid, $step === 'approve', $reason);
    });
} else if ($step === 'digest') {
    // Everyone who sees the block may opt themself in or out; the bridge signs for this user only.
    $subscribe = (bool)required_param('subscribe', PARAM_BOOL);
    $result = block_page::call(function() use ($source, $subscribe) {
        return $source->digest($subscribe);
    });
    if ($result['status'] >= 200 && $result['status'] < 300) {
        block_page::back($courseid, get_string($subscribe ? 'digestsubscribed' : 'digestunsubscribed', 'block_bridge_offer'),
            notification::NOTIFY_SUCCESS);
    }
} else {
    block_page::back($courseid, get_string('error_badinput', 'local_bridge'), notification::NOTIFY_ERROR);
}
if ($result['status'] >= 200 && $result['status'] < 300) {
    block_page::back($courseid, get_string('saved', 'block_bridge_offer'), notification::NOTIFY_SUCCESS);
}
// The bridge's own refusal, in the user's language, when it gave one (a shortname already taken...).
$lang = strpos(current_language(), 'en') === 0 ? 'en' : 'fr';
$refusal = (string)($result['data']['refusal'][$lang] ?? '');
block_page::back($courseid, $refusal !== '' ? $refusal : block_page::error_message((int)$result['status']),
    notification::NOTIFY_ERROR);
