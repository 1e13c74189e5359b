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
 * Version details of local_bridge.
 *
 * @package    local_bridge
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$plugin->component = 'local_bridge';
$plugin->version = 2025060208;
// Moodle 3.7 (2019052000), the oldest release with every API this plugin calls: asynchronous backup and restore
// (backup::MODE_ASYNC, \core\task\asynchronous_backup_task and asynchronous_restore_task, MDL-28505, 3.7);
// context freezing (context::set_locked(), is_locked(), moodle/site:managecontextlocks, 3.6); the rest is older:
// external_api and its legacy class names (2.2; aliases of core_external\* only from 4.2), enrol_plugin
// add_instance()/get_instance_defaults() (3.1), completion_completion, adhoc tasks (2.7), the privacy null_provider
// (3.4), mustache templates with {{#str}}, {{#js}} and partials, and AMD modules (2.9/3.0), AJAX_SCRIPT pages,
// confirmations in core/modal_factory's SAVE_CANCEL modal (3.2; core/modal_save_cancel from 4.3). PHP
// syntax stays at 7.1 (nullable and void types, multi-catch), which Moodle 3.7 runs on. m@gistère ran 3.5: it needs
// 3.7 for the bridge (the blocks alone would install on 3.5, see their version.php).
$plugin->requires = 2019052000;
$plugin->maturity = MATURITY_ALPHA;
$plugin->release = '0.2.0';
