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
 * What the bridge blocks share: signed calls for one user, job progress, downloads.
 *
 * @package    local_bridge
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

namespace local_bridge;

/**
 * Calls the bridge as one Moodle user. Plain PHP (no Moodle needed), so the blocks' data
 * sources built on it can be tested against a running daemon.
 *
 * The daemon decides what this user may see from their roles in Moodle; a status other
 * than 2xx is returned, not thrown, so a block can say "not allowed" or "unavailable".
 */
class api_session {
    /** @var bridge_client */
    private $client;
    /** @var int acting Moodle user id */
    private $userid;
    /** @var string 'fr' or 'en' */
    private $lang;
    /** @var bool the user manages the course from the site or its category */
    private $sitemanager;

    /**
     * Constructor.
     *
     * @param bridge_client $client Signed client of this site.
     * @param int $userid Acting Moodle user id.
     * @param string $lang Moodle language code; 'en*' gives English, anything else French.
     * @param bool $sitemanager The user manages the course from above it (site administrator, manager at category
     *     level), which their course enrolments cannot show: every request then carries the signed query parameter
     *     acting_as=manager, and the bridge treats them as the course's manager.
     */
    public function __construct(bridge_client $client, int $userid, string $lang = 'fr', bool $sitemanager = false) {
        $this->client = $client;
        $this->userid = $userid;
        $this->lang = strpos($lang, 'en') === 0 ? 'en' : 'fr';
        $this->sitemanager = $sitemanager && $userid > 0;
    }

    /**
     * Query parameters every request carries.
     *
     * @return array
     */
    private function common(): array {
        if (!$this->sitemanager) {
            return ['lang' => $this->lang];
        }
        return ['lang' => $this->lang, 'acting_as' => $this->sitelevel() ? 'site' : 'manager'];
    }

    /**
     * Whether the user manages the whole site (administrator, or category manager at system level): only they
     * may decide the domain's offer requests (acting_as=site); a category manager is a manager of its courses.
     *
     * @return bool
     */
    private function sitelevel(): bool {
        if (!function_exists('is_siteadmin')) {
            return false; // Outside Moodle (standalone tools): never claim more than the caller said.
        }
        return is_siteadmin($this->userid)
            || has_capability('moodle/category:manage', \context_system::instance(), $this->userid);
    }

    /**
     * The language answers are asked in ('fr' or 'en').
     *
     * @return string
     */
    public function lang(): string {
        return $this->lang;
    }

    /**
     * GET a JSON route.
     *
     * @param string $path API path, e.g. /api/v1/courses/3/workflow.
     * @param array $query Query parameters.
     * @return array ['status' => int, 'data' => array|null]
     * @throws bridge_client_exception when the daemon is unreachable.
     */
    public function get(string $path, array $query = []): array {
        return $this->client->request('GET', $path, $query + $this->common(), null, $this->userid);
    }

