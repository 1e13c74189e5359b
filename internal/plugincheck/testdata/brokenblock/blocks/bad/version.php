<?php
defined('MOODLE_INTERNAL') || die();
$plugin->component = 'block_bad';
$plugin->version = 2025060100;
