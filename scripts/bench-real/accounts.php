<?php
// Benchmark fixture for scripts/bench-real.sh (never part of a timed step):
// COUNT existing accounts, so that a measure sees a site the size of an
// académie (core_user_create_users scans the whole user table per account,
// uploaduser.php checks the e-mail by index: the difference grows with it).
//   php accounts.php --count=50000 [--prefix=seed]
// Run from a Moodle tree. Accounts are made with Moodle's user_create_user,
// auth shibboleth (no password to hash), in transactions of 1,000.
define('CLI_SCRIPT', true);
require(getcwd() . '/config.php');
require_once($CFG->libdir . '/clilib.php');
require_once($CFG->dirroot . '/user/lib.php');

[$opt] = cli_get_params(['count' => 0, 'prefix' => 'seed'], []);
$n = (int)$opt['count'];
$prefix = clean_param($opt['prefix'], PARAM_ALPHANUM);
if ($n <= 0 || $prefix === '') {
    cli_error('--count=N (N > 0) and an alphanumeric --prefix are required');
}
\core\cron::setup_user();
for ($start = 1; $start <= $n; $start += 1000) {
    $tx = $DB->start_delegated_transaction();
    for ($i = $start; $i < min($start + 1000, $n + 1); $i++) {
        $u = sprintf('%s%07d', $prefix, $i);
        user_create_user(['username' => $u, 'auth' => 'shibboleth', 'firstname' => "P$i", 'lastname' => 'SEED',
            'email' => "$u@seed.invalid", 'mnethostid' => $CFG->mnet_localhost_id, 'confirmed' => 1], false, false);
    }
    $tx->allow_commit();
}
echo "accounts=" . $DB->count_records('user') . "\n";
