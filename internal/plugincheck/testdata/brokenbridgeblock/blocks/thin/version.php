<?php
defined('MOODLE_INTERNAL') || die();
$plugin->component = 'block_thin';
$plugin->version = 2025060100;
$plugin->requires = 2022041900;
$plugin->dependencies = ['local_bridge' => 2025060100];
