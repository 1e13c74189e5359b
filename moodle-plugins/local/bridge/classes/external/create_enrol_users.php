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
 * Web-service function local_bridge_create_enrol_users.
 *
 * @package    local_bridge
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

namespace local_bridge\external;

defined('MOODLE_INTERNAL') || die();

global $CFG;
require_once($CFG->libdir . '/externallib.php');
require_once($CFG->libdir . '/enrollib.php');
require_once($CFG->dirroot . '/user/lib.php');

use external_api;
use external_function_parameters;
use external_multiple_structure;
use external_single_structure;
use external_value;

/**
 * Creates the accounts of a chunk of people that do not exist yet and enrols them all into a course's
 * manual enrolment instance, in one call.
 *
 * It does what core_user_create_users then enrol_manual_enrol_users do, through the same APIs
 * (user_create_user, setnew_password_and_mail, the user_created event, enrol_plugin::enrol_user), with
 * the same checks, but:
 * - the e-mail uniqueness check is one indexed query for the whole chunk where the database's
 *   collation is case-insensitive (core's LOWER(email) comparison scans the user table once per
 *   account: 20,000 accounts into a growing table is quadratic); the match is then narrowed to core's
 *   exact lower-case comparison in PHP;
 * - the course, role and instance checks are made once per call, not once per row;
 * - the generated password is hashed as Moodle's own \core\task\send_new_user_passwords_task hashes the
 *   passwords uploaduser.php leaves it (setnew_password_and_mail's $fasthash: 5,000 SHA-512 rounds, not
 *   10,000). It is random, mailed, and must be changed at the first login (auth_forcepasswordchange), as
 *   there; the hash was 58% of the site's PHP time for a manual account;
 * - a row Moodle would refuse (bad e-mail, e-mail held by another account, unknown auth…) comes back
 *   with a code instead of failing the call;
 * - it is idempotent by natural key: an account whose username exists is used, not created again, and
 *   an existing enrolment holding the role is left alone. A chunk sent twice has one effect.
 */
class create_enrol_users extends external_api {
    /** Refusal codes of a row. */
    const REFUSALS = ['invalidparameter', 'blankfield', 'invalidauth', 'invalidlang', 'passwordneeded', 'invalidemail',
        'emailexists', 'inactiveuser'];

    /**
     * A person's fields, with core_user_create_users' types when $strict, PARAM_RAW otherwise (the call's
     * own parameters are lax, so that a bad row is refused alone rather than failing the call).
     *
     * @param bool $strict Core's types.
     * @return array of external_value
     */
    protected static function person_fields(bool $strict): array {
        $type = function(string $field) use ($strict) {
            return $strict ? \core_user::get_property_type($field) : PARAM_RAW;
        };
        return [
            'username' => new external_value($type('username'), 'Username'),
            'firstname' => new external_value($type('firstname'), 'First name'),
            'lastname' => new external_value($type('lastname'), 'Last name'),
            'email' => new external_value($type('email'), 'E-mail'),
            'auth' => new external_value($type('auth'), 'Authentication plugin', VALUE_DEFAULT, 'manual'),
            'idnumber' => new external_value($type('idnumber'), 'ID number', VALUE_DEFAULT, ''),
            'institution' => new external_value($type('institution'), 'Institution', VALUE_DEFAULT, ''),
            'department' => new external_value($type('department'), 'Department', VALUE_DEFAULT, ''),
            'lang' => new external_value($type('lang'), 'Language code', VALUE_DEFAULT, ''),
            'createpassword' => new external_value(PARAM_BOOL, 'Generate a password and mail it, as core does',
                VALUE_DEFAULT, false),
            'timestart' => new external_value(PARAM_INT, 'Enrolment start', VALUE_DEFAULT, 0),
            'timeend' => new external_value(PARAM_INT, 'Enrolment end', VALUE_DEFAULT, 0),
        ];
    }

    /**
     * Parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'courseid' => new external_value(PARAM_INT, 'Course'),
            'roleid' => new external_value(PARAM_INT, 'Role given in the course'),
            'users' => new external_multiple_structure(new external_single_structure(self::person_fields(false))),
        ]);
    }

    /**
     * Creates the missing accounts and enrols everyone.
     *
     * @param int $courseid Course.
     * @param int $roleid Role.
     * @param array $users People.
     * @return array one row per person, in order
     */
    public static function execute(int $courseid, int $roleid, array $users): array {
        global $DB;
        $params = self::validate_parameters(self::execute_parameters(),
            ['courseid' => $courseid, 'roleid' => $roleid, 'users' => $users]);
        $context = \context_course::instance($params['courseid']);
        self::validate_context($context);
        require_capability('local/bridge:use', $context);
        require_capability('moodle/user:create', \context_system::instance());
        require_capability('enrol/manual:enrol', $context);
        [$plugin, $instance] = self::manual_instance($params['courseid'], $params['roleid'], $context);

        $rows = [];
        foreach ($params['users'] as $k => $row) {
            $rows[$k] = self::check_row($row);
        }
        $existing = self::existing_accounts($rows);
        self::check_emails($rows, $existing);

        $transaction = $DB->start_delegated_transaction();
        $out = [];
        foreach ($rows as $k => $row) {
            $out[] = self::apply_row($k, $row, $existing, $plugin, $instance, $params['roleid'], $context);
        }
        $transaction->allow_commit();
        return $out;
    }

