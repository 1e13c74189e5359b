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
 * Request signing shared with the bridge daemon (Go: internal/api/sign.go).
 *
 * Pure functions, no Moodle API: the same file is loaded by Moodle's autoloader
 * and, directly, by the standalone tests and tools.
 *
 * @package    local_bridge
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

namespace local_bridge;

/**
 * Canonical string and HMAC-SHA256 signature of a bridge request.
 *
 * signature = hex(HMAC-SHA256(secret, METHOD "\n" URI "\n" TIMESTAMP "\n" NONCE "\n" DOMAIN "\n" USER "\n"
 * hex(SHA-256(body)))) where URI is the path, then "?" and the query only when the query is not empty.
 * The body's hash also goes in X-Bridge-Content-SHA256 (signed, since it ends the canonical string): the daemon
 * then checks the signature before it reads the body. Change it here and in the Go verifier together, or not at all.
 */
final class signer {
    /** Header naming the Moodle site (domain) that signs. */
    public const HEADER_DOMAIN = 'X-Bridge-Domain';
    /** Header carrying the acting Moodle user id (0 for the site itself). */
    public const HEADER_USER = 'X-Bridge-User';
    /** Header carrying the unix time of signing, in seconds. */
    public const HEADER_TIMESTAMP = 'X-Bridge-Timestamp';
    /** Header carrying a single-use random value, hex. */
    public const HEADER_NONCE = 'X-Bridge-Nonce';
    /** Header carrying the hex HMAC-SHA256 signature. */
    public const HEADER_SIGNATURE = 'X-Bridge-Signature';
    /** Header carrying hex(SHA-256(body)), the last line of the signed canonical string. */
    public const HEADER_CONTENT_SHA256 = 'X-Bridge-Content-SHA256';
    /** Random bytes in a nonce; the daemon refuses fewer. */
    public const NONCE_BYTES = 16;

    /**
     * The text the signature covers.
     *
     * @param string $method HTTP method, upper case.
     * @param string $uri Request URI as sent: path, and "?query" only when the query is not empty.
     * @param string $timestamp Unix seconds, decimal.
     * @param string $nonce Hex nonce.
     * @param string $domain This site's domain name at the bridge.
     * @param string $userid Acting Moodle user id, decimal.
     * @param string $body Exact request body ('' when none).
     * @return string
     */
    public static function canonical_string(string $method, string $uri, string $timestamp, string $nonce,
            string $domain, string $userid, string $body): string {
        return implode("\n", [$method, $uri, $timestamp, $nonce, $domain, $userid, hash('sha256', $body)]);
    }

    /**
     * Hex HMAC-SHA256 of a canonical string.
     *
     * @param string $secret Shared secret of this domain.
     * @param string $canonical Output of canonical_string().
     * @return string 64 lower-case hex characters.
     */
    public static function signature(string $secret, string $canonical): string {
        return hash_hmac('sha256', $canonical, $secret);
    }

    /**
     * A fresh nonce: 16 random bytes in lower-case hex.
     *
     * @return string
     */
    public static function new_nonce(): string {
        return bin2hex(random_bytes(self::NONCE_BYTES));
    }

    /**
     * The request URI as it goes on the wire, which is what gets signed.
     *
     * @param string $path Absolute path, starting with '/'.
     * @param array $query Query parameters; encoded RFC 3986 style.
     * @return string
     */
    public static function request_uri(string $path, array $query = []): string {
        $qs = http_build_query($query, '', '&', PHP_QUERY_RFC3986);
        return $qs === '' ? $path : $path . '?' . $qs;
    }

    /**
     * The six X-Bridge-* headers of a request.
     *
     * @param string $secret Shared secret of this domain.
     * @param string $method HTTP method.
     * @param string $uri Request URI as sent.
     * @param string $domain This site's domain name.
     * @param int $userid Acting Moodle user id.
     * @param string $body Exact request body.
     * @param int $timestamp Unix seconds.
     * @param string $nonce Hex nonce of at least 16 bytes.
     * @return array<string, string> header name => value
     */
    public static function headers(string $secret, string $method, string $uri, string $domain, int $userid,
            string $body, int $timestamp, string $nonce): array {
        $method = strtoupper($method);
        $canonical = self::canonical_string($method, $uri, (string)$timestamp, $nonce, $domain, (string)$userid, $body);
        return [
            self::HEADER_DOMAIN => $domain,
            self::HEADER_USER => (string)$userid,
            self::HEADER_TIMESTAMP => (string)$timestamp,
            self::HEADER_NONCE => $nonce,
            self::HEADER_SIGNATURE => self::signature($secret, $canonical),
            self::HEADER_CONTENT_SHA256 => hash('sha256', $body),
        ];
    }
}
