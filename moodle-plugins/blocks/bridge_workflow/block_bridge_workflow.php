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
 * Block block_bridge_workflow: renders what the bridge daemon answers.
 *
 * @package    block_bridge_workflow
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

/**
 * The block. Data comes from \block_bridge_workflow\local\data_source (plain PHP, tested without Moodle);
 * \local_bridge\bridge_block checks the capability, calls the bridge and renders the template.
 */
class block_bridge_workflow extends \local_bridge\bridge_block {
    /**
     * In a frozen (archived) course nobody holds the write capability block/bridge_workflow:manage: who may unarchive
     * is offered that one option alone. Destructive transitions get the question their modal asks.
     *
     * @param array $data Template data.
     * @return array
     */
    protected function decorate(array $data): array {
        // The question of a destructive transition, asked in a modal before the form is sent (local_bridge/confirm).
        $coursename = format_string($this->page->course->fullname, true, ['context' => $this->context]);
        foreach ($data['allowed'] ?? [] as $i => $item) {
            if (!empty($item['confirm'])) {
                $data['allowed'][$i]['confirmtext'] = get_string($item['key'] . '_confirm', 'block_bridge_workflow', $coursename);
            }
        }
        if (empty($data['canmanage']) && !empty($data['canunarchive']) && !empty($data['allowed'])) {
            $data['allowed'] = array_values(array_filter($data['allowed'], function(array $item): bool {
                return $item['transition'] === 'unarchive';
            }));
            $data['hasallowed'] = !empty($data['allowed']) && !empty($data['canact']);
            $data['canmanage'] = $data['hasallowed'];
        }
        return $data;
    }
}
