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
 * The CSV enrolment upload form.
 *
 * @package    block_bridge_csv
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

namespace block_bridge_csv\form;

defined('MOODLE_INTERNAL') || die();

global $CFG;
require_once($CFG->libdir . '/formslib.php');

/**
 * The file (Moodle's filepicker: it lands in the user's draft area, never in the session) and the plan's options.
 */
class upload extends \moodleform {
    /**
     * The form.
     */
    protected function definition() {
        $mform = $this->_form;
        $mform->addElement('hidden', 'courseid', $this->_customdata['courseid']);
        $mform->setType('courseid', PARAM_INT);
        $mform->addElement('hidden', 'step', 'upload');
        $mform->setType('step', PARAM_ALPHA);
        $mform->addElement('filepicker', 'csvfile', get_string('file', 'block_bridge_csv'), null,
            ['accepted_types' => ['.csv', '.txt'], 'maxfiles' => 1]);
        $mform->addRule('csvfile', null, 'required', null, 'client');
        $mform->addElement('select', 'role', get_string('role', 'block_bridge_csv'), [
            'participant' => get_string('role_participant', 'block_bridge_csv'),
            'tuteur' => get_string('role_tuteur', 'block_bridge_csv'),
            'formateur' => get_string('role_formateur', 'block_bridge_csv'),
        ]);
        $mform->addHelpButton('role', 'role', 'block_bridge_csv');
        $mform->addElement('text', 'group', get_string('group', 'block_bridge_csv'), ['size' => 30]);
        $mform->setType('group', PARAM_TEXT);
        // Creating unknown people, and their login method, only where the domain allows it (the bridge said so).
        $auths = $this->_customdata['auths'] ?? [];
        if (!empty($this->_customdata['cancreate']) && $auths) {
            $mform->addElement('select', 'unknown', get_string('unknown', 'block_bridge_csv'), [
                'reject' => get_string('unknown_reject', 'block_bridge_csv'),
                'create' => get_string('unknown_create', 'block_bridge_csv'),
            ]);
            $choices = [];
            foreach ($auths as $auth) {
                $choices[$auth] = self::auth_label($auth);
            }
            $mform->addElement('select', 'auth', get_string('auth', 'block_bridge_csv'), $choices);
            $mform->addHelpButton('auth', 'auth', 'block_bridge_csv');
            $mform->hideIf('auth', 'unknown', 'neq', 'create');
        } else {
            $mform->addElement('hidden', 'unknown', 'reject');
            $mform->setType('unknown', PARAM_ALPHA);
            $mform->addElement('hidden', 'auth', '');
        }
        $mform->setType('auth', PARAM_ALPHANUMEXT);
        // Split across sessions: the other courses of the same category this user may enrol into (the sessions
        // created together from one parcours sit side by side); the bridge checks each one again.
        $sessions = $this->_customdata['sessions'] ?? [];
        if ($sessions) {
            $select = $mform->addElement('select', 'sessions', get_string('sessions', 'block_bridge_csv'), $sessions);
            $select->setMultiple(true);
            $mform->addHelpButton('sessions', 'sessions', 'block_bridge_csv');
            $mform->addElement('text', 'maxpersession', get_string('maxpersession', 'block_bridge_csv'), ['size' => 6]);
            $mform->setType('maxpersession', PARAM_INT);
            $mform->setDefault('maxpersession', 0);
        }
        $mform->addElement('advcheckbox', 'removeabsent', get_string('removeabsent', 'block_bridge_csv'));
        $mform->addHelpButton('removeabsent', 'removeabsent', 'block_bridge_csv');
        $this->add_action_buttons(true, get_string('preview', 'block_bridge_csv'));
    }

    /**
     * A login method's name in the user's language: the block's own words for the usual ones, else the auth
     * plugin's name, else its code.
     *
     * @param string $auth Auth plugin code (manual, shibboleth, cas...).
     * @return string
     */
    public static function auth_label(string $auth): string {
        $sm = get_string_manager();
        if ($sm->string_exists('auth_' . $auth, 'block_bridge_csv')) {
            return get_string('auth_' . $auth, 'block_bridge_csv');
        }
        if ($sm->string_exists('pluginname', 'auth_' . $auth)) {
            return get_string('pluginname', 'auth_' . $auth);
        }
        return $auth;
    }
}
