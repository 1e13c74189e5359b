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
 * What the blocks and their action pages share, without the block API (action pages do not load blocklib).
 *
 * @package    local_bridge
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

namespace local_bridge;

/**
 * Template context common to a block and its action page.
 */
class block_page {
    /**
     * What a block's template needs besides the bridge's data: the form target, the sesskey and
     * the capability flags.
     *
     * @param string $component Block component, e.g. block_bridge_csv.
     * @param \context_course $context Course context.
     * @param int $courseid Course id.
     * @param string[] $flags Template flag => block capability name.
     * @return array
     */
    public static function context(string $component, \context_course $context, int $courseid, array $flags): array {
        $plugin = substr($component, strlen('block_'));
        $data = [
            'courseid' => $courseid,
            'actionurl' => (new \moodle_url("/blocks/$plugin/action.php"))->out(false),
            'sesskey' => sesskey(),
            'modalsavecancel' => self::modal_save_cancel(),
        ];
        foreach ($flags as $flag => $cap) {
            $data[$flag] = has_capability("block/$plugin:$cap", $context);
        }
        return $data;
    }

    /**
     * Whether this Moodle has core/modal_save_cancel (4.3 and later); older ones have core/modal_factory's SAVE_CANCEL
     * type, which local_bridge/confirm uses instead.
     *
     * @return bool
     */
    public static function modal_save_cancel(): bool {
        global $CFG;
        return (int)($CFG->branch ?? 0) >= 403;
    }

    /**
     * Whether the user manages this course from above it: a site administrator, or someone who may manage the
     * course's category (a manager at category level). Their course enrolments cannot show it, so the blocks
     * say it to the bridge in the signed request (api_session's acting_as=manager).
     *
     * @param \context_course $context Course context.
     * @return bool
     */
    public static function site_manager(\context_course $context): bool {
        if (is_siteadmin()) {
            return true;
        }
        $parent = $context->get_parent_context();
        return $parent instanceof \context_coursecat && has_capability('moodle/category:manage', $parent);
    }

    /**
     * One sentence in the user's language for a failed bridge answer: never an HTTP code or a host.
     *
     * @param int $status HTTP status of the bridge's answer (0: unreachable).
     * @return string
     */
    public static function error_message(int $status): string {
        if ($status === 0) {
            return get_string('error_unreachable', 'local_bridge');
        }
        if ($status === 401 || $status === 403) {
            return get_string($status === 403 ? 'error_forbidden' : 'error_refused', 'local_bridge');
        }
        if ($status === 404) {
            return get_string('error_notfound', 'local_bridge');
        }
        if ($status === 409) {
            return get_string('error_conflict', 'local_bridge');
        }
        if ($status === 400 || $status === 422) {
            return get_string('error_badinput', 'local_bridge');
        }
        return get_string('error_unreachable', 'local_bridge');
    }

    /**
     * Runs a call to the bridge; an unreachable or unconfigured bridge becomes status 0 instead of an exception
     * (whose message names the daemon's host).
     *
     * @param callable $call Returns the data source's answer (an array with 'status').
     * @return array The answer, or ['status' => 0, 'data' => null, 'unconfigured' => bool].
     */
    public static function call(callable $call): array {
        try {
            return $call();
        } catch (\local_bridge\bridge_client_exception | \InvalidArgumentException $e) {
            return ['status' => 0, 'data' => null, 'unconfigured' => $e instanceof \InvalidArgumentException];
        }
    }

    /**
     * Back to the course with a message, in Moodle's notification style.
     *
     * @param int $courseid Course id.
     * @param string $message Already translated sentence.
     * @param string $type \core\output\notification::NOTIFY_* constant.
     */
    public static function back(int $courseid, string $message, string $type): void {
        redirect(new \moodle_url('/course/view.php', ['id' => $courseid]), s($message), null, $type);
    }

    /**
     * Resolves the lang string keys the data sources give (plain PHP, no get_string there), at every depth:
     * 'key' gives 'keylabel' and 'keyhelp' ("<key>_help") from the block's component, 'kindkey' and 'statekey'
     * give 'kindlabel' and 'statelabel' from local_bridge. Templates cannot do it: Moodle 4.5's str helper does
     * not render a key given as a variable.
     *
     * @param array $data Template data.
     * @param string $component Block component.
     * @return array
     */
    public static function strings(array $data, string $component): array {
        $sm = get_string_manager();
        foreach ($data as $name => $value) {
            if (is_array($value)) {
                $data[$name] = self::strings($value, $component);
            }
        }
        if (isset($data['key']) && is_string($data['key'])) {
            $data['keylabel'] = get_string($data['key'], $component);
            $data['keyhelp'] = $sm->string_exists($data['key'] . '_help', $component)
                ? get_string($data['key'] . '_help', $component) : '';
        }
        if (!empty($data['resultcourseid'])) {
            $data['resulturl'] = (new \moodle_url('/course/view.php', ['id' => (int)$data['resultcourseid']]))->out(false);
        }
        foreach (['kindkey' => 'kindlabel', 'statekey' => 'statelabel'] as $key => $label) {
            if (isset($data[$key]) && is_string($data[$key])) {
                $data[$label] = get_string($data[$key], 'local_bridge');
            }
        }
        return $data;
    }
}
