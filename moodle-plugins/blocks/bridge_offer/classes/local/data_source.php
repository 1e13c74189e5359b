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

    /**
     * Template data: search results, the user's digest subscription and, for gestionnaires, the pending requests.
     *
     * @param int $courseid Course holding the block.
     * @param int[] $jobids Deployments this user started.
     * @param string $query Search text.
     * @return array
     * @throws \local_bridge\bridge_client_exception
     */
    public function fetch(int $courseid, array $jobids = [], string $query = ''): array {
        $r = $this->api->get('/api/v1/offer', ['q' => $query]);
        if ($r['status'] !== 200) {
            return ['ok' => false, 'status' => $r['status'], 'unavailable' => $r['status'] === 501];
        }
        $offers = [];
        foreach ($r['data']['offers'] ?? $r['data']['items'] ?? [] as $o) {
            // The bridge sends the announced duration in two parts (remote, in person), not a total.
            $minutes = (int)($o['total_minutes'] ?? ((int)($o['remote_minutes'] ?? 0) + (int)($o['inperson_minutes'] ?? 0)));
            $offers[] = ['id' => (int)$o['id'], 'title' => (string)($o['title'] ?? ''),
                'summary' => (string)($o['summary'] ?? ''), 'minutes' => $minutes, 'duration' => self::duration($minutes)];
        }
        $data = ['ok' => true, 'query' => $query, 'offers' => $offers, 'hasoffers' => !empty($offers),
            'requests' => [], 'jobs' => $this->api->history(0, 'offer.')];
        // Pending requests: the bridge answers 403 to anyone but the course's managers.
        $req = $this->api->get("/api/v1/courses/$courseid/offer/requests");
        if ($req['status'] === 200) {
            foreach ($req['data']['requests'] ?? [] as $q) {
                // The bridge names the requester "moodle:<domain>:user:<id>": the block shows their Moodle name.
                $by = (string)($q['requested_by'] ?? '');
                $data['requests'][] = ['id' => (int)$q['id'], 'name' => (string)($q['name'] ?? ''),
                    'by' => $by, 'byuserid' => preg_match('/:user:(\d+)$/', $by, $m) ? (int)$m[1] : 0];
            }
        }
        $data['hasrequests'] = !empty($data['requests']);
        // The weekly digest of new offers: only shown when the bridge tells this user's state.
        $digest = $this->api->get('/api/v1/offer/digest');
        if ($digest['status'] === 200 && is_array($digest['data'])) {
            $data['digest'] = ['subscribed' => !empty($digest['data']['subscribed'])];
        }
        return $data;
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
