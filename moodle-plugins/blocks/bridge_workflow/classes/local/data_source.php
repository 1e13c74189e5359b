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
 * Data of block_bridge_workflow, read from the bridge daemon.
 *
 * @package    block_bridge_workflow
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

namespace block_bridge_workflow\local;

use local_bridge\api_session;
use local_bridge\bridge_client;

/**
 * The course's lifecycle state, the transitions this user may run, and the jobs they started.
 * Plain PHP: tested against a running daemon without Moodle.
 */
class data_source {
    /** Template flags and the block capability each one reflects (read by local_bridge's bridge_block). */
    public const CAPABILITY_FLAGS = ['canmanage' => 'manage', 'canunarchive' => 'unarchive'];

    /** Transitions that take a name and a short name. */
    private const NAMED = ['create-parcours', 'duplicate'];

    /** Transitions that ask for a confirmation first. */
    public const CONFIRM = ['trash', 'archive'];

    /** Transitions the block knows a label for; any other one the bridge offers is not shown. */
    public const KNOWN = ['create-parcours', 'duplicate', 'demonstrate', 'create-sessions', 'open', 'open-self-enrolment',
        'trash', 'restore', 'set-metadata', 'archive', 'unarchive'];

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
     * @param int[] $jobids Jobs this user started here.
     * @return array
     * @throws \local_bridge\bridge_client_exception
     */
    public function fetch(int $courseid, array $jobids = []): array {
        $r = $this->api->get("/api/v1/courses/$courseid/workflow");
        if ($r['status'] !== 200) {
            // A 409 says why the bridge will not handle this course (outside the lifecycle's categories, domain
            // not bootstrapped): show that reason rather than "not available".
            $refusal = $r['status'] === 409 ? (string)($r['data']['refusal'][$this->api->lang()] ?? '') : '';
            return ['ok' => false, 'status' => $r['status'], 'forbidden' => $r['status'] === 403, 'refusal' => $refusal];
        }
        $v = $r['data'];
        $lang = $this->api->lang();
        $allowed = [];
        $refused = [];
        foreach ($v['options'] ?? [] as $o) {
            if (!in_array($o['transition'] ?? '', self::KNOWN, true)) {
                continue;
            }
            $item = self::item((string)$o['transition']);
            if (!empty($o['allowed'])) {
                $allowed[] = $item;
            } else {
                $item['reason'] = (string)($o['refusal'][$lang] ?? '');
                $refused[] = $item;
            }
        }
        return [
            'ok' => true,
            'state' => (string)$v['state'],
            'label' => (string)$v['label'],
            'canact' => !empty($v['can_act']),
            'allowed' => $allowed,
            'hasallowed' => !empty($allowed) && !empty($v['can_act']),
            'refused' => $refused,
            'jobs' => $this->jobs($courseid),
        ];
    }

    /**
     * This user's recent jobs on the course: its transitions, and its archiving (package archive's jobs).
     *
     * @param int $courseid Course id.
     * @return array[] Newest first, at most 5.
     * @throws \local_bridge\bridge_client_exception
     */
    private function jobs(int $courseid): array {
        $jobs = array_merge($this->api->history($courseid, 'workflow.'), $this->api->history($courseid, 'archive.'));
        usort($jobs, function(array $a, array $b): int {
            return $b['id'] <=> $a['id'];
        });
        return array_slice($jobs, 0, 5);
    }

    /**
     * Template data of one transition: its lang string key (tr_<transition>, hyphens as underscores) and
     * which fields its form needs.
     *
     * @param string $transition e.g. set-metadata.
     * @return array
     */
    public static function item(string $transition): array {
        return [
            'transition' => $transition,
            'key' => 'tr_' . str_replace('-', '_', $transition),
            'named' => in_array($transition, self::NAMED, true),
            'sessions' => $transition === 'create-sessions',
            'metadata' => $transition === 'set-metadata',
            'confirm' => in_array($transition, self::CONFIRM, true),
        ];
    }

    /**
     * What creating sessions with these parameters would give, before anything is made: the number of sessions
     * and the calendar warnings (the bridge runs the same check as create-sessions).
     *
     * @param int $courseid Parcours course id.
     * @param array $params name, start, end, participants, max.
     * @return array ['status' => int, 'sessions' => int, 'warnings' => string[], 'refusal' => string]
     * @throws \local_bridge\bridge_client_exception
     */
    public function preview_sessions(int $courseid, array $params): array {
        $r = $this->api->post("/api/v1/courses/$courseid/sessions/preview", $params);
        $lang = $this->api->lang();
        $warnings = [];
        foreach ($r['data']['warnings'] ?? [] as $w) {
            $warnings[] = (string)($w[$lang] ?? $w['code'] ?? '');
        }
        return [
            'status' => $r['status'],
            'sessions' => (int)($r['data']['sessions'] ?? 0),
            'warnings' => $warnings,
            'refusal' => (string)($r['data']['refusal'][$lang] ?? ''),
        ];
    }

    /**
     * Asks for a transition; the bridge runs it as a job.
     *
     * @param int $courseid Course id.
     * @param string $transition e.g. open, trash, create-sessions.
     * @param array $params Transition parameters (name, shortname, start, end, participants, max...).
     * @return array ['status' => int, 'jobid' => int, 'refusal' => string, 'warnings' => string[]]
     * @throws \local_bridge\bridge_client_exception
     */
    public function transition(int $courseid, string $transition, array $params): array {
        $path = $transition === 'create-sessions' ? "/api/v1/courses/$courseid/sessions"
            : "/api/v1/courses/$courseid/workflow/" . rawurlencode($transition);
        $r = $this->api->post($path, $params);
        $lang = $this->api->lang();
        $warnings = [];
        foreach ($r['data']['warnings'] ?? [] as $w) {
            $warnings[] = (string)($w[$lang] ?? $w['code'] ?? '');
        }
        return [
            'status' => $r['status'],
            'jobid' => (int)($r['data']['job_id'] ?? 0),
            'refusal' => (string)($r['data']['refusal'][$lang] ?? ''),
            'warnings' => $warnings,
        ];
    }
}
