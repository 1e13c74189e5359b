<?php
namespace local_broken\external;
class partial {
    public static function execute(int $x): array {
        throw new \moodle_exception('undefinederror', 'local_broken');
    }
    private static function execute_returns() {
    }
}
