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
 * Web-service function local_bridge_enable_self_enrolment.
 *
 * @package    local_bridge
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

namespace local_bridge\external;

defined('MOODLE_INTERNAL') || die();

global $CFG;
// The legacy class names are aliases of core_external\* from Moodle 4.2, and the only names 4.0 and 4.1 know.
require_once($CFG->libdir . '/externallib.php');

use external_api;
use external_function_parameters;
use external_single_structure;
use external_value;

/**
 * Enables or disables self enrolment in a course (the "session" opens or closes).
 *
 * Idempotent: enabling twice leaves one enabled instance with the given key.
 */
class enable_self_enrolment extends external_api {
    /**
     * Parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'courseid' => new external_value(PARAM_INT, 'Course'),
            'enable' => new external_value(PARAM_INT, '1 to enable, 0 to disable'),
            'password' => new external_value(PARAM_RAW, 'Enrolment key when enabling; empty for none', VALUE_DEFAULT, ''),
            'roleid' => new external_value(PARAM_INT, 'Role given to self-enrolled users; 0 for the site default',
                VALUE_DEFAULT, 0),
        ]);
    }

    /**
     * Applies the requested state.
     *
     * @param int $courseid Course.
     * @param int $enable 1 or 0.
     * @param string $password Enrolment key (empty: no key).
     * @param int $roleid Role of self-enrolled users (0: the enrol_self default).
     * @return array instanceid, enabled
     */
    public static function execute(int $courseid, int $enable, string $password = '', int $roleid = 0): array {
        global $DB;
        $params = self::validate_parameters(self::execute_parameters(),
            ['courseid' => $courseid, 'enable' => $enable, 'password' => $password, 'roleid' => $roleid]);
        if ($params['roleid'] && !$DB->record_exists('role', ['id' => $params['roleid']])) {
            throw new \invalid_parameter_exception('Unknown role id ' . $params['roleid']);
        }
        $context = \context_course::instance($params['courseid']);
        self::validate_context($context);
        require_capability('local/bridge:use', $context);
        require_capability('moodle/course:enrolconfig', $context);
        require_capability('enrol/self:config', $context);
        if (!enrol_is_enabled('self')) {
            throw new \moodle_exception('selfenrolmentdisabled', 'local_bridge');
        }
        $plugin = enrol_get_plugin('self');
        $instances = $DB->get_records('enrol', ['courseid' => $params['courseid'], 'enrol' => 'self'], 'id ASC');
        $instance = reset($instances);

        if (!$params['enable']) {
            if ($instance) {
                $plugin->update_status($instance, ENROL_INSTANCE_DISABLED);
            }
            return ['instanceid' => $instance ? (int)$instance->id : 0, 'enabled' => false];
        }
        if ($params['password'] === '' && $plugin->get_config('requirepassword')) {
            throw new \moodle_exception('passwordrequired', 'local_bridge');
        }
        if (!$instance) {
            $fields = $plugin->get_instance_defaults();
            $fields['status'] = ENROL_INSTANCE_ENABLED;
            $fields['customint6'] = 1; // Allow new enrolments.
            $fields['password'] = $params['password'];
            if ($params['roleid']) {
                // The domain's participant role, not whatever the site's enrol_self default is.
                $fields['roleid'] = $params['roleid'];
            }
            $id = $plugin->add_instance(get_course($params['courseid']), $fields);
            return ['instanceid' => (int)$id, 'enabled' => true];
        }
        $plugin->update_status($instance, ENROL_INSTANCE_ENABLED);
        $instance = $DB->get_record('enrol', ['id' => $instance->id], '*', MUST_EXIST);
        $wantrole = $params['roleid'] ? $params['roleid'] : (int)$instance->roleid;
        if ($instance->password !== $params['password'] || !$instance->customint6 || (int)$instance->roleid !== $wantrole) {
            // A full copy of the record as form data: update_instance() reads fields the form would send.
            $data = clone $instance;
            $data->password = $params['password'];
            $data->customint6 = 1;
            $data->roleid = $wantrole;
            $plugin->update_instance($instance, $data);
        }
        return ['instanceid' => (int)$instance->id, 'enabled' => true];
    }

    /**
     * Result.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'instanceid' => new external_value(PARAM_INT, 'Self enrolment instance id (0 if none)'),
            'enabled' => new external_value(PARAM_BOOL, 'Whether self enrolment is now enabled'),
        ]);
    }
}
