<?php
// Browser suite set-up on a real site, run with the site's PHP CLI from its
// tree: php browser_setup.php COURSEID (or prefs USERID...)
//   - adds the four bridge blocks to the course page (as "Add a block" does);
//   - makes "fr" an installed language (a langconfig-only pack in the
//     dataroot: core strings fall back to English, the plugins' own fr
//     strings are used), so a trainer can have a French profile;
//   - shows PHP notices and debugging on the pages (DEVELOPER level), so the
//     suite sees every one.
// Prints one JSON object: {"blocks": [...], "fullname": "..."}.

define('CLI_SCRIPT', true);
require(getcwd() . '/config.php');
require_once($CFG->libdir . '/blocklib.php');

// php browser_setup.php prefs USERID...: the block drawer open for these users (Boost keeps blocks there).
// php browser_setup.php siteadmin USERID: that user becomes a site administrator (an académie's gestionnaire).
if (($argv[1] ?? '') === 'siteadmin') {
    $admins = array_filter(explode(',', (string)$CFG->siteadmins));
    $admins[] = (int)$argv[2];
    set_config('siteadmins', implode(',', array_unique($admins)));
    echo json_encode(['blocks' => [], 'fullname' => '']), "\n";
    exit(0);
}

if (($argv[1] ?? '') === 'prefs') {
    foreach (array_slice($argv, 2) as $userid) {
        set_user_preference('drawer-open-block', 1, (int)$userid);
        set_user_preference('drawer-open-index', 0, (int)$userid);
    }
    echo json_encode(['blocks' => [], 'fullname' => '']), "\n";
    exit(0);
}

$courseid = (int)($argv[1] ?? 0);
$course = get_course($courseid);

$langdir = $CFG->dataroot . '/lang/fr';
if (!is_dir($langdir)) {
    mkdir($langdir, $CFG->directorypermissions, true);
}
file_put_contents($langdir . '/langconfig.php', "<?php\n\$string['thislanguage'] = 'Français';\n"
    . "\$string['thislanguageint'] = 'French';\n\$string['parentlanguage'] = '';\n"
    . "\$string['locale'] = 'fr_FR.UTF-8';\n\$string['decsep'] = ',';\n\$string['thousandssep'] = ' ';\n");

// No user tour over the pages the suite looks at.
$DB->set_field('tool_usertours_tours', 'enabled', 0);
set_config('debug', DEBUG_DEVELOPER);
set_config('debugdisplay', 1);

$page = new moodle_page();
$page->set_course($course);
$page->set_pagelayout('course');
$page->set_pagetype('course-view-' . $course->format);
$context = context_course::instance($courseid);
$have = $DB->get_fieldset_select('block_instances', 'blockname', 'parentcontextid = ?', [$context->id]);
$page->blocks->add_region('side-pre');
$weight = 0;
foreach (['bridge_workflow', 'bridge_csv', 'bridge_tracking', 'bridge_offer'] as $name) {
    if (!in_array($name, $have, true)) {
        // As "Add a block" does on a course page (no capability check: this is the site's own CLI).
        $page->blocks->add_block($name, 'side-pre', $weight++, false, 'course-view-*');
    }
}
purge_all_caches();
$names = $DB->get_fieldset_sql("SELECT blockname FROM {block_instances} WHERE parentcontextid = ? ORDER BY id",
    [context_course::instance($courseid)->id]);
echo json_encode(['blocks' => $names, 'fullname' => $course->fullname]), "\n";
