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
 * Web-service functions of local_bridge: what core Moodle lacks for the bridge.
 *
 * @package    local_bridge
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$functions = [
    'local_bridge_backup_course' => [
        'classname' => 'local_bridge\external\backup_course',
        'description' => 'Queue an asynchronous backup of a course (without user data) to a .mbz file.',
        'type' => 'write',
        'capabilities' => 'local/bridge:use, moodle/backup:backupcourse',
    ],
    'local_bridge_get_backup_status' => [
        'classname' => 'local_bridge\external\get_backup_status',
        'description' => 'Progress of a backup, and its file once done.',
        'type' => 'read',
        'capabilities' => 'local/bridge:use, moodle/backup:backupcourse, moodle/backup:downloadfile',
    ],
    'local_bridge_restore_course' => [
        'classname' => 'local_bridge\external\restore_course',
        'description' => 'Queue an asynchronous restore of an uploaded .mbz into a new course.',
        'type' => 'write',
        'capabilities' => 'local/bridge:use, moodle/course:create, moodle/restore:restorecourse',
    ],
    'local_bridge_get_restore_status' => [
        'classname' => 'local_bridge\external\get_restore_status',
        'description' => 'Progress of a restore, and the new course id.',
        'type' => 'read',
        'capabilities' => 'local/bridge:use, moodle/restore:restorecourse',
    ],
    'local_bridge_enable_self_enrolment' => [
        'classname' => 'local_bridge\external\enable_self_enrolment',
        'description' => 'Enable or disable self enrolment in a course, with an optional enrolment key.',
        'type' => 'write',
        'capabilities' => 'local/bridge:use, moodle/course:enrolconfig, enrol/self:config',
    ],
    'local_bridge_freeze_context' => [
        'classname' => 'local_bridge\external\freeze_context',
        'description' => 'Freeze (make read-only) or unfreeze a course.',
        'type' => 'write',
        'capabilities' => 'local/bridge:use, moodle/site:managecontextlocks',
    ],
    'local_bridge_mark_course_complete' => [
        'classname' => 'local_bridge\external\mark_course_complete',
        'description' => 'Mark a participant as having completed a course (Formation terminée), or undo it.',
        'type' => 'write',
        'capabilities' => 'local/bridge:use, local/bridge:markattendance',
    ],
    'local_bridge_named_enrolment' => [
        'classname' => 'local_bridge\external\named_enrolment',
        'description' => 'Enrol into and unenrol from a named manual enrolment instance of its own (GAIA sessions), and list its members.',
        'type' => 'write',
        'capabilities' => 'local/bridge:use, moodle/course:enrolreview, moodle/course:enrolconfig, enrol/manual:enrol, enrol/manual:unenrol',
    ],
    'local_bridge_find_users' => [
        'classname' => 'local_bridge\external\find_users',
        'description' => 'Live accounts by e-mail, username, idnumber or id: only the fields the bridge matches on, in one query.',
        'type' => 'read',
        'capabilities' => 'local/bridge:use, moodle/user:viewdetails, moodle/user:viewhiddendetails',
    ],
    'local_bridge_get_participants' => [
        'classname' => 'local_bridge\external\get_participants',
        'description' => 'A course\'s enrolled users with their roles and groups, in three queries.',
        'type' => 'read',
        'capabilities' => 'local/bridge:use, moodle/course:viewparticipants',
    ],
    'local_bridge_create_enrol_users' => [
        'classname' => 'local_bridge\external\create_enrol_users',
        'description' => 'Create the missing accounts of a chunk of people (user_create_user) and enrol them all through the '
            . 'course\'s manual instance (enrol_user), with core\'s checks, refusals per row, idempotent by username.',
        'type' => 'write',
        'capabilities' => 'local/bridge:use, moodle/user:create, enrol/manual:enrol',
    ],
];

// A ready-made service for the bridge's token; the bridge also needs core functions,
// which an administrator adds to this service (or to a custom one).
$services = [
    'm@gistère bridge' => [
        'functions' => array_keys($functions),
        'shortname' => 'local_bridge',
        'restrictedusers' => 1,
        'enabled' => 0,
        'downloadfiles' => 1,
        'uploadfiles' => 1,
    ],
];
