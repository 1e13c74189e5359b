<?php
defined('MOODLE_INTERNAL') || die();
$capabilities = [
    'block/bad:view' => [
        'captype' => 'read',
    ],
];
