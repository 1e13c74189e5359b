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
 * Data of block_bridge_offer, read from the bridge daemon.
 *
 * @package    block_bridge_offer
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

namespace block_bridge_offer\local;

use local_bridge\api_session;
use local_bridge\bridge_client;

/**
 * The national offer: search, request a parcours, and the gestionnaires' decisions.
 * Plain PHP: tested against a running daemon without Moodle.
 */
class data_source {
    /** Template flags and the block capability each one reflects (read by local_bridge's bridge_block). */
    public const CAPABILITY_FLAGS = ['canrequest' => 'request', 'canapprove' => 'approve'];

    /** @var api_session */
    private $api;
    /** @var bridge_client signed client, for the verbs api_session does not offer (DELETE) */
    private $client;
    /** @var int acting Moodle user id */
    private $userid;

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
        $this->client = $client;
        $this->userid = $userid;
    }

    /** Results per page of the offer's search page. */
    public const PER_PAGE = 10;

    /** Announced total durations the search filters on: key => [min, max] minutes (0: no bound). */
    public const DURATIONS = ['upto3h' => [0, 180], 'upto6h' => [181, 360], 'upto12h' => [361, 720], 'over12h' => [721, 0]];

    /**
     * The block's data: the search form, the pending requests (for gestionnaires), this user's requests, the digest
     * subscription and the deployments this user started.
     *
     * @param int $courseid Course holding the block.
     * @param int[] $jobids Unused (kept for callers of the former signature).
     * @param string $query Search text.
     * @return array
     * @throws \local_bridge\bridge_client_exception
     */
    public function fetch(int $courseid, array $jobids = [], string $query = ''): array {
        $r = $this->api->get('/api/v1/offer', ['kind' => 'parcours', 'q' => $query, 'limit' => 1]);
        if ($r['status'] !== 200) {
            return ['ok' => false, 'status' => $r['status'], 'unavailable' => $r['status'] === 501];
        }
        $data = ['ok' => true, 'query' => $query, 'total' => (int)($r['data']['total'] ?? 0),
            'jobs' => $this->api->history(0, 'offer.')];
        $data['requests'] = $this->pending($courseid);
        $data['hasrequests'] = !empty($data['requests']);
        $data['pendingcount'] = count($data['requests']);
        $data['mine'] = $this->mine();
        $data['hasmine'] = !empty($data['mine']);
        // The weekly digest of new offers: only shown when the bridge tells this user's state.
        $digest = $this->api->get('/api/v1/offer/digest');
        if ($digest['status'] === 200 && is_array($digest['data'])) {
            $data['digest'] = ['subscribed' => !empty($digest['data']['subscribed'])];
        }
        return $data;
    }

    /**
     * One page of the offer of parcours, with the values each filter offers.
     *
     * @param array $filters q, origin, collection, public, duration (a DURATIONS key).
     * @param int $page 0-based page.
     * @return array ['ok' => bool, 'total', 'offers' => [...], 'facets' => [...]]
     * @throws \local_bridge\bridge_client_exception
     */
    public function search(array $filters, int $page): array {
        $query = ['kind' => 'parcours', 'limit' => self::PER_PAGE, 'page' => $page + 1];
        foreach (['q', 'origin', 'collection', 'public'] as $name) {
            if (($filters[$name] ?? '') !== '') {
                $query[$name] = (string)$filters[$name];
            }
        }
        [$min, $max] = self::DURATIONS[$filters['duration'] ?? ''] ?? [0, 0];
        $query += array_filter(['min_minutes' => $min, 'max_minutes' => $max]);
        $r = $this->api->get('/api/v1/offer', $query);
        if ($r['status'] !== 200) {
            return ['ok' => false, 'status' => $r['status']];
        }
        $offers = array_map([self::class, 'offer_view'], $r['data']['offers'] ?? []);
        return ['ok' => true, 'total' => (int)($r['data']['total'] ?? 0), 'offers' => $offers,
            'facets' => (array)($r['data']['facets'] ?? [])];
    }

    /**
     * One entry of the offer, and this user's request for it that still waits, if any.
     *
     * @param int $offerid Offer id.
     * @return array ['ok' => bool, 'offer' => [...], 'request' => [...]|null, 'status' => int]
     * @throws \local_bridge\bridge_client_exception
     */
    public function detail(int $offerid): array {
        $r = $this->api->get("/api/v1/offer/$offerid");
        if ($r['status'] !== 200 || !is_array($r['data']['offer'] ?? null)) {
            return ['ok' => false, 'status' => $r['status']];
        }
        $request = $r['data']['request'] ?? null;
        return ['ok' => true, 'offer' => self::offer_view($r['data']['offer']),
            'request' => is_array($request) ? self::request_view($request) : null];
    }

    /**
     * An entry of the offer for a template: durations as people say them, never "540 min".
     *
     * @param array $o The bridge's entry.
     * @return array
     */
    public static function offer_view(array $o): array {
        $remote = (int)($o['remote_minutes'] ?? 0);
        $inperson = (int)($o['inperson_minutes'] ?? 0);
        $publics = array_values(array_filter(array_map('strval', (array)($o['publics'] ?? []))));
        $keywords = array_values(array_filter(array_map('strval', (array)($o['keywords'] ?? []))));
        return ['id' => (int)$o['id'], 'title' => (string)($o['title'] ?? ''), 'summary' => (string)($o['summary'] ?? ''),
            'origin' => (string)($o['origin'] ?? ''), 'collection' => (string)($o['collection'] ?? ''),
            'publics' => implode(', ', $publics), 'keywords' => implode(', ', $keywords),
            'minutes' => $remote + $inperson, 'duration' => self::duration($remote + $inperson),
            'remote' => self::duration($remote), 'inperson' => self::duration($inperson),
            'demourl' => (string)($o['demo_url'] ?? ''), 'publishedat' => (string)($o['published_at'] ?? ''),
            'version' => (int)($o['version'] ?? 0)];
    }

    /**
     * A request for a template: its state as a lang string key (requeststate: requeststate_*), and who asked, by Moodle user id.
     *
     * @param array $q The bridge's request.
     * @return array
     */
    public static function request_view(array $q): array {
        $state = (string)($q['state'] ?? 'requested');
        $states = ['requested', 'approved', 'rejected', 'deployed', 'failed'];
        // The bridge names the requester "moodle:<domain>:user:<id>" in its audit: the block shows their Moodle name.
        $by = (string)($q['requested_by'] ?? '');
        $byuserid = (int)($q['requester_user_id'] ?? 0);
        if ($byuserid === 0 && preg_match('/:user:(\d+)$/', $by, $m)) {
            $byuserid = (int)$m[1];
        }
        return ['id' => (int)$q['id'], 'offerid' => (int)($q['offer_id'] ?? 0), 'name' => (string)($q['name'] ?? ''),
            'shortname' => (string)($q['shortname'] ?? ''), 'byuserid' => $byuserid,
            'requeststate' => 'requeststate_' . (in_array($state, $states, true) ? $state : 'requested'),
            'rejected' => $state === 'rejected', 'deployed' => $state === 'deployed', 'waiting' => $state === 'requested',
            'reason' => $state === 'rejected' ? (string)($q['reason'] ?? '') : '',
            'resultcourseid' => $state === 'deployed' ? (int)($q['course_id'] ?? 0) : 0,
            'createdat' => (string)($q['created_at'] ?? '')];
    }

    /**
     * The domain's requests waiting for a decision; the bridge answers 403 to anyone but the course's managers.
     *
     * @param int $courseid Course holding the block (where the manager role is checked).
     * @return array[]
     * @throws \local_bridge\bridge_client_exception
     */
    public function pending(int $courseid): array {
        $req = $this->api->get("/api/v1/courses/$courseid/offer/requests");
        if ($req['status'] !== 200) {
            return [];
        }
        return array_map([self::class, 'request_view'], $req['data']['requests'] ?? []);
    }

    /**
     * The deployments (and shares) this user started, as the bridge keeps them.
     *
     * @return array[]
     * @throws \local_bridge\bridge_client_exception
     */
    public function jobs(): array {
        return $this->api->history(0, 'offer.');
    }

    /**
     * This user's own requests and what became of them.
     *
     * @return array[]
     * @throws \local_bridge\bridge_client_exception
     */
    public function mine(): array {
        $r = $this->api->get('/api/v1/offer/requests');
        if ($r['status'] !== 200) {
            return [];
        }
        return array_map([self::class, 'request_view'], $r['data']['requests'] ?? []);
    }

    /**
     * A duration in minutes as people say it: "9 h", "1 h 30", "45 min" (no unit translation needed in French or English).
     *
     * @param int $minutes Minutes.
     * @return string Empty for zero.
     */
    public static function duration(int $minutes): string {
        if ($minutes <= 0) {
            return '';
        }
        $h = intdiv($minutes, 60);
        $m = $minutes % 60;
        if ($h === 0) {
            return $m . ' min';
        }
        return $m === 0 ? $h . ' h' : sprintf('%d h %02d', $h, $m);
    }

    /**
     * Requests a parcours for this domain.
     *
     * @param int $offerid Offer id.
     * @param string $name Course name wanted.
     * @param string $shortname Short name wanted.
     * @return array ['status' => int, 'data' => array|null]
     * @throws \local_bridge\bridge_client_exception
     */
    public function request(int $offerid, string $name, string $shortname): array {
        return $this->api->post("/api/v1/offer/$offerid/request", ['name' => $name, 'shortname' => $shortname]);
    }

    /**
     * Approves or rejects a request.
     *
     * @param int $courseid Course holding the block (where the manager role is checked).
     * @param int $requestid Request id.
     * @param bool $approve Approve (deploys as a job) or reject.
     * @param string $reason Reason, shown to the requester.
     * @return array ['status' => int, 'data' => array|null]
     * @throws \local_bridge\bridge_client_exception
     */
    public function decide(int $courseid, int $requestid, bool $approve, string $reason): array {
        $decision = $approve ? 'approve' : 'reject';
        return $this->api->post("/api/v1/courses/$courseid/offer/requests/$requestid/$decision", ['reason' => $reason]);
    }

    /**
     * Subscribes the acting user to the weekly digest of new offers, or unsubscribes them.
     *
     * @param bool $subscribe True to receive the digest, false to stop it.
     * @return array ['status' => int, 'data' => array|null]
     * @throws \local_bridge\bridge_client_exception
     */
    public function digest(bool $subscribe): array {
        if ($subscribe) {
            return $this->api->post('/api/v1/offer/digest', []);
        }
        return $this->client->request('DELETE', '/api/v1/offer/digest', ['lang' => $this->api->lang()], null, $this->userid);
    }
}
