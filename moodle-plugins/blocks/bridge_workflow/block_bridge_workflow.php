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
 * this class only checks capabilities and renders the Mustache template.
 */
class block_bridge_workflow extends block_base {
    /**
     * Sets the title.
     */
    public function init() {
        $this->title = get_string('pluginname', 'block_bridge_workflow');
    }

    /**
     * Only on course pages: everything the bridge does is per course.
     *
     * @return array
     */
    public function applicable_formats() {
        return ['course-view' => true, 'site' => false, 'my' => false];
    }

    /**
     * One instance per course.
     *
     * @return bool
     */
    public function instance_allow_multiple() {
        return false;
    }

    /**
     * Builds the content from the bridge's answer.
     *
     * @return stdClass
     */
    public function get_content() {
        global $USER, $OUTPUT;
        if ($this->content !== null) {
            return $this->content;
        }
        $this->content = (object)['text' => '', 'footer' => ''];
        $course = $this->page->course;
        if (empty($course->id) || $course->id == SITEID || !has_capability('block/bridge_workflow:view', $this->context)) {
            return $this->content;
        }
        $coursecontext = context_course::instance($course->id);
        try {
            $source = new \block_bridge_workflow\local\data_source(\local_bridge\bridge_client::from_config(), (int)$USER->id,
                current_language());
            $data = $source->fetch((int)$course->id, \block_bridge_workflow\local\job_tracker::job_ids((int)$course->id));
        } catch (\local_bridge\bridge_client_exception | \InvalidArgumentException $e) {
            $data = ['ok' => false, 'unreachable' => true];
        }
        $data += \block_bridge_workflow\local\page_context::build($coursecontext, (int)$course->id);
        $this->content->text = $OUTPUT->render_from_template('block_bridge_workflow/main', $data);
        return $this->content;
    }
}
