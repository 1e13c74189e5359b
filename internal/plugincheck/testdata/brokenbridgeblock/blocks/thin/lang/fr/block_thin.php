<?php
$string['pluginname'] = 'Thin';
$string['thin:addinstance'] = 'Add';
