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
 * English strings of block_bridge_offer.
 *
 * @package    block_bridge_offer
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$string['alreadyrequested'] = 'You already requested this parcours as "{$a->name}": {$a->state}.';
$string['any'] = 'Any';
$string['approve'] = 'Approve';
$string['approved'] = 'Request for "{$a}" approved: the parcours is being deployed, and the requester will be told by a message.';
$string['bridge_offer:addinstance'] = 'Add a block "Course offer"';
$string['bridge_offer:approve'] = 'Approve or reject parcours requests';
$string['bridge_offer:request'] = 'Request a parcours from the offer';
$string['bridge_offer:view'] = 'See the block "Course offer"';
$string['browse'] = 'Browse the offer ({$a} parcours)';
$string['collection'] = 'Collection';
$string['coursename'] = 'Name of the course';
$string['decision'] = 'Decision';
$string['demo'] = 'Demonstration';
$string['demolink'] = 'See the parcours in demonstration';
$string['digest'] = 'Weekly digest of new offers';
$string['digestoff'] = 'You do not receive the weekly digest of new offers.';
$string['digeston'] = 'You receive the weekly digest of new offers.';
$string['digestsubscribe'] = 'Receive the weekly digest of new offers';
$string['digestsubscribed'] = 'You will receive the weekly digest of new offers.';
$string['digestunsubscribe'] = 'Stop the weekly digest';
$string['digestunsubscribed'] = 'You will no longer receive the weekly digest of new offers.';
$string['duration'] = 'Duration';
$string['duration_over12h'] = 'More than 12 h';
$string['duration_upto12h'] = '6 h to 12 h';
$string['duration_upto3h'] = 'Up to 3 h';
$string['duration_upto6h'] = '3 h to 6 h';
$string['failed'] = 'The request could not be sent. Try again in a few minutes.';
$string['found'] = '{$a} parcours found.';
$string['inperson'] = 'In person';
$string['jobs'] = 'Your requests';
$string['keywords'] = 'Keywords';
$string['myrequests'] = 'Your requests';
$string['nooffer'] = 'No parcours found.';
$string['norequests'] = 'No request waits for a decision.';
$string['opencourse'] = 'Open the parcours';
$string['origin'] = 'Origin';
$string['parcours'] = 'Parcours';
$string['pendingcount'] = 'Requests waiting for a decision: {$a}';
$string['pluginname'] = 'Course offer';
$string['privacy:metadata'] = 'The block stores no personal data; the bridge daemon keeps its own audit trail.';
$string['public'] = 'Audience';
$string['published'] = 'Shared on';
$string['reason'] = 'Reason';
$string['reasonis'] = 'Reason: {$a}';
$string['reject'] = 'Reject';
$string['rejected'] = 'Request for "{$a}" rejected; the requester will be told the reason by a message.';
$string['remote'] = 'At a distance';
$string['request'] = 'Request this parcours';
$string['requestbutton'] = 'Request this parcours';
$string['requester'] = 'Requested by';
$string['requests'] = 'Requests to decide';
$string['requestsent'] = 'Your request for "{$a}" is sent: a manager of the platform will decide on it, and you will be told by a message.';
$string['requeststate_approved'] = 'approved, being deployed';
$string['requeststate_deployed'] = 'deployed';
$string['requeststate_failed'] = 'deployment failed, a manager will try again';
$string['requeststate_rejected'] = 'rejected';
$string['requeststate_requested'] = 'waiting for a decision';
$string['saved'] = 'Done.';
$string['search'] = 'Search the offer';
$string['searchbutton'] = 'Search';
$string['shortname'] = 'Short name';
$string['shortname_help'] = 'The short name of the new course on this platform; it must not be used by another course.';
$string['shortnameis'] = 'Short name: {$a}';
$string['unavailable'] = 'The national offer is not available right now.';
