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
 * Block block_bridge_offer: renders what the bridge daemon answers.
 *
 * @package    block_bridge_offer
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

/**
 * The block. Data comes from \block_bridge_offer\local\data_source (plain PHP, tested without Moodle);
 * \local_bridge\bridge_block checks the capability, calls the bridge and renders the template.
 */
class block_bridge_offer extends \local_bridge\bridge_block {
    /**
     * The user's requests with their state in the user's language and the link to a deployed course.
     *
     * @param array $data Template data.
     * @return array
     */
    protected function decorate(array $data): array {
        $courseid = (int)$this->page->course->id;
        $data['mine'] = \block_bridge_offer\output\offer_view::requests($data['mine'] ?? [], $courseid);
        return $data;
    }
}
