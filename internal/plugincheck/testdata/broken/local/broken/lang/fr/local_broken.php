<?php
$string['pluginname'] = 'Cassé';
$string['onlyfr'] = 'Seulement en français';
