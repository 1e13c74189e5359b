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
 * Pages of block_bridge_offer: search and detail (GET); request a parcours, approve or reject, weekly digest (POST).
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
$offerurl = new moodle_url('/blocks/bridge_offer/action.php', ['courseid' => $courseid]);

/**
 * Starts an offer page: the course's name as the heading, the page's own title.
 *
 * @param moodle_url $url Page URL.
 * @param string $title Page title (also the first heading of the content).
 */
function block_bridge_offer_page_start(moodle_url $url, string $title): void {
    global $PAGE, $OUTPUT, $course, $context;
    $PAGE->set_url($url);
    $PAGE->set_context($context);
    $PAGE->set_pagelayout('incourse');
    $PAGE->set_title($title);
    $PAGE->set_heading(format_string($course->fullname, true, ['context' => $context]));
    $PAGE->navbar->add(get_string('pluginname', 'block_bridge_offer'),
        new moodle_url('/blocks/bridge_offer/action.php', ['courseid' => $course->id]));
    echo $OUTPUT->header();
    echo $OUTPUT->heading($title);
}

/**
 * Ends an offer page with the way back to the course.
 */
function block_bridge_offer_page_end(): void {
    global $OUTPUT, $courseid;
    echo html_writer::div(html_writer::link(new moodle_url('/course/view.php', ['id' => $courseid]),
        get_string('backtocourse', 'local_bridge'), ['class' => 'btn btn-secondary']), 'mt-3');
    echo $OUTPUT->footer();
}

/**
 * The bridge's refusal in the user's language when it gave one, else one sentence for the status.
 *
 * @param array $result Data source answer.
 * @return string
 */
function block_bridge_offer_failure(array $result): string {
    $lang = strpos(current_language(), 'en') === 0 ? 'en' : 'fr';
    $refusal = (string)($result['data']['refusal'][$lang] ?? '');
    return $refusal !== '' ? $refusal : block_page::error_message((int)$result['status']);
}

if ($step === 'search') {
    $filters = [];
    foreach (['q', 'origin', 'collection', 'public', 'duration'] as $name) {
        $filters[$name] = trim(optional_param($name, '', PARAM_TEXT));
    }
    $page = optional_param('page', 0, PARAM_INT);
    $url = new moodle_url($offerurl, array_filter($filters) + ['page' => $page]);
    block_bridge_offer_page_start($url, get_string('pluginname', 'block_bridge_offer'));
    $result = block_page::call(function() use ($source, $filters, $page, $courseid) {
        return ['found' => $source->search($filters, $page), 'requests' => $source->pending($courseid), 'mine' => $source->mine(),
            'jobs' => $source->jobs()];
    });
    if (empty($result['found']['ok'])) {
        echo $OUTPUT->notification(block_page::error_message((int)($result['found']['status'] ?? $result['status'] ?? 0)),
            \core\output\notification::NOTIFY_ERROR);
        block_bridge_offer_page_end();
        exit;
    }
    $found = $result['found'];
    $data = ['filters' => \block_bridge_offer\output\offer_view::filters($found['facets'], $filters),
        'query' => $filters['q'], 'total' => $found['total'], 'hasoffers' => !empty($found['offers']),
        'offers' => \block_bridge_offer\output\offer_view::offers($found['offers'], $courseid),
        'requests' => \block_bridge_offer\output\offer_view::requests($result['requests'], $courseid),
        'mine' => \block_bridge_offer\output\offer_view::requests($result['mine'], $courseid),
        'jobs' => $result['jobs'], 'pagingbar' => $OUTPUT->paging_bar($found['total'], $page, data_source::PER_PAGE, $url)];
    $data['hasrequests'] = !empty($data['requests']);
    $data['hasmine'] = !empty($data['mine']);
    $data += block_page::context('block_bridge_offer', $context, $courseid, data_source::CAPABILITY_FLAGS);
    echo $OUTPUT->render_from_template('block_bridge_offer/search', block_page::strings($data, 'block_bridge_offer'));
    block_bridge_offer_page_end();
    exit;
}

