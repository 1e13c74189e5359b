<?php
$functions = [
    'local_broken_nofile' => [
        'classname' => 'local_broken\external\nofile',
        'capabilities' => 'local/broken:fromservice',
    ],
    'local_broken_partial' => [
        'classname' => 'local_broken\external\partial',
    ],
    'badname' => [
        'classname' => 'local_broken\external\partial',
    ],
];
