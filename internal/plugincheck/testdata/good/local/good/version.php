<?php
$plugin->component = 'local_good';
