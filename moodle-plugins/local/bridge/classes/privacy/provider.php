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
 * Privacy provider of local_bridge.
 *
 * @package    local_bridge
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

namespace local_bridge\privacy;

use core_privacy\local\metadata\collection;

/**
 * local_bridge stores no personal data of its own; it sends some to the bridge daemon.
 *
 * The bridge receives the acting user's id with every request, and the names and e-mail
 * addresses of enrolled participants when it enrols them from a list and when it produces
 * attendance certificates (the only nominative outputs, for the course's formateurs).
 */
class provider implements \core_privacy\local\metadata\provider {
    /**
     * Describes the data sent to the bridge.
     *
     * @param collection $collection Collection to add to.
     * @return collection
     */
    public static function get_metadata(collection $collection): collection {
        $collection->add_external_location_link('bridge', [
            'userid' => 'privacy:metadata:bridge:userid',
            'firstname' => 'privacy:metadata:bridge:firstname',
            'lastname' => 'privacy:metadata:bridge:lastname',
            'email' => 'privacy:metadata:bridge:email',
            'courseid' => 'privacy:metadata:bridge:courseid',
            'completion' => 'privacy:metadata:bridge:completion',
        ], 'privacy:metadata:bridge');
        return $collection;
    }
}
