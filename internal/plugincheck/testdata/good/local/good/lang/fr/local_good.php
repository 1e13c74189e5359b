<?php
$string['pluginname'] = 'Bon';
$string['hello'] = 'Bonjour';
$string['good:view'] = 'Voir';
