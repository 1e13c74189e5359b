<?php
defined('MOODLE_INTERNAL') || die();
class block_bad extends block_list_wrong {
    public function get_content() {
        $c = new \local_bridge\bridge_client('http://x', 'd', 's');
        return $OUTPUT->render_from_template('block_bad/absent', []);
    }
}
