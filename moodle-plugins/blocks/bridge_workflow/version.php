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
 * Version details of block_bridge_workflow.
 *
 * @package    block_bridge_workflow
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$plugin->component = 'block_bridge_workflow';
$plugin->version = 2026120601;
// Moodle 3.5 (2018051700), the release m@gistère ran: the block itself only uses block_base, mustache templates
// with {{#str}} and partials (2.9), redirect() with \core\output\notification types (3.1), $OUTPUT->confirm() and
// the string manager, with PHP 7.1 syntax (nullable and void types; Moodle 3.5 runs on PHP 7.1 and 7.2). It still
// installs only where local_bridge does (see its version.php), whose signed client it uses.
$plugin->requires = 2018051700;
$plugin->maturity = MATURITY_ALPHA;
$plugin->release = '0.1.0';
$plugin->dependencies = ['local_bridge' => 2025060100];
