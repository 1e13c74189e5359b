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
 * Web-service function local_bridge_backup_course.
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
 * Queues an asynchronous backup of a course, without user data.
 *
 * The backup runs in \core\task\asynchronous_backup_task on the next cron run; poll
 * local_bridge_get_backup_status with the returned id.
 */
class backup_course extends external_api {
    /**
     * Parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'courseid' => new external_value(PARAM_INT, 'Course to back up'),
        ]);
    }

    /**
     * Queues the backup.
     *
     * @param int $courseid Course to back up.
     * @return array backupid, status
     */
    public static function execute(int $courseid): array {
        global $USER;
        ['courseid' => $courseid] = self::validate_parameters(self::execute_parameters(), ['courseid' => $courseid]);
        $context = \context_course::instance($courseid);
        self::validate_context($context);
        require_capability('local/bridge:use', $context);
        require_capability('moodle/backup:backupcourse', $context);
        async_operation::require_backup_libs();

        $bc = new \backup_controller(\backup::TYPE_1COURSE, $courseid, \backup::FORMAT_MOODLE,
            \backup::INTERACTIVE_NO, \backup::MODE_ASYNC, $USER->id, \backup::RELEASESESSION_YES);
        try {
            $backupid = $bc->get_backupid();
            $plan = $bc->get_plan();
            // Gabarits and parcours travel between sites without their participants.
            async_operation::set_setting_if_unlocked($plan, 'users', false);
            $plan->get_setting('filename')->set_value(async_operation::backup_filename($courseid, $backupid));
            // Setting "awaiting" again saves the controller with the settings above.
            $bc->set_status(\backup::STATUS_AWAITING);
        } finally {
            $bc->destroy();
        }

        $task = new \core\task\asynchronous_backup_task();
        $task->set_custom_data(['backupid' => $backupid]);
        $task->set_userid($USER->id);
        \core\task\manager::queue_adhoc_task($task);

        return ['backupid' => $backupid, 'status' => async_operation::PENDING];
    }

    /**
     * Result.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'backupid' => new external_value(PARAM_ALPHANUM, 'Backup id, for local_bridge_get_backup_status'),
            'status' => new external_value(PARAM_ALPHA, 'Always "pending"'),
        ]);
    }
}
