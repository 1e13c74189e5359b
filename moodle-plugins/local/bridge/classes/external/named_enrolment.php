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
 * Web-service function local_bridge_named_enrolment.
 *
 * @package    local_bridge
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

namespace local_bridge\external;

defined('MOODLE_INTERNAL') || die();

global $CFG;
require_once($CFG->libdir . '/externallib.php');
require_once($CFG->libdir . '/enrollib.php');

use external_api;
use external_function_parameters;
use external_multiple_structure;
use external_single_structure;
use external_value;

/**
 * A manual enrolment instance of its own, found by its name (the GAIA session's: "GAIA-…"):
 * enrols into it and unenrols from it, and lists its members.
 *
 * Core's enrol_manual_enrol_users and enrol_manual_unenrol_users act on the course's first manual
 * instance, and core has no function to add an instance. Unenrolling from this instance leaves
 * whoever is also enrolled another way (by hand, by CSV) in the course with their roles.
 */
class named_enrolment extends external_api {
    /**
     * Parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'courseid' => new external_value(PARAM_INT, 'Course'),
            'name' => new external_value(PARAM_TEXT, 'Name of the enrolment instance'),
            'create' => new external_value(PARAM_INT, '1 to create the instance when missing', VALUE_DEFAULT, 1),
            'enrol' => new external_multiple_structure(new external_single_structure([
                'userid' => new external_value(PARAM_INT, 'User'),
                'roleid' => new external_value(PARAM_INT, 'Role given in the course'),
            ]), 'People to enrol through the instance', VALUE_DEFAULT, []),
            'unenrol' => new external_multiple_structure(
                new external_value(PARAM_INT, 'User'), 'People to unenrol from the instance', VALUE_DEFAULT, []),
        ]);
    }

    /**
     * Finds or creates the instance, enrols, unenrols, and lists the members.
     *
     * @param int $courseid Course.
     * @param string $name Instance name.
     * @param int $create 1 to create the instance when missing.
     * @param array $enrol userid, roleid.
     * @param array $unenrol user ids.
     * @return array instanceid, created, members
     */
    public static function execute(int $courseid, string $name, int $create = 1, array $enrol = [],
            array $unenrol = []): array {
        global $DB;
        $params = self::validate_parameters(self::execute_parameters(), ['courseid' => $courseid, 'name' => $name,
            'create' => $create, 'enrol' => $enrol, 'unenrol' => $unenrol]);
        $name = trim($params['name']);
        if ($name === '') {
            throw new \invalid_parameter_exception('The enrolment instance needs a name');
        }
        $context = \context_course::instance($params['courseid']);
        self::validate_context($context);
        require_capability('local/bridge:use', $context);
        require_capability('moodle/course:enrolreview', $context);
        if ($params['enrol'] || $params['unenrol'] || $params['create']) {
            require_capability('moodle/course:enrolconfig', $context);
            require_capability('enrol/manual:enrol', $context);
            require_capability('enrol/manual:unenrol', $context);
        }
        if (!enrol_is_enabled('manual')) {
            throw new \moodle_exception('plugindisabled', 'enrol', '', 'manual');
        }
        $plugin = enrol_get_plugin('manual');
        $instance = $DB->get_record('enrol', ['courseid' => $params['courseid'], 'enrol' => 'manual', 'name' => $name],
            '*', IGNORE_MULTIPLE);
        $created = false;
        if (!$instance) {
            if (!$params['create']) {
                return ['instanceid' => 0, 'created' => false, 'members' => []];
            }
            // The manual plugin refuses a second instance in add_instance(); the base class's does what
            // the enrolment page does for plugins that allow several (record, sortorder, event).
            $add = function($course, $fields) {
                return \enrol_plugin::add_instance($course, $fields);
            };
            $id = $add->call($plugin, get_course($params['courseid']), [
                'name' => $name,
                'status' => ENROL_INSTANCE_ENABLED,
                'roleid' => $plugin->get_config('roleid'),
                'expirynotify' => 0,
            ]);
            $instance = $DB->get_record('enrol', ['id' => $id], '*', MUST_EXIST);
            $created = true;
        }
        $assignable = get_assignable_roles($context, ROLENAME_SHORT, false, get_admin());
        foreach ($params['enrol'] as $row) {
            if (!isset($assignable[$row['roleid']])) {
                throw new \invalid_parameter_exception('Role ' . $row['roleid'] . ' cannot be given in this course');
            }
            $user = $DB->get_record('user', ['id' => $row['userid'], 'deleted' => 0], 'id', MUST_EXIST);
            $plugin->enrol_user($instance, $user->id, $row['roleid']);
        }
        foreach ($params['unenrol'] as $userid) {
            $plugin->unenrol_user($instance, $userid);
        }
        $members = [];
        foreach ($DB->get_fieldset_select('user_enrolments', 'userid', 'enrolid = ?', [$instance->id]) as $userid) {
            $members[] = ['userid' => (int)$userid];
        }
        usort($members, function($a, $b) {
            return $a['userid'] <=> $b['userid'];
        });
        return ['instanceid' => (int)$instance->id, 'created' => $created, 'members' => $members];
    }

    /**
     * Result.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'instanceid' => new external_value(PARAM_INT, 'Enrolment instance id (0 if none)'),
            'created' => new external_value(PARAM_BOOL, 'Whether this call created the instance'),
            'members' => new external_multiple_structure(new external_single_structure([
                'userid' => new external_value(PARAM_INT, 'User enrolled through the instance'),
            ])),
        ]);
    }
}
