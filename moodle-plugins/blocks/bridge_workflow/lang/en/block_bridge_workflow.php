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
 * English strings of block_bridge_workflow.
 *
 * @package    block_bridge_workflow
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$string['bridge_workflow:addinstance'] = 'Add a block "Course lifecycle"';
$string['bridge_workflow:manage'] = 'Move the course through its lifecycle';
$string['bridge_workflow:view'] = 'See the block "Course lifecycle"';
$string['end'] = 'End';
$string['failed'] = 'The bridge answered with an error ({$a}).';
$string['forbidden'] = 'You cannot manage this course.';
$string['jobs'] = 'Running jobs';
$string['max'] = 'Max per session';
$string['name'] = 'Name';
$string['notnow'] = 'Not possible now';
$string['participants'] = 'Participants';
$string['pluginname'] = 'Course lifecycle';
$string['privacy:metadata'] = 'The block stores no personal data; the bridge daemon keeps its own audit trail.';
$string['refused'] = 'Refused: {$a}';
$string['shortname'] = 'Short name';
$string['start'] = 'Start';
$string['state'] = 'State:';
$string['submitted'] = 'Request sent: job {$a}.';
$string['unavailable'] = 'The bridge is not available right now.';
