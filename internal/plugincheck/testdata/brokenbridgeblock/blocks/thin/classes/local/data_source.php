<?php
namespace block_thin\local;
class data_source {
    public const CAPABILITY_FLAGS = ['cango' => 'go'];
}
