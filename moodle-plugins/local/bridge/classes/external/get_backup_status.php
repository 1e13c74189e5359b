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
 * Web-service function local_bridge_get_backup_status.
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
 * Progress of a backup queued by local_bridge_backup_course, and its file once done.
 */
class get_backup_status extends external_api {
    /**
     * Parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'backupid' => new external_value(PARAM_ALPHANUM, 'Backup id returned by local_bridge_backup_course'),
        ]);
    }

    /**
     * Reads the backup's state.
     *
     * @param string $backupid Backup id.
     * @return array status, progress, filename, filesize, contenthash, fileurl, error
     */
    public static function execute(string $backupid): array {
        ['backupid' => $backupid] = self::validate_parameters(self::execute_parameters(), ['backupid' => $backupid]);
        $record = async_operation::get_controller($backupid, 'backup');
        $courseid = (int)$record->itemid;
        $context = \context_course::instance($courseid);
        self::validate_context($context);
        require_capability('local/bridge:use', $context);
        require_capability('moodle/backup:backupcourse', $context);

        $result = [
            'status' => async_operation::status_name((int)$record->status),
            'progress' => min(1.0, max(0.0, (float)$record->progress)),
            'filename' => '', 'filesize' => 0, 'contenthash' => '', 'fileurl' => '', 'error' => '',
        ];
        if ($result['status'] === async_operation::FAILED) {
            $result['error'] = async_operation::last_error($backupid);
        }
        if ($result['status'] !== async_operation::DONE) {
            return $result;
        }
        $filename = async_operation::backup_filename($courseid, $backupid);
        $file = self::find_backup_file($record, $context, $filename);
        if (!$file) {
            return ['status' => async_operation::FAILED, 'error' => get_string('backupfilemissing', 'local_bridge')] + $result;
        }
        require_capability('moodle/backup:downloadfile', $context);
        // Neither area uses an item id in its pluginfile URL.
        $url = \moodle_url::make_webservice_pluginfile_url($file->get_contextid(), $file->get_component(),
            $file->get_filearea(), null, '/', $filename);
        return [
            'progress' => 1.0,
            'filename' => $filename,
            'filesize' => (int)$file->get_filesize(),
            'contenthash' => $file->get_contenthash(),
            'fileurl' => $url->out(false),
        ] + $result;
    }

    /**
     * The finished backup's file.
     *
     * backup_helper::store_backup_file() puts an async backup without user data (the bridge's case) in the
     * "backup" area of the user who ran it, which pluginfile.php serves to that user only (the token's owner);
     * with user data, it goes to the course's backup area.
     *
     * @param \stdClass $record backup_controllers record (userid).
     * @param \context_course $context Course backed up.
     * @param string $filename Backup file name.
     * @return \stored_file|null
     */
    private static function find_backup_file(\stdClass $record, \context_course $context, string $filename): ?\stored_file {
        $fs = get_file_storage();
        $usercontext = \context_user::instance((int)$record->userid, IGNORE_MISSING);
        if ($usercontext) {
            $file = $fs->get_file($usercontext->id, 'user', 'backup', 0, '/', $filename);
            if ($file) {
                return $file;
            }
        }
        return $fs->get_file($context->id, 'backup', 'course', 0, '/', $filename) ?: null;
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
            'filename' => new external_value(PARAM_FILE, 'Backup file name, once done'),
            'filesize' => new external_value(PARAM_INT, 'Bytes, once done'),
            'contenthash' => new external_value(PARAM_ALPHANUM, 'SHA-1 of the file, once done'),
            'fileurl' => new external_value(PARAM_URL, 'Web-service pluginfile URL of the .mbz, once done'),
            'error' => new external_value(PARAM_TEXT, 'Why it failed'),
        ]);
    }
}
