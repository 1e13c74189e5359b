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
 * Web-service function local_bridge_get_restore_status.
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
use local_bridge\local\async_operation;

/**
 * Progress of a restore queued by local_bridge_restore_course.
 */
class get_restore_status extends external_api {
    /**
     * Parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'restoreid' => new external_value(PARAM_ALPHANUM, 'Restore id returned by local_bridge_restore_course'),
        ]);
    }

    /**
     * Reads the restore's state.
     *
     * @param string $restoreid Restore id.
     * @return array status, progress, courseid, error
     */
    public static function execute(string $restoreid): array {
        ['restoreid' => $restoreid] = self::validate_parameters(self::execute_parameters(), ['restoreid' => $restoreid]);
        $record = async_operation::get_controller($restoreid, 'restore');
        $courseid = (int)$record->itemid;
        // The target course is deleted when the restore could not even be queued.
        $context = \context_course::instance($courseid, IGNORE_MISSING) ?: \context_system::instance();
        self::validate_context($context);
        require_capability('local/bridge:use', $context);
        require_capability('moodle/restore:restorecourse', $context);

        $status = async_operation::status_name((int)$record->status);
        return [
            'status' => $status,
            'progress' => $status === async_operation::DONE ? 1.0 : min(1.0, max(0.0, (float)$record->progress)),
            'courseid' => $courseid,
            'error' => $status === async_operation::FAILED ? async_operation::last_error($restoreid) : '',
        ];
    }

    /**
     * Result.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'status' => new external_value(PARAM_ALPHA, 'pending, running, done or failed'),
            'progress' => new external_value(PARAM_FLOAT, 'From 0 to 1'),
            'courseid' => new external_value(PARAM_INT, 'Course restored into'),
            'error' => new external_value(PARAM_TEXT, 'Why it failed'),
        ]);
    }
}