    /**
     * POST a JSON body (an array) or a raw body (a string, e.g. a CSV file).
     *
     * @param string $path API path.
     * @param array|string $body Body.
     * @param array $query Query parameters.
     * @return array ['status' => int, 'data' => array|null]
     * @throws bridge_client_exception
     */
    public function post(string $path, $body, array $query = []): array {
        $raw = is_string($body) ? $body : json_encode((object)$body, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
        return $this->client->request('POST', $path, $query + $this->common(), $raw, $this->userid);
    }

    /** Job kinds with a label (local_bridge's jobkind_* strings); any other one reads jobkind_other. */
    public const JOB_KINDS = ['workflow.create-parcours', 'workflow.duplicate', 'workflow.demonstrate', 'workflow.create-sessions',
        'workflow.open', 'workflow.open-self-enrolment', 'workflow.trash', 'workflow.restore', 'workflow.set-metadata',
        'enrol.apply', 'offer.deploy', 'offer.share', 'archive.course', 'archive.unarchive', 'tracking.sync',
        'tracking.certificates'];

    /** Job states with a label (local_bridge's jobstate_* strings). */
    public const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

    /**
     * Progress of jobs for a template: id, state, percent, finished, failed, and the lang string keys
     * of its kind and state (kindkey, statekey, in local_bridge).
     *
     * @param int[] $jobids Job ids.
     * @return array[]
     * @throws bridge_client_exception
     */
    public function jobs(array $jobids): array {
        $out = [];
        foreach ($jobids as $id) {
            $r = $this->get('/api/v1/jobs/' . (int)$id);
            if ($r['status'] !== 200 || !is_array($r['data'])) {
                continue;
            }
            $out[] = self::job_view($r['data']);
        }
        return $out;
    }

    /**
     * This user's recent jobs, as the bridge keeps them (not the Moodle session), newest first.
     *
     * @param int $courseid Only this course's jobs (0: any course).
     * @param string $kind Kind prefix, e.g. "workflow." or "enrol.".
     * @param int $limit At most this many.
     * @return array[] Same shape as jobs().
     * @throws bridge_client_exception
     */
    public function history(int $courseid, string $kind, int $limit = 5): array {
        $query = ['kind' => $kind, 'limit' => $limit] + ($courseid > 0 ? ['course' => $courseid] : []);
        $r = $this->get('/api/v1/jobs', $query);
        if ($r['status'] !== 200 || !is_array($r['data']['jobs'] ?? null)) {
            return [];
        }
        return array_map([self::class, 'job_view'], $r['data']['jobs']);
    }

    /**
     * One job for a template.
     *
     * @param array $j The bridge's job status.
     * @return array
     */
    private static function job_view(array $j): array {
        $total = (int)($j['total'] ?? 0);
        $kind = (string)$j['kind'];
        $state = (string)$j['state'];
        return [
            'kindkey' => 'jobkind_' . (in_array($kind, self::JOB_KINDS, true) ? str_replace(['.', '-'], '_', $kind) : 'other'),
            'statekey' => 'jobstate_' . (in_array($state, self::JOB_STATES, true) ? $state : 'queued'),
            'running' => empty($j['finished']),
            'id' => (int)$j['id'],
            'kind' => $kind,
            'state' => $state,
            'message' => (string)($j['message'] ?? ''),
            'percent' => !empty($j['finished']) ? 100 : ($total > 0 ? (int)floor(100 * (int)$j['done'] / $total) : 0),
            'finished' => !empty($j['finished']),
            'failed' => $state === 'failed',
            // What the job made, when it made a course (a duplicate, a new parcours, a deployment).
            // (create-sessions makes several: the link opens the first one.)
            'resultcourseid' => (int)($j['result']['course_id'] ?? $j['result']['sessions'][0]['course_id'] ?? 0),
        ];
    }

    /**
     * Downloads a file route (CSV report, PDF certificates) without decoding it.
     *
     * @param string $method GET or POST.
     * @param string $path API path.
     * @param array $query Query parameters.
     * @param string|null $body Body.
     * @return array ['status' => int, 'type' => content type, 'body' => string]
     * @throws bridge_client_exception
     */
    public function download(string $method, string $path, array $query = [], ?string $body = null): array {
        $p = $this->client->prepare($method, $path, $query + $this->common(), $body, $this->userid);
        $headers = ['Connection: close'];
        foreach ($p['headers'] as $name => $value) {
            $headers[] = $name . ': ' . $value;
        }
        // Streams rather than curl: same code on every host, and never follows redirects.
        $context = stream_context_create(['http' => [
            'method' => $p['method'],
            'header' => implode("\r\n", $headers),
            'content' => $p['body'],
            'timeout' => 120,
            'ignore_errors' => true,
            'follow_location' => 0,
            'protocol_version' => 1.1,
        ]]);
        $raw = @file_get_contents($p['url'], false, $context);
        $responseheaders = function_exists('http_get_last_response_headers')
            ? (http_get_last_response_headers() ?? []) : ($http_response_header ?? []);
        if ($raw === false || !$responseheaders || !preg_match('{^HTTP/\S+\s+(\d{3})}', $responseheaders[0], $m)) {
            throw new bridge_client_exception('bridge unreachable for a download', true);
        }
        $status = (int)$m[1];
        $type = '';
        foreach ($responseheaders as $line) {
            if (stripos($line, 'content-type:') === 0) {
                $type = trim(substr($line, 13));
            }
        }
        return ['status' => $status, 'type' => $type, 'body' => (string)$raw];
    }
}