    /**
     * The course's first enabled manual instance, checked as enrol_manual_enrol_users checks it.
     *
     * @param int $courseid Course.
     * @param int $roleid Role to give.
     * @param \context_course $context Course context.
     * @return array [enrol_plugin, instance]
     */
    protected static function manual_instance(int $courseid, int $roleid, \context_course $context): array {
        $plugin = enrol_get_plugin('manual');
        if (empty($plugin)) {
            throw new \moodle_exception('manualpluginnotinstalled', 'enrol_manual');
        }
        if (!array_key_exists($roleid, get_assignable_roles($context))) {
            throw new \moodle_exception('wsusercannotassign', 'enrol_manual', '',
                (object)['roleid' => $roleid, 'courseid' => $courseid, 'userid' => 0]);
        }
        $instance = null;
        foreach (enrol_get_instances($courseid, true) as $candidate) {
            if ($candidate->enrol === 'manual') {
                $instance = $candidate;
                break;
            }
        }
        if (!$instance) {
            throw new \moodle_exception('wsnoinstance', 'enrol_manual', '', (object)['courseid' => $courseid]);
        }
        if (!$plugin->allow_enrol($instance)) {
            throw new \moodle_exception('wscannotenrol', 'enrol_manual', '',
                (object)['roleid' => $roleid, 'courseid' => $courseid, 'userid' => 0]);
        }
        return [$plugin, $instance];
    }

    /**
     * A row checked as core_user_create_users checks its users, but for the username's existence and the
     * e-mail's uniqueness (made for the whole chunk). A refused row gets 'refusal' and 'message'.
     *
     * @param array $row The person, as sent.
     * @return array the row, with core's types
     */
    protected static function check_row(array $row): array {
        static $auths = null, $langs = null;
        if ($auths === null) {
            $auths = \core_component::get_plugin_list('auth');
            unset($auths['mnet'], $auths['webservice']);
            $langs = get_string_manager()->get_list_of_translations();
        }
        try {
            $row = self::validate_parameters(new external_single_structure(self::person_fields(true)), $row);
        } catch (\invalid_parameter_exception $e) {
            // The message is fixed ("Invalid parameter value detected"); debuginfo says which field and why.
            return self::refuse($row, 'invalidparameter', $e->getMessage() . ($e->debuginfo ? ' (' . $e->debuginfo . ')' : ''));
        }
        if ($row['lang'] === '') {
            $row['lang'] = \core_user::get_property_default('lang');
        }
        foreach (['username', 'firstname', 'lastname'] as $field) {
            if (trim($row[$field]) === '') {
                return self::refuse($row, 'blankfield', 'The field ' . $field . ' cannot be blank');
            }
        }
        if (empty($auths[$row['auth']])) {
            return self::refuse($row, 'invalidauth', 'Invalid authentication type: ' . $row['auth']);
        }
        if (empty($langs[$row['lang']])) {
            return self::refuse($row, 'invalidlang', 'Invalid language code: ' . $row['lang']);
        }
        if (self::is_internal($row['auth']) && empty($row['createpassword'])) {
            return self::refuse($row, 'passwordneeded', 'Invalid password: you must provide a password, or set createpassword.');
        }
        if (!validate_email($row['email'])) {
            return self::refuse($row, 'invalidemail', 'Email address is invalid: ' . $row['email']);
        }
        return $row;
    }

    /**
     * Whether an auth plugin keeps passwords in Moodle (get_auth_plugin() builds a new object each time: once a call).
     *
     * @param string $auth Auth plugin name, known to exist.
     * @return bool
     */
    protected static function is_internal(string $auth): bool {
        static $internal = [];
        if (!isset($internal[$auth])) {
            $internal[$auth] = get_auth_plugin($auth)->is_internal();
        }
        return $internal[$auth];
    }

    /**
     * Marks a row refused.
     *
     * @param array $row The row.
     * @param string $code One of REFUSALS.
     * @param string $message Moodle's words for it.
     * @return array the row
     */
    protected static function refuse(array $row, string $code, string $message): array {
        $row['refusal'] = $code;
        $row['message'] = $message;
        return $row;
    }

