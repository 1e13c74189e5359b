<?php
$plugin->component = 'local_wrong';
