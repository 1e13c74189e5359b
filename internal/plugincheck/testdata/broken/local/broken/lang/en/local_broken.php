<?php
$string['pluginname'] = 'Broken';
$string['onlyen'] = 'Only in English';
