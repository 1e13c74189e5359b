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
 * English strings of local_bridge.
 *
 * @package    local_bridge
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$string['backtocourse'] = 'Back to the course';
$string['backtosettings'] = 'Back to the settings';
$string['backupfilemissing'] = 'The backup finished but its file cannot be found.';
$string['bridge:approveoffer'] = 'Approve a course for the national offer';
$string['bridge:downloadcertificates'] = 'Download attendance certificates';
$string['bridge:enrolcsv'] = 'Enrol participants from a CSV file';
$string['bridge:manageworkflow'] = 'Move a course through the training workflow';
$string['bridge:markattendance'] = 'Mark a participant as having completed the training';
$string['bridge:requestoffer'] = 'Request a course from the national offer';
$string['bridge:use'] = 'Use the bridge web services';
$string['bridge:viewoffer'] = 'View the national offer';
$string['bridge:viewtracking'] = 'View participants\' progress';
$string['bridgeurl'] = 'Bridge URL';
$string['bridgeurl_desc'] = 'Address of the m@gistère bridge daemon, for example https://bridge.example.org.';
$string['completionnotenabled'] = 'Completion tracking is not enabled for this course.';
$string['connection'] = 'Connection to the bridge';
$string['connection_desc'] = 'Requests to the bridge are signed with the shared secret; the bridge must know this site under the same domain name and secret.';
$string['contextlockingdisabled'] = 'Context freezing is disabled on this site (setting contextlocking).';
$string['domain'] = 'Domain name';
$string['domain_desc'] = 'Name of this site at the bridge, for example ac-versailles (letters, digits, dot, dash, underscore, colon).';
$string['error_badinput'] = 'Some fields are missing or invalid: check them and try again.';
$string['error_conflict'] = 'Someone changed it in the meantime: reload the page to see where it stands.';
$string['error_forbidden'] = 'Your roles in this course do not allow this action.';
$string['error_notconfigured'] = 'The bridge is not configured on this site yet. Ask your site administrator.';
$string['error_notfound'] = 'This item no longer exists.';
$string['error_refused'] = 'The bridge refused this request. Try again, or ask your site administrator.';
$string['error_unreachable'] = 'The bridge cannot be reached right now. Try again in a few minutes, or ask your site administrator.';
$string['invalidbackupfile'] = 'The uploaded file is not a readable Moodle backup.';
$string['jobkind_archive_course'] = 'Archive';
$string['jobkind_archive_unarchive'] = 'Unarchive';
$string['jobkind_enrol_apply'] = 'CSV enrolment';
$string['jobkind_offer_deploy'] = 'Deploy a parcours from the offer';
$string['jobkind_offer_share'] = 'Share to the offer';
$string['jobkind_other'] = 'Request';
$string['jobkind_tracking_certificates'] = 'Certificates';
$string['jobkind_tracking_sync'] = 'Refresh the statistics';
$string['jobkind_workflow_create_parcours'] = 'Create a parcours';
$string['jobkind_workflow_create_sessions'] = 'Create sessions';
$string['jobkind_workflow_demonstrate'] = 'Demonstration copy';
$string['jobkind_workflow_duplicate'] = 'Duplicate';
$string['jobkind_workflow_open'] = 'Open the session';
$string['jobkind_workflow_open_self_enrolment'] = 'Open self-enrolment';
$string['jobkind_workflow_restore'] = 'Restore from the bin';
$string['jobkind_workflow_set_metadata'] = 'Course details';
$string['jobkind_workflow_trash'] = 'Move to the bin';
$string['jobresult'] = 'Open what it made';
$string['jobstate_cancelled'] = 'Cancelled';
$string['jobstate_failed'] = 'Failed';
$string['jobstate_queued'] = 'Waiting';
$string['jobstate_running'] = 'In progress';
$string['jobstate_succeeded'] = 'Done';
$string['nobackupfile'] = 'No backup file was found in the given draft area.';
$string['operationfailed'] = 'The operation failed; see the backup logs for details.';
$string['operationnotfound'] = 'No such {$a} operation.';
$string['passwordrequired'] = 'This site requires an enrolment key for self enrolment.';
$string['pluginname'] = 'm@gistère bridge';
$string['privacy:metadata:bridge'] = 'The m@gistère bridge automates training workflows for this site; it receives data to enrol participants and to produce attendance certificates.';
$string['privacy:metadata:bridge:completion'] = 'Whether the participant completed the training.';
$string['privacy:metadata:bridge:courseid'] = 'The course the request concerns.';
$string['privacy:metadata:bridge:email'] = 'The e-mail address of enrolled participants.';
$string['privacy:metadata:bridge:firstname'] = 'The first name of enrolled participants.';
$string['privacy:metadata:bridge:lastname'] = 'The last name of enrolled participants.';
$string['privacy:metadata:bridge:userid'] = 'The id of the user acting through the bridge.';
$string['restoreprecheckfailed'] = 'The restore prechecks failed: {$a}';
$string['selfenrolmentdisabled'] = 'The self enrolment plugin is disabled on this site.';
$string['sharedsecret'] = 'Shared secret';
$string['sharedsecret_desc'] = 'Secret shared with the bridge for this domain; it signs every request and never travels itself.';
$string['shortnameinuse'] = 'The short name {$a} is already used by another course.';
$string['test_clockskew'] = 'This server\'s clock and the bridge\'s differ by {$a->skew} seconds: signed requests are refused beyond five minutes. Synchronise the time (NTP).';
$string['test_notconfigured'] = 'The bridge is not configured: fill in its URL, the domain name and the shared secret.';
$string['test_ok'] = 'Connection works: the bridge knows this site ({$a->domain}) and accepts its signature.';
$string['test_unknowndomain'] = 'The bridge answers but does not know the domain "{$a->domain}": check this name here and in the bridge\'s configuration.';
$string['test_unreachable'] = 'Nothing answers at the bridge URL: check the URL, and that the daemon runs and can be reached from this server.';
$string['test_wrongsecret'] = 'The bridge knows this domain but refuses the signature: the shared secret differs from the one in its configuration.';
$string['testconnection'] = 'Test the connection';
$string['timeout'] = 'Request timeout';
$string['timeout_desc'] = 'Seconds to wait for the bridge before giving up.';
$string['usernotenrolled'] = 'The user is not enrolled in this course.';
$string['yourjobs'] = 'Your requests';
