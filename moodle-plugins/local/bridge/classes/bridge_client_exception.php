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
 * Error raised by bridge_client when a request could not be completed.
 *
 * @package    local_bridge
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

namespace local_bridge;

/**
 * A failed bridge call, with a verdict: may a later retry succeed?
 *
 * Plain \RuntimeException so that the client works without Moodle loaded.
 * Messages never contain the shared secret or the signature.
 */
class bridge_client_exception extends \RuntimeException {
    /** @var bool whether retrying the same request later may succeed */
    private $retryable;

    /**
     * Constructor.
     *
     * @param string $message What failed, without secrets.
     * @param bool $retryable Whether a later retry may succeed (network, timeout, 5xx).
     * @param \Throwable|null $previous Cause.
     */
    public function __construct(string $message, bool $retryable, ?\Throwable $previous = null) {
        parent::__construct($message, 0, $previous);
        $this->retryable = $retryable;
    }

    /**
     * Whether retrying the same request later may succeed.
     *
     * @return bool
     */
    public function is_retryable(): bool {
        return $this->retryable;
    }
}
