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
 * Admin settings of local_bridge: where the bridge is and how to sign requests to it.
 *
 * @package    local_bridge
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

if ($hassiteconfig) {
    $settings = new admin_settingpage('local_bridge', get_string('pluginname', 'local_bridge'));

    $settings->add(new admin_setting_heading('local_bridge/connection',
        get_string('connection', 'local_bridge'), get_string('connection_desc', 'local_bridge')));

    $settings->add(new admin_setting_configtext('local_bridge/bridgeurl',
        get_string('bridgeurl', 'local_bridge'), get_string('bridgeurl_desc', 'local_bridge'), '', PARAM_URL));

    // Same character set as the daemon accepts in X-Bridge-Domain. Empty must validate too: it is the
    // default applied at install, and an invalid default is never stored (the client then says "not configured").
    $settings->add(new admin_setting_configtext('local_bridge/domain',
        get_string('domain', 'local_bridge'), get_string('domain_desc', 'local_bridge'), '', '/^([A-Za-z0-9._:-]{1,253})?$/'));

    $settings->add(new admin_setting_configpasswordunmask('local_bridge/sharedsecret',
        get_string('sharedsecret', 'local_bridge'), get_string('sharedsecret_desc', 'local_bridge'), ''));

    $settings->add(new admin_setting_configtext('local_bridge/timeout',
        get_string('timeout', 'local_bridge'), get_string('timeout_desc', 'local_bridge'), 10, PARAM_INT));

    $settings->add(new admin_setting_description('local_bridge/testconnectionlink', '',
        html_writer::link(new moodle_url('/local/bridge/testconnection.php'), get_string('testconnection', 'local_bridge'),
            ['class' => 'btn btn-secondary'])));

    $ADMIN->add('localplugins', $settings);
    // The page the button opens (not in the menu).
    $ADMIN->add('localplugins', new admin_externalpage('local_bridge_testconnection',
        get_string('testconnection', 'local_bridge'), new moodle_url('/local/bridge/testconnection.php'),
        'moodle/site:config', true));
}
