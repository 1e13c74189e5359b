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

$string['approve'] = 'Approve';
$string['bridge_offer:addinstance'] = 'Add a block "Course offer"';
$string['bridge_offer:approve'] = 'Approve or reject parcours requests';
$string['bridge_offer:request'] = 'Request a parcours from the offer';
$string['bridge_offer:view'] = 'See the block "Course offer"';
$string['coursename'] = 'Name of the course';
$string['digest'] = 'Weekly digest of new offers';
$string['digestoff'] = 'You do not receive the weekly digest of new offers.';
$string['digeston'] = 'You receive the weekly digest of new offers.';
$string['digestsubscribe'] = 'Receive the weekly digest of new offers';
$string['digestsubscribed'] = 'You will receive the weekly digest of new offers.';
$string['digestunsubscribe'] = 'Stop the weekly digest';
$string['digestunsubscribed'] = 'You will no longer receive the weekly digest of new offers.';
$string['failed'] = 'The request could not be sent. Try again in a few minutes.';
$string['jobs'] = 'Your requests';
$string['nooffer'] = 'No parcours found.';
$string['pluginname'] = 'Course offer';
$string['privacy:metadata'] = 'The block stores no personal data; the bridge daemon keeps its own audit trail.';
$string['reason'] = 'Reason';
$string['reject'] = 'Reject';
$string['request'] = 'Request this parcours';
$string['requestedby'] = '{$a->name}, requested by {$a->by}';
$string['requests'] = 'Requests to decide';
$string['saved'] = 'Done.';
$string['search'] = 'Search the offer';
$string['searchbutton'] = 'Search';
$string['shortname'] = 'Short name';
$string['unavailable'] = 'The national offer is not available right now.';
