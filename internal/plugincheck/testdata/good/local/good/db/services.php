<?php
$functions = [
    'local_good_hello' => [
        'classname' => 'local_good\external\hello',
        'capabilities' => 'local/good:view',
    ],
];