    /**
     * Accounts that already hold the rows' usernames (a chunk sent again), in one query.
     *
     * @param array $rows Checked rows.
     * @return array user records by username
     */
    protected static function existing_accounts(array $rows): array {
        global $CFG, $DB;
        $names = [];
        foreach ($rows as $row) {
            if (empty($row['refusal'])) {
                $names[$row['username']] = true;
            }
        }
        if (!$names) {
            return [];
        }
        [$in, $params] = $DB->get_in_or_equal(array_keys($names), SQL_PARAMS_NAMED);
        $params['mnethostid'] = $CFG->mnet_localhost_id;
        $out = [];
        foreach ($DB->get_records_select('user', "mnethostid = :mnethostid AND username {$in}", $params, '',
                'id, username, email, auth, deleted, suspended, confirmed') as $user) {
            $out[$user->username] = $user;
        }
        return $out;
    }

    /**
     * Refuses the rows to create whose e-mail another account holds (unless the site allows accounts
     * with the same e-mail), as core's case-insensitive check does: LOWER(email) = LOWER(:email). Two
     * rows of the chunk with one e-mail: the first is created, the second refused, as in core.
     *
     * @param array $rows Checked rows, refusals set in place.
     * @param array $existing Accounts by username.
     */
    protected static function check_emails(array &$rows, array $existing) {
        global $CFG;
        if (!empty($CFG->allowaccountssameemail)) {
            return;
        }
        $emails = [];
        foreach ($rows as $row) {
            if (empty($row['refusal']) && !isset($existing[$row['username']])) {
                $emails[] = $row['email'];
            }
        }
        $taken = self::taken_emails($emails);
        foreach ($rows as $k => $row) {
            if (!empty($row['refusal']) || isset($existing[$row['username']])) {
                continue;
            }
            $key = self::email_key($row['email']);
            if (isset($taken[$key])) {
                $rows[$k] = self::refuse($row, 'emailexists', 'Email address already exists: ' . $row['email']);
                continue;
            }
            $taken[$key] = true; // Created by this chunk: a later row with the same address is refused.
        }
    }

    /**
     * The e-mails, among those given, that an account already holds, by email_key.
     *
     * On MySQL and MariaDB with a case-insensitive collation, one indexed IN query finds every candidate
     * (the collation may match more than case, accents for instance: the exact comparison is then PHP's).
     * Elsewhere (a case-sensitive collation, PostgreSQL where the IN is exact), core's own query per
     * address: the same answer, at core's cost.
     *
     * @param array $emails Addresses.
     * @return array email_key => true
     */
    protected static function taken_emails(array $emails): array {
        global $CFG, $DB;
        $taken = [];
        if (!$emails) {
            return $taken;
        }
        if (!self::case_insensitive_emails()) {
            $select = $DB->sql_equal('email', ':email', false) . ' AND mnethostid = :mnethostid';
            foreach ($emails as $email) {
                if ($DB->record_exists_select('user', $select, ['email' => $email, 'mnethostid' => $CFG->mnet_localhost_id])) {
                    $taken[self::email_key($email)] = true;
                }
            }
            return $taken;
        }
        $wanted = [];
        foreach ($emails as $email) {
            $wanted[self::email_key($email)] = true;
        }
        foreach (array_chunk(array_values(array_unique($emails)), 500) as $part) {
            [$in, $params] = $DB->get_in_or_equal($part, SQL_PARAMS_NAMED);
            $params['mnethostid'] = $CFG->mnet_localhost_id;
            foreach ($DB->get_fieldset_select('user', 'email', "mnethostid = :mnethostid AND email {$in}", $params) as $found) {
                $key = self::email_key($found);
                if (isset($wanted[$key])) {
                    $taken[$key] = true;
                }
            }
        }
        return $taken;
    }

