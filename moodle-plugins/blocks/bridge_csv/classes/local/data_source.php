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
 * Data of block_bridge_csv, read from the bridge daemon.
 *
 * @package    block_bridge_csv
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

namespace block_bridge_csv\local;

use local_bridge\api_session;
use local_bridge\bridge_client;

/**
 * CSV enrolment: the full preview (every row's outcome), the apply job, the report.
 * Plain PHP: tested against a running daemon without Moodle.
 */
class data_source {
    /** Template flags and the block capability each one reflects (read by local_bridge's bridge_block). */
    public const CAPABILITY_FLAGS = ['canenrol' => 'enrol'];

    /** Options the form may pass on to the bridge. */
    private const OPTIONS = ['role', 'group', 'unknown', 'sessions', 'max_per_session', 'start', 'end', 'remove_absent', 'auth'];

    /** @var api_session */
    private $api;

    /**
     * Constructor.
     *
     * @param bridge_client $client Signed client of this site.
     * @param int $userid Acting Moodle user id.
     * @param string $lang Moodle language code.
     * @param bool $sitemanager The user manages the course from the site or its category (see api_session).
     */
    public function __construct(bridge_client $client, int $userid, string $lang = 'fr', bool $sitemanager = false) {
        $this->api = new api_session($client, $userid, $lang, $sitemanager);
    }

    /**
     * Block data: the apply jobs this user started and their reports.
     *
     * @param int $courseid Course id.
     * @param int[] $jobids Jobs this user started here.
     * @return array
     * @throws \local_bridge\bridge_client_exception
     */
    public function fetch(int $courseid, array $jobids = []): array {
        // Only a formateur or a manager of the course may enrol: the bridge says so in the workflow view, so the
        // form is never shown to someone it would refuse.
        $w = $this->api->get("/api/v1/courses/$courseid/workflow");
        if ($w['status'] === 403) {
            return ['ok' => false, 'forbidden' => true];
        }
        $canact = $w['status'] === 409 || ($w['status'] === 200 && !empty($w['data']['can_act']));
        $jobs = $this->api->history($courseid, 'enrol.');
        foreach ($jobs as &$job) {
            $job['hasreport'] = $job['finished'] && !$job['failed'];
        }
        return ['ok' => true, 'canact' => $canact, 'jobs' => $jobs, 'hasjobs' => !empty($jobs)];
    }

    /**
     * What the domain lets the form offer: creating unknown people or not, and the login methods of the created
     * accounts (the first is the domain's default).
     *
     * @param int $courseid Course id.
     * @return array ['cancreate' => bool, 'auths' => string[]]; nothing to create when the bridge does not answer.
     * @throws \local_bridge\bridge_client_exception
     */
    public function enrol_options(int $courseid): array {
        $r = $this->api->get("/api/v1/courses/$courseid/enrol/options");
        if ($r['status'] !== 200) {
            return ['cancreate' => false, 'auths' => []];
        }
        return ['cancreate' => !empty($r['data']['can_create']),
            'auths' => array_values(array_map('strval', (array)($r['data']['auths'] ?? [])))];
    }

