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
 * Web-service function local_bridge_freeze_context.
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
 * Freezes (context locking, Moodle 3.6+) or unfreezes a course: an archived session
 * stays readable but nobody can change it.
 */
class freeze_context extends external_api {
    /**
     * Parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'courseid' => new external_value(PARAM_INT, 'Course'),
            'freeze' => new external_value(PARAM_INT, '1 to freeze, 0 to unfreeze'),
        ]);
    }

    /**
     * Applies the requested state.
     *
     * @param int $courseid Course.
     * @param int $freeze 1 or 0.
     * @return array frozen
     */
    public static function execute(int $courseid, int $freeze): array {
        global $CFG;
        $params = self::validate_parameters(self::execute_parameters(), ['courseid' => $courseid, 'freeze' => $freeze]);
        $context = \context_course::instance($params['courseid']);
        self::validate_context($context);
        // A frozen context refuses every write capability but moodle/site:managecontextlocks, local/bridge:use
        // included (admins too, with contextlockappliestoadmin): check it where it still applies, at the nearest
        // unfrozen parent, or a frozen course could never be unfrozen through the bridge.
        require_capability('local/bridge:use', self::nearest_unlocked($context));
        require_capability('moodle/site:managecontextlocks', $context);
        // Without the site setting the lock would be stored but not enforced: say so rather than pretend.
        if (empty($CFG->contextlocking)) {
            throw new \moodle_exception('contextlockingdisabled', 'local_bridge');
        }
        $context->set_locked((bool)$params['freeze']);
        return ['frozen' => $context->is_locked()];
    }

    /**
     * The context itself, or its nearest ancestor that is not frozen.
     *
     * @param \context $context Starting context.
     * @return \context
     */
    private static function nearest_unlocked(\context $context): \context {
        while ($context->is_locked() && ($parent = $context->get_parent_context())) {
            $context = $parent;
        }
        return $context;
    }

    /**
     * Result.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'frozen' => new external_value(PARAM_BOOL, 'Whether the course is now frozen (also true when a parent is)'),
        ]);
    }
}
