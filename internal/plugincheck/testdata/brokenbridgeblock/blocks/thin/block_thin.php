<?php
defined('MOODLE_INTERNAL') || die();
class block_thin extends \local_bridge\local\bridge_block {
}