    /**
     * Whether the user table's e-mails compare case-insensitively in an IN (MySQL or MariaDB, a _ci
     * collation on the column).
     *
     * @return bool
     */
    protected static function case_insensitive_emails(): bool {
        global $DB;
        static $answer = null;
        if ($answer !== null) {
            return $answer;
        }
        if ($DB->get_dbfamily() !== 'mysql') {
            return $answer = false;
        }
        $collation = $DB->get_field_sql("SELECT collation_name FROM information_schema.columns
            WHERE table_schema = DATABASE() AND table_name = ? AND column_name = 'email'", [$DB->get_prefix() . 'user']);
        return $answer = (is_string($collation) && substr($collation, -3) === '_ci');
    }

    /**
     * Core's comparison key of an address: lower case (LOWER()), trailing spaces ignored as MySQL's PAD
     * SPACE collations ignore them.
     *
     * @param string $email Address.
     * @return string
     */
    protected static function email_key(string $email): string {
        return rtrim(\core_text::strtolower($email), ' ');
    }

    /**
     * Creates the row's account when missing and enrols it.
     *
     * @param int $index Row index.
     * @param array $row Checked row.
     * @param array $existing Accounts by username.
     * @param \enrol_plugin $plugin Manual enrolment.
     * @param \stdClass $instance Its instance in the course.
     * @param int $roleid Role.
     * @param \context_course $context Course context.
     * @return array the answer's row
     */
    protected static function apply_row(int $index, array $row, array $existing, \enrol_plugin $plugin, \stdClass $instance,
            int $roleid, \context_course $context): array {
        $out = ['index' => $index, 'userid' => 0, 'created' => false, 'enrolled' => false, 'refusal' => '', 'message' => ''];
        if (!empty($row['refusal'])) {
            $out['refusal'] = $row['refusal'];
            $out['message'] = $row['message'];
            return $out;
        }
        if (isset($existing[$row['username']])) {
            $user = $existing[$row['username']];
            try {
                \core_user::require_active_user($user);
            } catch (\moodle_exception $e) {
                $out['refusal'] = 'inactiveuser';
                $out['message'] = $e->getMessage();
                return $out;
            }
            $out['userid'] = (int)$user->id;
        } else {
            $out['userid'] = self::create_account($row);
            $out['created'] = true;
        }
        $out['enrolled'] = self::enrol($out['userid'], !$out['created'], $row, $plugin, $instance, $roleid, $context);
        return $out;
    }

    /**
     * Creates an account as core_user_create_users does, with the same calls in the same order.
     *
     * @param array $row Checked row.
     * @return int the new user id
     */
    protected static function create_account(array $row): int {
        global $CFG;
        $createpassword = !empty($row['createpassword']);
        $user = [
            'username' => $row['username'], 'firstname' => $row['firstname'], 'lastname' => $row['lastname'],
            'email' => $row['email'], 'auth' => $row['auth'], 'idnumber' => $row['idnumber'], 'lang' => $row['lang'],
            'confirmed' => true, 'mnethostid' => $CFG->mnet_localhost_id, 'calendartype' => $CFG->calendartype,
        ];
        foreach (['institution', 'department'] as $field) {
            if ($row[$field] !== '') {
                $user[$field] = $row[$field];
            }
        }
        // Core: an internal account with createpassword gets '' (a password is generated and mailed below);
        // an external one never holds a password.
        $user['password'] = self::is_internal($row['auth']) ? '' : AUTH_PASSWORD_NOT_CACHED;
        $user['id'] = user_create_user($user, false, false);
        $userobject = (object)$user;
        if ($createpassword) {
            setnew_password_and_mail($userobject, true);
            unset_user_preference('create_password', $userobject);
            set_user_preference('auth_forcepasswordchange', 1, $userobject);
        }
        \core\event\user_created::create_from_userid($user['id'])->trigger();
        return (int)$user['id'];
    }

    /**
     * Enrols as enrol_manual_enrol_users does, unless the enrolment and the role are there already.
     *
     * @param int $userid Account.
     * @param bool $existed Whether the account existed before this call (a new one has no enrolment yet).
     * @param array $row Checked row (timestart, timeend).
     * @param \enrol_plugin $plugin Manual enrolment.
     * @param \stdClass $instance Its instance.
     * @param int $roleid Role.
     * @param \context_course $context Course context.
     * @return bool whether this call enrolled or added the role
     */
    protected static function enrol(int $userid, bool $existed, array $row, \enrol_plugin $plugin, \stdClass $instance,
            int $roleid, \context_course $context): bool {
        global $DB;
        if ($existed && $DB->record_exists('user_enrolments', ['enrolid' => $instance->id, 'userid' => $userid])
                && user_has_role_assignment($userid, $roleid, $context->id)) {
            return false; // Sent again: left alone, no second welcome message.
        }
        $plugin->enrol_user($instance, $userid, $roleid, $row['timestart'], $row['timeend'], ENROL_USER_ACTIVE);
        return true;
    }

    /**
     * Result.
     *
     * @return external_multiple_structure
     */
    public static function execute_returns(): external_multiple_structure {
        return new external_multiple_structure(new external_single_structure([
            'index' => new external_value(PARAM_INT, 'The row, from 0, in the order sent'),
            'userid' => new external_value(PARAM_INT, 'The account, created or found; 0 when refused'),
            'created' => new external_value(PARAM_BOOL, 'Whether this call created the account'),
            'enrolled' => new external_value(PARAM_BOOL, 'Whether this call enrolled (false: refused, or already enrolled)'),
            'refusal' => new external_value(PARAM_ALPHA, 'Why the row was refused (one of ' .
                implode(', ', self::REFUSALS) . '); empty when it was not'),
            'message' => new external_value(PARAM_RAW, 'Moodle\'s words for the refusal'),
        ]));
    }
}
