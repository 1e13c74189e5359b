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
 * Signing HTTP client for the bridge daemon's API.
 *
 * @package    local_bridge
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

namespace local_bridge;

/**
 * Calls the bridge daemon with signed requests (see signer).
 *
 * Usable without Moodle loaded: only from_config() needs Moodle. It speaks plain PHP
 * (curl when the extension is loaded, which Moodle requires, else stream contexts), never
 * follows redirects (a redirect would carry the signed headers elsewhere) and never puts
 * the secret or the signature into an exception message.
 */
class bridge_client {
    /** Domain names the daemon accepts: no character that could blur the canonical string. */
    private const DOMAIN_PATTERN = '/^[A-Za-z0-9._:-]{1,253}$/';

    /** @var string scheme, host and port of the daemon, without trailing slash */
    private $origin;
    /** @var string path prefix of the daemon's API ('' or '/something') */
    private $basepath;
    /** @var string this site's domain name at the bridge */
    private $domain;
    /** @var string shared secret */
    private $secret;
    /** @var int seconds */
    private $timeout;
    /** @var callable|null test hook replacing the HTTP transport */
    private $transport = null;
    /** @var callable|null test hook returning the unix time */
    private $clock = null;
    /** @var callable|null test hook returning the nonce */
    private $noncesource = null;

    /**
     * Constructor.
     *
     * @param string $baseurl Daemon URL, e.g. https://bridge.example.org or https://host/bridge.
     * @param string $domain This site's domain name, as configured at the bridge.
     * @param string $secret Shared secret of this domain.
     * @param int $timeout Whole-request timeout in seconds.
     * @throws \InvalidArgumentException on a bad URL, domain, secret or timeout.
     */
    public function __construct(string $baseurl, string $domain, string $secret, int $timeout = 10) {
        $parts = parse_url(trim($baseurl));
        if ($parts === false || !isset($parts['scheme'], $parts['host'])
                || !in_array(strtolower($parts['scheme']), ['http', 'https'], true)) {
            throw new \InvalidArgumentException('bridge URL must be an absolute http(s) URL');
        }
        if (isset($parts['query']) || isset($parts['fragment']) || isset($parts['user'])) {
            throw new \InvalidArgumentException('bridge URL must not carry a query, fragment or credentials');
        }
        if (!preg_match(self::DOMAIN_PATTERN, $domain)) {
            throw new \InvalidArgumentException('bridge domain name has invalid characters');
        }
        if ($secret === '') {
            throw new \InvalidArgumentException('bridge shared secret is empty');
        }
        if ($timeout < 1) {
            throw new \InvalidArgumentException('bridge timeout must be at least one second');
        }
        $port = isset($parts['port']) ? ':' . $parts['port'] : '';
        $this->origin = strtolower($parts['scheme']) . '://' . $parts['host'] . $port;
        $this->basepath = rtrim($parts['path'] ?? '', '/');
        $this->domain = $domain;
        $this->secret = $secret;
        $this->timeout = $timeout;
    }

    /**
     * A client configured from this site's local_bridge settings (needs Moodle).
     *
     * @return self
     * @throws \InvalidArgumentException when the plugin is not configured.
     */
    public static function from_config(): self {
        $config = get_config('local_bridge');
        return new self((string)($config->bridgeurl ?? ''), (string)($config->domain ?? ''),
            (string)($config->sharedsecret ?? ''), (int)($config->timeout ?? 10));
    }

    /**
     * Sends a signed request and decodes the JSON answer.
     *
     * @param string $method HTTP method.
     * @param string $path API path starting with '/', relative to the base URL.
     * @param array $query Query parameters.
     * @param string|null $body Request body (JSON text), null for none.
     * @param int $userid Acting Moodle user id (0 for the site itself).
     * @return array ['status' => int HTTP status, 'data' => array|null decoded JSON body]
     * @throws bridge_client_exception when the daemon cannot be reached or a 2xx answer is not JSON.
     */
    public function request(string $method, string $path, array $query = [], ?string $body = null, int $userid = 0): array {
        return $this->send($this->prepare($method, $path, $query, $body, $userid));
    }

    /**
     * Builds and signs a request without sending it.
     *
     * @param string $method HTTP method.
     * @param string $path API path starting with '/'.
     * @param array $query Query parameters.
     * @param string|null $body Request body, null for none.
     * @param int $userid Acting Moodle user id.
     * @return array ['method', 'url', 'uri', 'headers' => [name => value], 'body' => string]
     */
    public function prepare(string $method, string $path, array $query = [], ?string $body = null, int $userid = 0): array {
        if ($path === '' || $path[0] !== '/') {
            throw new \InvalidArgumentException('bridge API path must start with /');
        }
        if ($userid < 0) {
            throw new \InvalidArgumentException('user id must not be negative');
        }
        $method = strtoupper($method);
        $body = $body ?? '';
        $uri = signer::request_uri($this->basepath . $path, $query);
        $timestamp = $this->clock ? (int)($this->clock)() : time();
        $nonce = $this->noncesource ? (string)($this->noncesource)() : signer::new_nonce();
        $headers = signer::headers($this->secret, $method, $uri, $this->domain, $userid, $body, $timestamp, $nonce);
        $headers['Accept'] = 'application/json';
        if ($body !== '') {
            $headers['Content-Type'] = 'application/json';
        }
        return ['method' => $method, 'url' => $this->origin . $uri, 'uri' => $uri, 'headers' => $headers, 'body' => $body];
    }

