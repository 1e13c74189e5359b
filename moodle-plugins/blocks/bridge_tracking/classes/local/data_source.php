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
 * Data of block_bridge_tracking, read from the bridge daemon.
 *
 * @package    block_bridge_tracking
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

namespace block_bridge_tracking\local;

use local_bridge\api_session;
use local_bridge\bridge_client;

/**
 * Participants' follow-up: aggregates for everyone allowed, the per-participant table
 * (progress and last access, never time spent) for formateurs, "Formation terminée" and
 * certificates. Plain PHP: tested against a running daemon without Moodle.
 */
class data_source {
    /** Template flags and the block capability each one reflects (read by local_bridge's bridge_block). */
    public const CAPABILITY_FLAGS = ['canattendance' => 'attendance', 'cancertificates' => 'certificates'];

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
     * Template data for a course.
     *
     * @param int $courseid Course id.
     * @param int[] $jobids Unused (the block starts no long job).
     * @return array
     * @throws \local_bridge\bridge_client_exception
     */
    public function fetch(int $courseid, array $jobids = []): array {
        $stats = $this->api->get("/api/v1/courses/$courseid/stats");
        if ($stats['status'] !== 200) {
            return ['ok' => false, 'status' => $stats['status'], 'forbidden' => $stats['status'] === 403,
                'unavailable' => $stats['status'] === 501];
        }
        // The bridge answers {"stats": {enrolled, connected, completed, attended...}, "buckets": [{label, count}]}.
        $data = ['ok' => true, 'stats' => $stats['data']['stats'] ?? [], 'participants' => [], 'hasparticipants' => false,
            'chart' => self::chart($stats['data']['buckets'] ?? [])];
        // The table is nominative: the bridge answers 403 to anyone but formateurs and managers.
        $progress = $this->api->get("/api/v1/courses/$courseid/progress");
        if ($progress['status'] === 200) {
            foreach ($progress['data']['participants'] ?? [] as $p) {
                $data['participants'][] = [
                    'id' => (int)($p['user_id'] ?? $p['id'] ?? 0),
                    'name' => (string)($p['fullname'] ?? ''),
                    'percent' => (int)($p['percent'] ?? 0),
                    'lastaccess' => (int)($p['last_access'] ?? $p['lastaccess'] ?? 0),
                    'done' => !empty($p['attended'] ?? $p['done'] ?? false),
                ];
            }
            $data['hasparticipants'] = !empty($data['participants']);
            $data['cannames'] = true;
        }
        return $data;
    }

    /** Progress buckets, as the bridge counts them (tracking.BucketLabels). */
    private const BUCKETS = ['0 %', '1-25 %', '26-50 %', '51-75 %', '76-99 %', '100 %'];

    /**
     * A small bar chart of the progress buckets: label, count and bar height in percent of the largest.
     *
     * @param array $buckets Counts, or {label, count} objects, in the bridge's bucket order.
     * @return array
     */
    public static function chart(array $buckets): array {
        $counts = [];
        foreach (array_values($buckets) as $i => $b) {
            $counts[$i] = (int)(is_array($b) ? ($b['count'] ?? 0) : $b);
        }
        $max = max(1, ...($counts ?: [0]));
        $out = [];
        foreach (self::BUCKETS as $i => $label) {
            $n = $counts[$i] ?? 0;
            $out[] = ['label' => $label, 'count' => $n, 'height' => (int)round(100 * $n / $max)];
        }
        return $out;
    }

    /**
     * Records (or undoes) "Formation terminée" for participants.
     *
     * @param int $courseid Course id.
     * @param int[] $userids Participants.
     * @param bool $done True to mark, false to undo.
     * @return array ['status' => int, 'data' => array|null]
     * @throws \local_bridge\bridge_client_exception
     */
    public function attendance(int $courseid, array $userids, bool $done): array {
        return $this->api->post("/api/v1/courses/$courseid/attendance",
            ['user_ids' => array_map('intval', $userids), 'done' => $done]);
    }

    /** How long certificates() waits for the bridge's job, in seconds. */
    public const CERTIFICATES_WAIT = 120;

    /**
     * Attendance certificates of participants (PDF, or a zip for several): the bridge renders them
     * as a job; this submits it, polls it, then fetches its file.
     *
     * @param int $courseid Course id.
     * @param int[] $userids Participants.
     * @return array ['status' => int, 'type' => string, 'body' => string]; status 404 when none of them
     *     is marked "Formation terminée", 504 when the job did not finish in CERTIFICATES_WAIT seconds.
     * @throws \local_bridge\bridge_client_exception
     */
    public function certificates(int $courseid, array $userids): array {
        $submitted = $this->api->post("/api/v1/courses/$courseid/certificate-jobs",
            ['user_ids' => array_map('intval', $userids)]);
        if ($submitted['status'] !== 202 || empty($submitted['data']['job_id'])) {
            return ['status' => $submitted['status'] === 202 ? 500 : $submitted['status'], 'type' => '', 'body' => ''];
        }
        $jobpath = '/api/v1/jobs/' . (int)$submitted['data']['job_id'];
        $deadline = microtime(true) + self::CERTIFICATES_WAIT;
        $wait = 50000; // Microseconds: a few PDFs take well under a second; then up to one poll a second.
        while (true) {
            $job = $this->api->get($jobpath);
            if ($job['status'] !== 200) {
                return ['status' => $job['status'], 'type' => '', 'body' => ''];
            }
            if (!empty($job['data']['finished'])) {
                break;
            }
            if (microtime(true) > $deadline) {
                return ['status' => 504, 'type' => '', 'body' => ''];
            }
            usleep($wait);
            $wait = min(2 * $wait, 1000000);
        }
        if (($job['data']['state'] ?? '') !== 'succeeded') {
            return ['status' => 500, 'type' => '', 'body' => ''];
        }
        $name = (string)($job['data']['result']['download'] ?? '');
        if ($name === '') {
            return ['status' => 404, 'type' => '', 'body' => ''];
        }
        return $this->api->download('GET', $jobpath . '/files/' . rawurlencode($name));
    }
}
