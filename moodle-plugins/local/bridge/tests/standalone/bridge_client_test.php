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
 * Tests of local_bridge\bridge_client, without Moodle or network.
 *
 * @package    local_bridge
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

namespace local_bridge;

use PHPUnit\Framework\TestCase;

/**
 * Client tests with a recording fake transport.
 *
 * @covers \local_bridge\bridge_client
 */
final class bridge_client_test extends TestCase {
    /** @var array requests the fake transport received */
    private $sent = [];

    /**
     * A client whose transport records the request and answers $status/$body.
     *
     * @param int $status Status to answer.
     * @param string $body Body to answer.
     * @param string $baseurl Base URL.
     * @return bridge_client
     */
    private function client(int $status = 200, string $body = '{"ok":true}',
            string $baseurl = 'https://bridge.test/api/'): bridge_client {
        $client = new bridge_client($baseurl, 'ac-a', 'the-secret', 5);
        $transport = function (string $method, string $url, array $lines, string $payload, int $timeout) use ($status, $body) {
            $this->sent[] = compact('method', 'url', 'lines', 'payload', 'timeout');
            return [$status, $body];
        };
        $client->set_transport($transport);
        $client->set_clock(function () {
            return 1760000000;
        });
        $client->set_nonce_source(function () {
            return '00112233445566778899aabbccddeeff';
        });
        return $client;
    }

    /**
     * Headers as an array name => value from "Name: value" lines.
     *
     * @param array $lines Header lines.
     * @return array
     */
    private static function headers(array $lines): array {
        $headers = [];
        foreach ($lines as $line) {
            [$name, $value] = explode(': ', $line, 2);
            $headers[$name] = $value;
        }
        return $headers;
    }

    /**
     * The request carries the base path, the query, the body and a valid signature.
     */
    public function test_request_is_signed_over_the_uri_as_sent(): void {
        $result = $this->client()->request('post', '/v1/jobs', ['kind' => 'backup', 'n' => 'a b'], '{"courseid":7}', 42);
        $this->assertSame(['status' => 200, 'data' => ['ok' => true]], $result);
        $this->assertCount(1, $this->sent);
        $req = $this->sent[0];
        $this->assertSame('POST', $req['method']);
        $this->assertSame('https://bridge.test/api/v1/jobs?kind=backup&n=a%20b', $req['url']);
        $this->assertSame('{"courseid":7}', $req['payload']);
        $this->assertSame(5, $req['timeout']);
        $h = self::headers($req['lines']);
        $this->assertSame('ac-a', $h['X-Bridge-Domain']);
        $this->assertSame('42', $h['X-Bridge-User']);
        $this->assertSame('1760000000', $h['X-Bridge-Timestamp']);
        $this->assertSame('00112233445566778899aabbccddeeff', $h['X-Bridge-Nonce']);
        $this->assertSame('application/json', $h['Content-Type']);
        $canonical = "POST\n/api/v1/jobs?kind=backup&n=a%20b\n1760000000\n00112233445566778899aabbccddeeff\nac-a\n42\n"
            . hash('sha256', '{"courseid":7}');
        $this->assertSame(hash_hmac('sha256', $canonical, 'the-secret'), $h['X-Bridge-Signature']);
        foreach ($req['lines'] as $line) {
            $this->assertStringNotContainsString('the-secret', $line);
        }
    }

    /**
     * Without body nor query: no Content-Type, empty body hashed, bare path, user 0.
     */
    public function test_get_without_body(): void {
        $p = $this->client(200, '', 'http://127.0.0.1:8080')->prepare('GET', '/v1/offer');
        $this->assertSame('http://127.0.0.1:8080/v1/offer', $p['url']);
        $this->assertSame('/v1/offer', $p['uri']);
        $this->assertSame('', $p['body']);
        $this->assertArrayNotHasKey('Content-Type', $p['headers']);
        $this->assertSame('0', $p['headers']['X-Bridge-User']);
        $canonical = signer::canonical_string('GET', '/v1/offer', '1760000000', '00112233445566778899aabbccddeeff',
            'ac-a', '0', '');
        $this->assertSame(signer::signature('the-secret', $canonical), $p['headers']['X-Bridge-Signature']);
    }

