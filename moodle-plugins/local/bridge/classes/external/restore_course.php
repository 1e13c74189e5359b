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
 * Web-service function local_bridge_restore_course.
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
 * Queues an asynchronous restore of an uploaded .mbz into a new course.
 *
 * The caller uploads the file to its draft area first (/webservice/upload.php). The new course
 * exists as soon as this returns (restore_dbops::create_new_course), under the requested names;
 * the content arrives when \core\task\asynchronous_restore_task has run.
 */
class restore_course extends external_api {
    /**
     * Parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'draftitemid' => new external_value(PARAM_INT, 'Draft item id holding the .mbz'),
            'categoryid' => new external_value(PARAM_INT, 'Category of the new course'),
            'fullname' => new external_value(PARAM_TEXT, 'Full name of the new course'),
            'shortname' => new external_value(PARAM_TEXT, 'Short name of the new course, unique on the site'),
        ]);
    }

    /**
     * Creates the course and queues the restore.
     *
     * @param int $draftitemid Draft item id.
     * @param int $categoryid Category id.
     * @param string $fullname Full name.
     * @param string $shortname Short name.
     * @return array restoreid, status
     */
    public static function execute(int $draftitemid, int $categoryid, string $fullname, string $shortname): array {
        global $CFG, $DB, $USER;
        $params = self::validate_parameters(self::execute_parameters(), [
            'draftitemid' => $draftitemid, 'categoryid' => $categoryid, 'fullname' => $fullname, 'shortname' => $shortname,
        ]);
        $context = \context_coursecat::instance($params['categoryid']);
        self::validate_context($context);
        require_capability('local/bridge:use', $context);
        require_capability('moodle/course:create', $context);
        require_capability('moodle/restore:restorecourse', $context);
        async_operation::require_backup_libs();
        require_once($CFG->dirroot . '/course/lib.php');

        // The bridge looks a course up by short name before retrying a create that timed out.
        if ($DB->record_exists('course', ['shortname' => $params['shortname']])) {
            throw new \moodle_exception('shortnameinuse', 'local_bridge', '', s($params['shortname']));
        }
        $file = self::draft_file($params['draftitemid']);
        $backupdir = 'local_bridge_' . random_string(20);
        $path = make_backup_temp_directory($backupdir);
        if (!$file->extract_to_pathname(get_file_packer('application/vnd.moodle.backup'), $path)) {
            fulldelete($path);
            throw new \moodle_exception('invalidbackupfile', 'local_bridge');
        }

        $courseid = \restore_dbops::create_new_course($params['fullname'], $params['shortname'], $params['categoryid']);
        try {
            $restoreid = self::prepare_controller($backupdir, $courseid, $params['fullname'], $params['shortname']);
        } catch (\Throwable $e) {
            delete_course($courseid, false);
            fulldelete($path);
            throw $e;
        }

        $task = new \core\task\asynchronous_restore_task();
        $task->set_custom_data(['backupid' => $restoreid]);
        $task->set_userid($USER->id);
        \core\task\manager::queue_adhoc_task($task);

        return ['restoreid' => $restoreid, 'status' => async_operation::PENDING];
    }

    /**
     * The newest file of the caller's draft item.
     *
     * @param int $draftitemid Draft item id.
     * @return \stored_file
     */
    private static function draft_file(int $draftitemid): \stored_file {
        global $USER;
        $usercontext = \context_user::instance($USER->id);
        $files = get_file_storage()->get_area_files($usercontext->id, 'user', 'draft', $draftitemid, 'id DESC', false);
        $file = reset($files);
        if (!$file) {
            throw new \moodle_exception('nobackupfile', 'local_bridge');
        }
        return $file;
    }

    /**
     * Builds, configures and prechecks the restore controller; leaves it saved as "awaiting".
     *
     * @param string $backupdir Extracted backup directory under the backup temp dir.
     * @param int $courseid New course.
     * @param string $fullname Full name to keep.
     * @param string $shortname Short name to keep.
     * @return string restore id
     */
    private static function prepare_controller(string $backupdir, int $courseid, string $fullname, string $shortname): string {
        global $USER;
        $rc = new \restore_controller($backupdir, $courseid, \backup::INTERACTIVE_NO, \backup::MODE_ASYNC,
            $USER->id, \backup::TARGET_NEW_COURSE);
        try {
            $plan = $rc->get_plan();
            // Without these the restore renames the course after the backup's own names.
            async_operation::set_setting_if_unlocked($plan, 'course_fullname', $fullname);
            async_operation::set_setting_if_unlocked($plan, 'course_shortname', $shortname);
            async_operation::set_setting_if_unlocked($plan, 'users', false);
            // A successful precheck moves the controller to "awaiting" and saves it. The plan runs later in
            // the adhoc task, which creates its own temp tables: drop the precheck's now (true), or this
            // request ends with "existing temptables found" and leaves them behind.
            if (!$rc->execute_precheck(true)) {
                $results = $rc->get_precheck_results();
                if (!empty($results['errors'])) {
                    throw new \moodle_exception('restoreprecheckfailed', 'local_bridge', '', implode('; ', $results['errors']));
                }
            }
            return $rc->get_restoreid();
        } finally {
            $rc->destroy();
        }
    }

    /**
     * Result.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'restoreid' => new external_value(PARAM_ALPHANUM, 'Restore id, for local_bridge_get_restore_status'),
            'status' => new external_value(PARAM_ALPHA, 'Always "pending"'),
        ]);
    }
}