    /**
     * Dry run of a file: every row with its outcome, and the counts.
     *
     * @param int $courseid Course id.
     * @param string $csv File content.
     * @param array $options Plan options (role, group, unknown, sessions...).
     * @return array
     * @throws \local_bridge\bridge_client_exception
     */
    public function preview(int $courseid, string $csv, array $options = [], int $page = 0, int $perpage = 0,
            bool $problems = false): array {
        // The bridge pages the rows (and filters the problem rows) over the whole file; without a page size it
        // answers its first page.
        $query = self::options($options);
        if ($perpage > 0) {
            $query += ['page' => (string)($page + 1), 'per_page' => (string)$perpage];
        }
        if ($problems) {
            $query['problems'] = '1';
        }
        $r = $this->api->post("/api/v1/courses/$courseid/enrol/preview", $csv, $query);
        if ($r['status'] !== 200) {
            return ['ok' => false, 'status' => $r['status'], 'message' => (string)($r['data']['message'] ?? '')];
        }
        $labels = $r['data']['labels'] ?? [];
        $rows = [];
        $groups = [];
        foreach ($r['data']['rows'] ?? [] as $row) {
            $status = (string)$row['status'];
            $rows[] = [
                // Line 0: not a line of the file (someone absent from it, when removing the absent).
                'line' => (int)$row['line'] > 0 ? (string)(int)$row['line'] : '—',
                'email' => (string)($row['email'] ?? ''),
                'courseid' => (int)($row['course_id'] ?? 0),
                'name' => trim(($row['firstname'] ?? '') . ' ' . ($row['lastname'] ?? '')),
                'status' => $status,
                'label' => (string)($labels[$status] ?? $status),
                'problem' => !in_array($status, ['will_enrol', 'will_create', 'already_enrolled', 'will_add_groups'], true),
                // Why a row is a problem, as the bridge words it (its reasons in the user's language otherwise).
                'detail' => (string)($row['detail'] ?? implode(', ', array_map(function($code) use ($r) {
                    return (string)($r['data']['reasons'][$code] ?? $code);
                }, $row['reasons'] ?? []))),
            ];
            foreach ($row['new_groups'] ?? [] as $g) {
                $groups[(string)$g] = ($groups[(string)$g] ?? 0) + 1;
            }
        }
        $counts = [];
        foreach ($r['data']['counts']['by_status'] ?? [] as $status => $n) {
            $counts[] = ['status' => $status, 'label' => (string)($labels[$status] ?? $status), 'count' => (int)$n];
        }
        // The bridge counts each group's people over the whole file (bridges before 0.3 did not: count this page).
        if (isset($r['data']['groups']) && is_array($r['data']['groups'])) {
            $groups = $r['data']['groups'];
        }
        $grouplist = [];
        foreach ($groups as $name => $n) {
            $grouplist[] = ['name' => $name, 'count' => $n];
        }
        return ['ok' => true, 'rows' => $rows, 'counts' => $counts, 'groups' => $grouplist,
            'total' => (int)($r['data']['counts']['total'] ?? 0),
            // The rows the pages go through: every row, or the problem rows when filtered.
            'totalrows' => (int)($r['data']['total_rows'] ?? count($rows)),
            'filtered' => !empty($r['data']['problems_only']), 'createauth' => (string)($r['data']['create_auth'] ?? '')];
    }

    /**
     * Applies a previewed file as a job.
     *
     * @param int $courseid Course id.
     * @param string $csv File content.
     * @param array $options Same options as the preview.
     * @return array ['status' => int, 'jobid' => int]
     * @throws \local_bridge\bridge_client_exception
     */
    public function apply(int $courseid, string $csv, array $options = []): array {
        $r = $this->api->post("/api/v1/courses/$courseid/enrol/apply", $csv, self::options($options));
        return ['status' => $r['status'], 'jobid' => (int)($r['data']['job_id'] ?? 0)];
    }

    /**
     * The report of an applied file, as CSV.
     *
     * @param int $courseid Course id.
     * @param int $jobid The apply job.
     * @return array ['status' => int, 'type' => string, 'body' => string]
     * @throws \local_bridge\bridge_client_exception
     */
    public function report(int $courseid, int $jobid): array {
        return $this->api->download('GET', "/api/v1/courses/$courseid/enrol/reports/$jobid");
    }

    /**
     * Keeps the known options, as strings.
     *
     * @param array $options Raw options.
     * @return array
     */
    private static function options(array $options): array {
        $out = [];
        foreach (self::OPTIONS as $name) {
            if (isset($options[$name]) && (string)$options[$name] !== '') {
                $out[$name] = (string)$options[$name];
            }
        }
        return $out;
    }
}
