<?php
$string['pluginname'] = 'Bad';
$string['bad:view'] = 'View';
