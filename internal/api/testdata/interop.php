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

// Interop driver for internal/api/sign_interop_test.go: calls the Go verifier with
// local_bridge\bridge_client and prints every outcome as one JSON object.
// Usage: php interop.php <classes dir> <base url> <domain> <secret>

[$script, $classes, $baseurl, $domain, $secret] = $argv;
require_once($classes . '/signer.php');
require_once($classes . '/bridge_client_exception.php');
require_once($classes . '/bridge_client.php');

use local_bridge\bridge_client;

$client = new bridge_client($baseurl, $domain, $secret, 5);
$body = json_encode(['courseid' => 7, 'name' => 'Parcours é'], JSON_UNESCAPED_UNICODE);
$query = ['kind' => 'backup', 'note' => 'a b/é'];
$out = [];

$out['ok'] = $client->request('POST', '/api/v1/echo', $query, $body, 42);
$out['get'] = $client->request('GET', '/api/v1/echo');

$p = $client->prepare('POST', '/api/v1/echo', $query, $body, 42);
$p['body'] = str_replace('7', '8', $p['body']);
$out['tampered_body'] = $client->send($p);

$p = $client->prepare('POST', '/api/v1/echo', $query, $body, 42);
$p['url'] = str_replace('backup', 'restore', $p['url']);
$out['tampered_query'] = $client->send($p);

$client->set_clock(function () {
    return time() - 3600;
});
$out['stale'] = $client->request('POST', '/api/v1/echo', [], $body, 42);
$client->set_clock(function () {
    return time() + 3600;
});
$out['future'] = $client->request('POST', '/api/v1/echo', [], $body, 42);
$client->set_clock(null);

$fixed = bin2hex(random_bytes(16));
$client->set_nonce_source(function () use ($fixed) {
    return $fixed;
});
$out['replay_first'] = $client->request('GET', '/api/v1/echo', [], null, 1);
$out['replay'] = $client->request('GET', '/api/v1/echo', [], null, 1);

$out['wrong_secret'] = (new bridge_client($baseurl, $domain, $secret . 'x', 5))->request('GET', '/api/v1/echo');
$out['other_domain_secret'] = (new bridge_client($baseurl, $domain, 'other-secret', 5))->request('GET', '/api/v1/echo');

echo json_encode($out, JSON_UNESCAPED_UNICODE), "\n";
