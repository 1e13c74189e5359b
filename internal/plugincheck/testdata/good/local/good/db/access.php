<?php
$capabilities = [
    'local/good:view' => [
        'captype' => 'read',
    ],
];
