<?php
$capabilities = [
    'local/broken:declared' => [
        'captype' => 'read',
    ],
    'mod/other:cap' => [
        'captype' => 'read',
    ],
];
