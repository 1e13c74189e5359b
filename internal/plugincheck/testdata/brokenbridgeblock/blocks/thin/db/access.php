<?php
defined('MOODLE_INTERNAL') || die();
$capabilities = [
    'block/thin:addinstance' => ['captype' => 'write', 'contextlevel' => CONTEXT_BLOCK, 'archetypes' => ['editingteacher' => CAP_ALLOW]],
];
