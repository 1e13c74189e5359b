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
 * Shared helpers of the asynchronous backup and restore functions.
 *
 * @package    local_bridge
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

namespace local_bridge\local;

/**
 * Reads backup_controllers rows and maps them to the bridge's status vocabulary.
 *
 * The adhoc tasks \core\task\asynchronous_backup_task and asynchronous_restore_task update
 * backup_controllers.status and .progress (through \core\progress\db_updater) as they run:
 * that row is the only state the status functions need.
 */
class async_operation {
    /** Status while queued or being prepared. */
    public const PENDING = 'pending';
    /** Status while the adhoc task runs the plan. */
    public const RUNNING = 'running';
    /** Status once finished without error. */
    public const DONE = 'done';
    /** Status once finished with an error. */
    public const FAILED = 'failed';

    /**
     * Loads Moodle's backup and restore libraries.
     */
    public static function require_backup_libs(): void {
        global $CFG;
        require_once($CFG->dirroot . '/backup/util/includes/backup_includes.php');
        require_once($CFG->dirroot . '/backup/util/includes/restore_includes.php');
    }

    /**
     * Bridge status of a backup::STATUS_* value.
     *
     * @param int $status backup_controllers.status
     * @return string pending|running|done|failed
     */
    public static function status_name(int $status): string {
        self::require_backup_libs();
        switch (true) {
            case $status == \backup::STATUS_FINISHED_OK:
                return self::DONE;
            case $status == \backup::STATUS_FINISHED_ERR:
                return self::FAILED;
            case $status == \backup::STATUS_EXECUTING:
                return self::RUNNING;
            default:
                return self::PENDING;
        }
    }

    /**
     * The backup_controllers row of an operation.
     *
     * @param string $id backupid (also the restore id)
     * @param string $operation 'backup' or 'restore'
     * @return \stdClass id, backupid, operation, type, itemid, userid, status, progress
     * @throws \moodle_exception when no such operation exists.
     */
    public static function get_controller(string $id, string $operation): \stdClass {
        global $DB;
        $record = $DB->get_record('backup_controllers', ['backupid' => $id, 'operation' => $operation],
            'id, backupid, operation, type, itemid, userid, status, progress');
        if (!$record) {
            throw new \moodle_exception('operationnotfound', 'local_bridge', '', $operation);
        }
        return $record;
    }

    /**
     * Last error the backup or restore logged, or a generic message.
     *
     * @param string $id backupid
     * @return string
     */
    public static function last_error(string $id): string {
        global $DB;
        self::require_backup_libs();
        $logs = $DB->get_records('backup_logs', ['backupid' => $id, 'loglevel' => \backup::LOG_ERROR],
            'id DESC', 'id, message', 0, 1);
        $log = reset($logs);
        return $log ? (string)$log->message : get_string('operationfailed', 'local_bridge');
    }

    /**
     * File name of the backup of a course: the backup id in it lets the status function
     * find the file without storing anything of our own.
     *
     * @param int $courseid Course backed up.
     * @param string $backupid Backup id.
     * @return string
     */
    public static function backup_filename(int $courseid, string $backupid): string {
        return 'bridge-course-' . $courseid . '-' . $backupid . '.mbz';
    }

    /**
     * Sets a plan setting unless the site locked it (setting a locked one throws).
     *
     * @param \base_plan $plan Backup or restore plan.
     * @param string $name Setting name.
     * @param mixed $value Value.
     */
    public static function set_setting_if_unlocked(\base_plan $plan, string $name, $value): void {
        try {
            $setting = $plan->get_setting($name);
        } catch (\base_plan_exception $e) {
            return; // This plan has no such setting (an older backup format, say).
        }
        if ($setting->get_status() == \base_setting::NOT_LOCKED) {
            $setting->set_value($value);
        }
    }
}
