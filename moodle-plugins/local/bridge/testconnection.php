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
 * "Tester la connexion" of the bridge settings: one sentence saying what works or what is wrong.
 *
 * @package    local_bridge
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

require_once(__DIR__ . '/../../config.php');
require_once($CFG->libdir . '/adminlib.php');

admin_externalpage_setup('local_bridge_testconnection');
$config = get_config('local_bridge');
$result = \local_bridge\connection_check::run((string)($config->bridgeurl ?? ''), (string)($config->domain ?? ''),
    (string)($config->sharedsecret ?? ''), (int)($config->timeout ?? 10));

echo $OUTPUT->header();
echo $OUTPUT->heading(get_string('testconnection', 'local_bridge'));
$message = get_string('test_' . $result['code'], 'local_bridge', (object)[
    'domain' => s((string)($config->domain ?? '')), 'skew' => abs((int)$result['skew']),
]);
echo $OUTPUT->notification($message, $result['code'] === 'ok' ? \core\output\notification::NOTIFY_SUCCESS
    : \core\output\notification::NOTIFY_ERROR);
echo html_writer::link(new moodle_url('/admin/settings.php', ['section' => 'local_bridge']),
    get_string('backtosettings', 'local_bridge'), ['class' => 'btn btn-secondary']);
echo $OUTPUT->footer();
