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
 * Jobs a user started from a bridge block, kept in their session.
 *
 * @package    local_bridge
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

namespace local_bridge\local;

/**
 * Remembers, per block and course, the bridge jobs this user started, so the block shows their progress.
 */
class block_jobs {
    /** Only the most recent jobs are shown. */
    private const KEEP = 5;

    /**
     * Records a job id.
     *
     * @param string $component Block component, e.g. block_bridge_csv.
     * @param int $courseid Course id.
     * @param int $jobid Bridge job id.
     */
    public static function add(string $component, int $courseid, int $jobid): void {
        global $SESSION;
        $all = $SESSION->local_bridge_jobs ?? [];
        $ids = $all[$component][$courseid] ?? [];
        array_unshift($ids, $jobid);
        $all[$component][$courseid] = array_slice(array_values(array_unique($ids)), 0, self::KEEP);
        $SESSION->local_bridge_jobs = $all;
    }

    /**
     * Job ids of a block in a course, newest first.
     *
     * @param string $component Block component.
     * @param int $courseid Course id.
     * @return int[]
     */
    public static function ids(string $component, int $courseid): array {
        global $SESSION;
        return array_map('intval', ($SESSION->local_bridge_jobs ?? [])[$component][$courseid] ?? []);
    }
}
