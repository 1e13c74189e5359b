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
 * Template context of block_bridge_tracking that needs Moodle.
 *
 * @package    block_bridge_tracking
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

namespace block_bridge_tracking\local;

/**
 * What the template needs besides the bridge's data: the form target, the sesskey, the capabilities.
 */
class page_context {
    /**
     * Builds it.
     *
     * @param \context_course $context Course context.
     * @param int $courseid Course id.
     * @return array
     */
    public static function build(\context_course $context, int $courseid): array {
        return [
            'courseid' => $courseid,
            'actionurl' => (new \moodle_url('/blocks/bridge_tracking/action.php'))->out(false),
            'sesskey' => sesskey(),
            'canattendance' => has_capability('block/bridge_tracking:attendance', $context),
            'cancertificates' => has_capability('block/bridge_tracking:certificates', $context),
        ];
    }
}