    /**
     * Sends a prepared request as is (tests use it to tamper with or replay one).
     *
     * @param array $prepared Output of prepare().
     * @return array ['status' => int, 'data' => array|null]
     * @throws bridge_client_exception
     */
    public function send(array $prepared): array {
        $lines = [];
        foreach ($prepared['headers'] as $name => $value) {
            $lines[] = $name . ': ' . $value;
        }
        $transport = $this->transport ?? [$this, extension_loaded('curl') ? 'curl_transport' : 'stream_transport'];
        [$status, $raw] = $transport($prepared['method'], $prepared['url'], $lines, $prepared['body'], $this->timeout);
        return ['status' => (int)$status, 'data' => self::decode_response((int)$status, (string)$raw)];
    }

    /**
     * Decodes a response body: JSON object or array, or null when empty.
     *
     * A 2xx answer that is not JSON is an error (a proxy page, say); for other statuses the
     * status alone tells the caller what happened, so an unreadable body becomes null.
     *
     * @param int $status HTTP status.
     * @param string $raw Body.
     * @return array|null
     * @throws bridge_client_exception
     */
    public static function decode_response(int $status, string $raw): ?array {
        if (trim($raw) === '') {
            return null;
        }
        $data = json_decode($raw, true);
        if (is_array($data)) {
            return $data;
        }
        if ($status >= 200 && $status < 300) {
            throw new bridge_client_exception("bridge answered HTTP $status with a body that is not a JSON object", false);
        }
        return null;
    }

    /**
     * Whether a status is worth retrying later: overload, maintenance and gateway errors.
     *
     * @param int $status HTTP status.
     * @return bool
     */
    public static function is_retryable_status(int $status): bool {
        return $status === 408 || $status === 429 || $status >= 500;
    }

    /**
     * Test hook: replaces the HTTP transport.
     *
     * @param callable|null $transport fn(string $method, string $url, array $headerlines, string $body, int $timeout):
     *     array{0: int, 1: string} (status, body); throws bridge_client_exception on failure.
     */
    public function set_transport(?callable $transport): void {
        $this->transport = $transport;
    }

    /**
     * Test hook: replaces the clock (unix seconds).
     *
     * @param callable|null $clock fn(): int
     */
    public function set_clock(?callable $clock): void {
        $this->clock = $clock;
    }

    /**
     * Test hook: replaces the nonce generator (to test replay protection).
     *
     * @param callable|null $source fn(): string
     */
    public function set_nonce_source(?callable $source): void {
        $this->noncesource = $source;
    }

    /**
     * HTTP with the curl extension.
     *
     * @param string $method HTTP method.
     * @param string $url Full URL.
     * @param array $headerlines "Name: value" lines.
     * @param string $body Body.
     * @param int $timeout Seconds.
     * @return array{0: int, 1: string}
     * @throws bridge_client_exception
     */
    private function curl_transport(string $method, string $url, array $headerlines, string $body, int $timeout): array {
        $ch = curl_init($url);
        $options = [
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_HTTPHEADER => array_merge($headerlines, ['Expect:']),
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_FOLLOWLOCATION => false,
            CURLOPT_TIMEOUT => $timeout,
            CURLOPT_CONNECTTIMEOUT => min($timeout, 10),
        ];
        if ($body !== '') {
            $options[CURLOPT_POSTFIELDS] = $body;
        }
        curl_setopt_array($ch, $options);
        $raw = curl_exec($ch);
        if ($raw === false) {
            $error = curl_error($ch);
            curl_close($ch);
            throw new bridge_client_exception("bridge unreachable: $error", true);
        }
        $status = (int)curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
        curl_close($ch);
        return [$status, (string)$raw];
    }

    /**
     * HTTP with PHP streams, for hosts without curl.
     *
     * @param string $method HTTP method.
     * @param string $url Full URL.
     * @param array $headerlines "Name: value" lines.
     * @param string $body Body.
     * @param int $timeout Seconds.
     * @return array{0: int, 1: string}
     * @throws bridge_client_exception
     */
    private function stream_transport(string $method, string $url, array $headerlines, string $body, int $timeout): array {
        $headerlines[] = 'Connection: close';
        $context = stream_context_create(['http' => [
            'method' => $method,
            'header' => implode("\r\n", $headerlines),
            'content' => $body,
            'timeout' => $timeout,
            'ignore_errors' => true,
            'follow_location' => 0,
            'protocol_version' => 1.1,
        ]]);
        $raw = @file_get_contents($url, false, $context);
        $responseheaders = function_exists('http_get_last_response_headers')
            ? (http_get_last_response_headers() ?? []) : ($http_response_header ?? []);
        if ($raw === false || !$responseheaders) {
            $error = error_get_last()['message'] ?? 'no response';
            throw new bridge_client_exception("bridge unreachable: $error", true);
        }
        if (!preg_match('{^HTTP/\S+\s+(\d{3})}', $responseheaders[0], $m)) {
            throw new bridge_client_exception('bridge answered with an unreadable status line', true);
        }
        return [(int)$m[1], (string)$raw];
    }
}
