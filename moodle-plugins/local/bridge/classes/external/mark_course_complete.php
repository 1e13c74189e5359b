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
 * Web-service function local_bridge_mark_course_complete.
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
 * Marks a participant as having completed a course ("Formation terminée"), or undoes it.
 *
 * Core's completion functions act on the token's owner; this one acts on any enrolled user.
 * The decision is the formateur's, independent of activity completion; the bridge keeps the
 * audit trail.
 */
class mark_course_complete extends external_api {
    /**
     * Parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'courseid' => new external_value(PARAM_INT, 'Course'),
            'userid' => new external_value(PARAM_INT, 'Participant'),
            'complete' => new external_value(PARAM_INT, '1 to mark complete, 0 to undo'),
        ]);
    }

    /**
     * Applies the requested state.
     *
     * @param int $courseid Course.
     * @param int $userid Participant.
     * @param int $complete 1 or 0.
     * @return array completed
     */
    public static function execute(int $courseid, int $userid, int $complete): array {
        global $CFG;
        require_once($CFG->libdir . '/completionlib.php');
        require_once($CFG->dirroot . '/completion/completion_completion.php');
        $params = self::validate_parameters(self::execute_parameters(),
            ['courseid' => $courseid, 'userid' => $userid, 'complete' => $complete]);
        $context = \context_course::instance($params['courseid']);
        self::validate_context($context);
        require_capability('local/bridge:use', $context);
        require_capability('local/bridge:markattendance', $context);

        $info = new \completion_info(get_course($params['courseid']));
        if (!$info->is_enabled()) {
            throw new \moodle_exception('completionnotenabled', 'local_bridge');
        }
        \core_user::get_user($params['userid'], 'id', MUST_EXIST);
        if (!is_enrolled($context, $params['userid'])) {
            throw new \moodle_exception('usernotenrolled', 'local_bridge');
        }

        $cc = new \completion_completion(['userid' => $params['userid'], 'course' => $params['courseid']]);
        if ($params['complete'] && !$cc->is_complete()) {
            $cc->mark_complete();
        } else if (!$params['complete'] && $cc->is_complete()) {
            // mark_complete() never changes a completion time, so undoing is a plain update;
            // reaggregate = 0 keeps cron from recomputing it straight away.
            $cc->timecompleted = null;
            $cc->reaggregate = 0;
            $cc->update();
            \cache::make('core', 'coursecompletion')->delete($params['userid'] . '_' . $params['courseid']);
        }
        return ['completed' => (bool)$params['complete']];
    }

    /**
     * Result.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'completed' => new external_value(PARAM_BOOL, 'Whether the participant is now marked complete'),
        ]);
    }
}
