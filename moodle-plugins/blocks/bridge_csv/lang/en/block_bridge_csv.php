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
 * English strings of block_bridge_csv.
 *
 * @package    block_bridge_csv
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$string['again'] = 'Upload another file';
$string['allrows'] = 'All rows';
$string['auth'] = 'Login method of the created accounts';
$string['auth_cas'] = 'CAS';
$string['auth_help'] = 'How the people whose account the file creates will log in: the académie chooses which methods are allowed.';
$string['auth_manual'] = 'Manual account';
$string['auth_shibboleth'] = 'Shibboleth';
$string['badauth'] = 'The login method "{$a}" is not one this académie allows for created accounts: choose one in the form.';
$string['bridge_csv:addinstance'] = 'Add a block "CSV enrolment"';
$string['bridge_csv:enrol'] = 'Enrol participants from a CSV file';
$string['bridge_csv:view'] = 'See the block "CSV enrolment"';
$string['confirm'] = 'Enrol';
$string['createdwith'] = 'Accounts created with: {$a}';
$string['downloadreport'] = 'Download the report';
$string['email'] = 'E-mail';
$string['enrolnumber'] = 'Enrol {$a} participant(s)';
$string['expired'] = 'The file is no longer available: upload it again.';
$string['failed'] = 'The request could not be handled. Try again in a few minutes.';
$string['file'] = 'CSV file';
$string['fileproblem'] = 'The file cannot be read: {$a}';
$string['forbidden'] = 'Your roles in this course do not allow you to enrol participants.';
$string['fullname'] = 'Name';
$string['group'] = 'Group (optional)';
$string['groupeffects'] = 'Participants will be added to these groups:';
$string['jobs'] = 'Your requests';
$string['line'] = 'Line';
$string['maxpersession'] = 'Most participants per session (0: shared out evenly)';
$string['nofile'] = 'No file was received.';
$string['outcome'] = 'Outcome';
$string['pluginname'] = 'CSV enrolment';
$string['preview'] = 'Preview';
$string['previewof'] = 'Preview of the enrolment in "{$a}"';
$string['privacy:metadata'] = 'The block stores no personal data; the bridge daemon keeps its own audit trail.';
$string['problemsonly'] = 'Problem rows';
$string['reason'] = 'Reason';
$string['removalheld'] = '{$a} person(s) absent from the file are kept: the unenrolment is refused because the file has problem rows or would remove more than a fifth of the people with this role. Correct the file, or ask an administrator.';
$string['removeabsent'] = 'Unenrol the people absent from the file';
$string['removeabsent_help'] = 'Unenrols the people who hold the chosen role in the course and are not in the file. As a safeguard, nobody is removed when the file has problem rows or when more than a fifth of them would leave: the preview then lists them as kept.';
$string['removeconfirm'] = 'Unenrol {$a->count} person(s) absent from the file from “{$a->course}”? They lose access to the course.';
$string['removeconfirmtitle'] = 'Unenrol the people absent from the file';
$string['role'] = 'Role of the people in the file';
$string['role_formateur'] = 'Trainer';
$string['role_help'] = 'The role given to every row of the file that has no "Rôle" column of its own.';
$string['role_participant'] = 'Participant';
$string['role_tuteur'] = 'Tutor';
$string['roleis'] = 'Role given: {$a}';
$string['session'] = 'Session';
$string['sessions'] = 'Also split across these sessions';
$string['sessions_help'] = 'The rows are shared out between this course and the sessions chosen here (the other courses of its category you may enrol into), in the order of the file.';
$string['start'] = 'Enrol participants from a CSV file';
$string['submitted'] = 'Enrolment started: its progress is shown in the block.';
$string['total'] = 'Rows';
$string['unavailable'] = 'The bridge cannot be reached right now. Try again in a few minutes.';
$string['unknown'] = 'People without an account';
$string['unknown_create'] = 'Create their account';
$string['unknown_reject'] = 'Report them without enrolling them';