if ($step === 'detail') {
    $offerid = required_param('offerid', PARAM_INT);
    $result = block_page::call(function() use ($source, $offerid) {
        return $source->detail($offerid) + ['status' => 200];
    });
    if (empty($result['ok'])) {
        redirect($offerurl, s(block_page::error_message((int)($result['status'] ?? 0))), null,
            \core\output\notification::NOTIFY_ERROR);
    }
    $offer = $result['offer'];
    $url = new moodle_url($offerurl, ['step' => 'detail', 'offerid' => $offerid]);
    block_bridge_offer_page_start($url, format_string($offer['title'], true, ['context' => $context]));
    $time = strtotime($offer['publishedat']);
    $data = $offer + [
        'summaryhtml' => format_text($offer['summary'], FORMAT_HTML, ['context' => $context]),
        'published' => $time ? userdate($time, get_string('strftimedate', 'core_langconfig')) : '',
        'request' => $result['request']
            ? \block_bridge_offer\output\offer_view::requests([$result['request']], $courseid)[0] : null,
        // What was typed before a refusal comes back, else the parcours' title and a free shortname.
        'name' => optional_param('name', $offer['title'], PARAM_TEXT),
        'shortname' => optional_param('shortname', \block_bridge_offer\output\offer_view::proposed_shortname($offer['title']),
            PARAM_TEXT),
        'backurl' => $offerurl->out(false),
    ];
    if ($data['request']) {
        $data['alreadyrequested'] = get_string('alreadyrequested', 'block_bridge_offer',
            (object)['name' => $data['request']['name'], 'state' => $data['request']['statelabel']]);
    }
    $data += block_page::context('block_bridge_offer', $context, $courseid, data_source::CAPABILITY_FLAGS);
    echo $OUTPUT->render_from_template('block_bridge_offer/detail', $data);
    block_bridge_offer_page_end();
    exit;
}

require_sesskey();
if ($step === 'request') {
    require_capability('block/bridge_offer:request', $context);
    $offerid = required_param('offerid', PARAM_INT);
    $name = trim(required_param('name', PARAM_TEXT));
    $shortname = trim(required_param('shortname', PARAM_TEXT));
    $result = block_page::call(function() use ($source, $offerid, $name, $shortname) {
        return $source->request($offerid, $name, $shortname);
    });
    if ($result['status'] >= 200 && $result['status'] < 300) {
        redirect($offerurl, s(get_string('requestsent', 'block_bridge_offer', $name)), null,
            \core\output\notification::NOTIFY_SUCCESS);
    }
    // Back to the form with what was typed, and why it was refused.
    redirect(new moodle_url($offerurl, ['step' => 'detail', 'offerid' => $offerid, 'name' => $name, 'shortname' => $shortname]),
        s(block_bridge_offer_failure($result)), null, \core\output\notification::NOTIFY_ERROR);
} else if ($step === 'approve' || $step === 'reject') {
    require_capability('block/bridge_offer:approve', $context);
    $requestid = required_param('requestid', PARAM_INT);
    $reason = trim(optional_param('reason', '', PARAM_TEXT));
    $result = block_page::call(function() use ($source, $courseid, $requestid, $step, $reason) {
        return $source->decide($courseid, $requestid, $step === 'approve', $reason);
    });
    if ($result['status'] >= 200 && $result['status'] < 300) {
        $name = (string)($result['data']['request']['name'] ?? $result['data']['name'] ?? '');
        redirect($offerurl, s(get_string($step === 'approve' ? 'approved' : 'rejected', 'block_bridge_offer', $name)), null,
            \core\output\notification::NOTIFY_SUCCESS);
    }
    redirect($offerurl, s(block_bridge_offer_failure($result)), null, \core\output\notification::NOTIFY_ERROR);
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
    block_page::back($courseid, block_bridge_offer_failure($result), notification::NOTIFY_ERROR);
} else {
    block_page::back($courseid, get_string('error_badinput', 'local_bridge'), notification::NOTIFY_ERROR);
}
