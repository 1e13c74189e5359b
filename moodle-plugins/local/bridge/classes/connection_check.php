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
 * "Tester la connexion": tells apart why the bridge cannot be used from this site.
 *
 * @package    local_bridge
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

namespace local_bridge;

/**
 * Probes the daemon the way a block would, one question at a time: is it there (unsigned /healthz), does it know
 * this domain (/readyz?domain=), do the clocks agree (its Date header; signatures older than five minutes are
 * refused), and does it accept this site's signature (a signed request). Plain PHP: no Moodle needed.
 */
class connection_check {
    /** Signed requests are refused beyond this clock difference (the daemon's default is 300 s). */
    public const MAX_SKEW = 240;

    /**
     * Runs the checks.
     *
     * @param string $baseurl Bridge URL.
     * @param string $domain This site's domain name at the bridge.
     * @param string $secret Shared secret.
     * @param int $timeout Seconds.
     * @return array ['code' => ok|notconfigured|unreachable|unknowndomain|clockskew|wrongsecret, 'skew' => seconds]
     */
    public static function run(string $baseurl, string $domain, string $secret, int $timeout = 10): array {
        try {
            $client = new bridge_client($baseurl, $domain, $secret, max(1, $timeout));
        } catch (\InvalidArgumentException $e) {
            return ['code' => 'notconfigured', 'skew' => 0];
        }
        $base = rtrim($baseurl, '/');
        $health = self::get($base . '/healthz', $timeout);
        if ($health === null) {
            return ['code' => 'unreachable', 'skew' => 0];
        }
        $skew = $health['date'] > 0 ? time() - $health['date'] : 0;
        $ready = self::get($base . '/readyz?domain=' . rawurlencode($domain), $timeout);
        if ($ready !== null && $ready['status'] === 404) {
            return ['code' => 'unknowndomain', 'skew' => $skew];
        }
        if (abs($skew) > self::MAX_SKEW) {
            return ['code' => 'clockskew', 'skew' => $skew];
        }
        try {
            $r = $client->request('GET', '/api/v1/jobs', ['limit' => 1], null, 0);
        } catch (bridge_client_exception $e) {
            return ['code' => 'unreachable', 'skew' => $skew];
        }
        // The site's own identity may not list jobs (403): the signature was accepted all the same.
        if ($r['status'] === 401) {
            return ['code' => 'wrongsecret', 'skew' => $skew];
        }
        return ['code' => 'ok', 'skew' => $skew];
    }

    /**
     * An unsigned GET: status and the Date header as a timestamp, null when nothing answers.
     *
     * @param string $url URL.
     * @param int $timeout Seconds.
     * @return array|null ['status' => int, 'date' => int]
     */
    private static function get(string $url, int $timeout): ?array {
        $context = stream_context_create(['http' => ['method' => 'GET', 'timeout' => max(1, $timeout),
            'ignore_errors' => true, 'follow_location' => 0, 'header' => "Connection: close\r\n"]]);
        $body = @file_get_contents($url, false, $context);
        $headers = function_exists('http_get_last_response_headers')
            ? (http_get_last_response_headers() ?? []) : ($http_response_header ?? []);
        if ($body === false || !$headers || !preg_match('{^HTTP/\S+\s+(\d{3})}', $headers[0], $m)) {
            return null;
        }
        $date = 0;
        foreach ($headers as $line) {
            if (stripos($line, 'date:') === 0) {
                $date = (int)strtotime(trim(substr($line, 5)));
            }
        }
        return ['status' => (int)$m[1], 'date' => $date];
    }
}
