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
 * Jobs started from block_bridge_csv, kept in the session of the user.
 *
 * @package    block_bridge_csv
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

namespace block_bridge_csv\local;

/**
 * Remembers, per course, the bridge jobs this user started, so the block shows their progress.
 */
class job_tracker {
    /** Only the most recent jobs are shown. */
    private const KEEP = 5;

    /**
     * Records a job id.
     *
     * @param int $courseid Course id.
     * @param int $jobid Bridge job id.
     */
    public static function add(int $courseid, int $jobid): void {
        global $SESSION;
        $all = $SESSION->block_bridge_csv_jobs ?? [];
        $ids = $all[$courseid] ?? [];
        array_unshift($ids, $jobid);
        $all[$courseid] = array_slice(array_values(array_unique($ids)), 0, self::KEEP);
        $SESSION->block_bridge_csv_jobs = $all;
    }

    /**
     * Job ids of a course, newest first.
     *
     * @param int $courseid Course id.
     * @return int[]
     */
    public static function job_ids(int $courseid): array {
        global $SESSION;
        return array_map('intval', ($SESSION->block_bridge_csv_jobs ?? [])[$courseid] ?? []);
    }
}
