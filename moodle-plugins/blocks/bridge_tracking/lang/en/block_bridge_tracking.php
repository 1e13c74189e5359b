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
 * English strings of block_bridge_tracking.
 *
 * @package    block_bridge_tracking
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$string['applyfilter'] = 'Filter';
$string['attended'] = 'Training completed';
$string['bridge_tracking:addinstance'] = 'Add a block "Participant follow-up"';
$string['bridge_tracking:attendance'] = 'Mark "Formation terminée"';
$string['bridge_tracking:certificates'] = 'Download attendance certificates';
$string['bridge_tracking:view'] = 'See the block "Participant follow-up"';
$string['certificates'] = 'Download certificates';
$string['chart'] = 'Progress of the group';
$string['completed'] = 'Have completed the course';
$string['connected'] = 'Have logged in';
$string['done'] = 'Formation terminée';
$string['enrolled'] = 'Enrolled';
$string['failed'] = 'The request could not be handled. Try again in a few minutes.';
$string['filter'] = 'Show';
$string['filter_all'] = 'All participants';
$string['filter_done'] = 'Training completed';
$string['filter_notdone'] = 'Training not completed';
$string['forbidden'] = 'Your roles in this course do not allow you to follow its participants.';
$string['fullpage'] = 'See the detailed follow-up';
$string['lastaccess'] = 'Last access';
$string['mark'] = 'Mark "Formation terminée"';
$string['never'] = 'Never';
$string['nocertificates'] = 'No certificate: none of the people selected is marked "Training completed".';
$string['noselection'] = 'Select participants first.';
$string['participant'] = 'Participant';
$string['pluginname'] = 'Participant follow-up';
$string['privacy:metadata'] = 'The block stores no personal data; the bridge daemon keeps its own audit trail.';
$string['progress'] = 'Progress';
$string['saved'] = 'Saved.';
$string['select'] = 'Selection';
$string['shown'] = '{$a} participant(s)';
$string['unavailable'] = 'The bridge is not available right now.';
$string['unmark'] = 'Remove "Training completed"';
