<?php
namespace local_good\external;
class hello extends \external_api {
    public static function execute_parameters() {
    }
    public static function execute() {
        require_capability('local/good:view', \context_system::instance());
        return ['text' => get_string('hello', 'local_good')];
    }
    public static function execute_returns() {
    }
}
