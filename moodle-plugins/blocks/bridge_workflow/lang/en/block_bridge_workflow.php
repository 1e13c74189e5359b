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

$string['badduration'] = 'Durations are whole hours and 0 to 59 minutes.';
$string['badplan'] = 'The bridge cannot read these values: write each virtual class on its own line as DD/MM/YYYY HH:MM (e.g. 14/01/2027 14:00), with complete dates.';
$string['bridge_workflow:addinstance'] = 'Add a block "Course lifecycle"';
$string['bridge_workflow:manage'] = 'Move the course through its lifecycle';
$string['bridge_workflow:unarchive'] = 'Unarchive a session';
$string['bridge_workflow:view'] = 'See the block "Course lifecycle"';
$string['checkcalendar'] = 'Check the calendar';
$string['checknowarning'] = 'No calendar warning for these dates.';
$string['checkwarnings'] = 'Check these dates against the school calendar before creating the sessions:';
$string['createsessions'] = 'Create the sessions';
$string['end'] = 'End';
$string['failed'] = 'The request could not be sent. Try again in a few minutes.';
$string['forbidden'] = 'Your roles in this course do not allow you to manage it.';
$string['hours'] = 'Hours';
$string['inperson'] = 'Duration in person';
$string['jobs'] = 'Your requests';
$string['max'] = 'Max per session';
$string['minutes'] = 'Minutes';
$string['name'] = 'Name';
$string['nometadata'] = 'Fill in at least one duration or the objectives.';
$string['notnow'] = 'Not possible now';
$string['objectives'] = 'Objectives';
$string['participants'] = 'Participants';
$string['pluginname'] = 'Course lifecycle';
$string['privacy:metadata'] = 'The block stores no personal data; the bridge daemon keeps its own audit trail.';
$string['refused'] = 'Not possible: {$a}';
$string['remote'] = 'Duration at a distance';
$string['sessioncount'] = '{$a} session(s) will be created with these values.';
$string['shortname'] = 'Short name';
$string['start'] = 'Start';
$string['state'] = 'State:';
$string['submitted'] = 'Request sent: {$a}. Its progress is shown in the block.';
$string['tr_archive'] = 'Archive the session';
$string['tr_archive_confirm'] = 'Archive "{$a}"? Its participants will only be able to read it, and no one will be able to contribute to it any more. It can be unarchived.';
$string['tr_archive_help'] = 'Moves the session to the Archive category, read-only for its participants; it can be unarchived.';
$string['tr_create_parcours'] = 'Create a parcours';
$string['tr_create_parcours_help'] = 'Makes a new parcours in construction from this gabarit.';
$string['tr_create_sessions'] = 'Create sessions';
$string['tr_create_sessions_help'] = 'Makes one session per group of participants, with its dates; the school calendar warnings are shown before anything is created.';
$string['tr_demonstrate'] = 'Make a demonstration copy';
$string['tr_demonstrate_help'] = 'Makes a copy of the parcours that people can look at without enrolling.';
$string['tr_duplicate'] = 'Duplicate';
$string['tr_duplicate_help'] = 'Makes a copy of this course under a new name (without its participants).';
$string['tr_open'] = 'Open the session';
$string['tr_open_help'] = 'Makes the session visible to its participants; its durations and objectives must be filled in first.';
$string['tr_open_self_enrolment'] = 'Open self-enrolment';
$string['tr_open_self_enrolment_help'] = 'Lets people enrol themselves in this session.';
$string['tr_restore'] = 'Restore from the bin';
$string['tr_restore_help'] = 'Puts the course back where it was before it was moved to the bin.';
$string['tr_set_metadata'] = 'Save the details';
$string['tr_set_metadata_help'] = 'Durations (at a distance and in person) and objectives, shown on certificates and in the offer.';
$string['tr_trash'] = 'Move to the bin';
$string['tr_trash_confirm'] = 'Move "{$a}" to the bin? Its participants will no longer see it.';
$string['tr_trash_help'] = 'Hides the course in the bin category; it can be restored later.';
$string['tr_unarchive'] = 'Unarchive the session';
$string['tr_unarchive_help'] = 'Puts the session back where it was before it was archived, open to contributions again.';
$string['unavailable'] = 'The bridge cannot be reached right now. Try again in a few minutes.';
$string['virtualclasses'] = 'Virtual classes (one a line, DD/MM/YYYY HH:MM)';
$string['warnings'] = 'Check the calendar:';
