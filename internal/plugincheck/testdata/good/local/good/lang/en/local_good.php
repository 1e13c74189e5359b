<?php
$string['pluginname'] = 'Good';
$string['hello'] = 'Hello';
$string['good:view'] = 'View';