    /**
     * Response handling: JSON decoded whatever the status; empty body is null.
     */
    public function test_response_handling(): void {
        $this->assertSame(['status' => 401, 'data' => ['error' => 'unauthorized']],
            $this->client(401, '{"error":"unauthorized"}')->request('GET', '/x'));
        $this->assertSame(['status' => 204, 'data' => null], $this->client(204, '')->request('GET', '/x'));
        $this->assertSame(['status' => 502, 'data' => null],
            $this->client(502, '<html>bad gateway</html>')->request('GET', '/x'));
        $this->assertTrue(bridge_client::is_retryable_status(503));
        $this->assertTrue(bridge_client::is_retryable_status(429));
        $this->assertFalse(bridge_client::is_retryable_status(401));
        $this->assertFalse(bridge_client::is_retryable_status(200));
    }

    /**
     * A 2xx answer that is not JSON is a permanent error.
     */
    public function test_non_json_success_throws(): void {
        try {
            $this->client(200, '<html>proxy login</html>')->request('GET', '/x');
            $this->fail('expected an exception');
        } catch (bridge_client_exception $e) {
            $this->assertFalse($e->is_retryable());
            $this->assertStringContainsString('200', $e->getMessage());
        }
    }

    /**
     * An unreachable daemon is a retryable error that names no secret.
     */
    public function test_unreachable_is_retryable(): void {
        // Port 9 (discard) on localhost is closed in test environments: connection refused, fast.
        $client = new bridge_client('http://127.0.0.1:9', 'ac-a', 'the-secret', 2);
        try {
            $client->request('GET', '/x');
            $this->fail('expected an exception');
        } catch (bridge_client_exception $e) {
            $this->assertTrue($e->is_retryable());
            $this->assertStringNotContainsString('the-secret', $e->getMessage());
        }
    }

    /**
     * Replaying a prepared request sends exactly the same signed bytes.
     */
    public function test_send_prepared_twice_reuses_nonce(): void {
        $client = $this->client();
        $p = $client->prepare('GET', '/x');
        $client->send($p);
        $client->send($p);
        $this->assertSame($this->sent[0]['lines'], $this->sent[1]['lines']);
    }

    /**
     * Invalid construction arguments.
     *
     * @dataProvider bad_arguments
     * @param string $url Base URL.
     * @param string $domain Domain.
     * @param string $secret Secret.
     * @param int $timeout Timeout.
     */
    public function test_constructor_rejects(string $url, string $domain, string $secret, int $timeout): void {
        $this->expectException(\InvalidArgumentException::class);
        new bridge_client($url, $domain, $secret, $timeout);
    }

    /**
     * Cases for test_constructor_rejects.
     *
     * @return array
     */
    public static function bad_arguments(): array {
        return [
            'relative url' => ['/api', 'ac-a', 's', 5],
            'ftp url' => ['ftp://h/', 'ac-a', 's', 5],
            'url with query' => ['https://h/?a=1', 'ac-a', 's', 5],
            'url with credentials' => ['https://u:p@h/', 'ac-a', 's', 5],
            'newline in domain' => ['https://h', "ac-a\nX", 's', 5],
            'empty domain' => ['https://h', '', 's', 5],
            'empty secret' => ['https://h', 'ac-a', '', 5],
            'zero timeout' => ['https://h', 'ac-a', 's', 0],
        ];
    }

    /**
     * Paths must be absolute and user ids non-negative.
     */
    public function test_prepare_rejects_relative_path_and_negative_user(): void {
        $client = $this->client();
        try {
            $client->prepare('GET', 'x');
            $this->fail('relative path accepted');
        } catch (\InvalidArgumentException $e) {
            $this->assertStringContainsString('/', $e->getMessage());
        }
        $this->expectException(\InvalidArgumentException::class);
        $client->prepare('GET', '/x', [], null, -1);
    }
}
