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
 * Shared behaviour of the bridge's blocks.
 *
 * @package    local_bridge
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

namespace local_bridge;

defined('MOODLE_INTERNAL') || die();

// The parent class lives in a file Moodle's autoloader does not know: action pages autoload this class
// without blocklib.
global $CFG;
require_once($CFG->dirroot . '/blocks/moodleblock.class.php');

/**
 * A course block whose content the bridge daemon answers. A block names its component by its class
 * (block_bridge_csv), keeps its data source in \<component>\local\data_source (plain PHP, tested
 * without Moodle) whose CAPABILITY_FLAGS say which capabilities the template shows, and its template
 * in <component>/main.
 */
abstract class bridge_block extends \block_base {
    /**
     * The block's component name (its class name).
     *
     * @return string
     */
    protected function component(): string {
        return get_class($this);
    }

    /**
     * Sets the title.
     */
    public function init() {
        $this->title = get_string('pluginname', $this->component());
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
     * Builds the content from the bridge's answer; an unreachable bridge shows a notice, never an error.
     *
     * @return \stdClass
     */
    public function get_content() {
        global $USER, $OUTPUT;
        if ($this->content !== null) {
            return $this->content;
        }
        $this->content = (object)['text' => '', 'footer' => ''];
        $component = $this->component();
        $capability = str_replace('block_', 'block/', $component) . ':view';
        $course = $this->page->course;
        if (empty($course->id) || $course->id == SITEID || !has_capability($capability, $this->context)) {
            return $this->content;
        }
        $courseid = (int)$course->id;
        $coursecontext = \context_course::instance($courseid);
        $sourceclass = "\\{$component}\\local\\data_source";
        try {
            $source = new $sourceclass(\local_bridge\bridge_client::from_config(), (int)$USER->id, current_language(),
                block_page::site_manager($coursecontext));
            $data = $source->fetch($courseid);
        } catch (\local_bridge\bridge_client_exception | \InvalidArgumentException $e) {
            $data = ['ok' => false, 'unreachable' => true];
        }
        $data += block_page::context($component, $coursecontext, $courseid, $sourceclass::CAPABILITY_FLAGS);
        $this->content->text = $OUTPUT->render_from_template("$component/main",
            block_page::strings($this->decorate($data), $component));
        return $this->content;
    }

    /**
     * Adds what only Moodle knows to the bridge's data (names of people...). Blocks override it.
     *
     * @param array $data Template data.
     * @return array
     */
    protected function decorate(array $data): array {
        return $data;
    }

    /**
     * Kept for callers of the former \local_bridge\local\bridge_block: see block_page::context().
     *
     * @param string $component Block component, e.g. block_bridge_csv.
     * @param \context_course $context Course context.
     * @param int $courseid Course id.
     * @param string[] $flags Template flag => block capability name.
     * @return array
     */
    public static function page_context(string $component, \context_course $context, int $courseid, array $flags): array {
        return block_page::context($component, $context, $courseid, $flags);
    }
}
