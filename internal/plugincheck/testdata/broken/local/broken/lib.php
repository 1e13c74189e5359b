<?php
function local_broken_x() {
    require_capability('local/broken:undeclared', $context);
    has_capability('moodle/site:config', $context); // Core capability: not ours to declare.
    return get_string('missingstring', 'local_broken') . get_string('pluginname', 'core');
}
