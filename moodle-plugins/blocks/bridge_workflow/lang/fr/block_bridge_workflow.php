<?php
// This file is part of Moodle - https://moodle.org/
//
// Moodle is free software: you can redistribute it and/or modify
// it under the terms of the GNU General Public License as published by
// the Free Software Foundation, either version 3 of the License, or
// (at your option) any later version.
//
// Moodle is distributed in the hope that it will be useful,
// but WITHOUT ANY WARRANTY; without even the implied warranty of
// MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
// GNU General Public License for more details.
//
// You should have received a copy of the GNU General Public License
// along with Moodle.  If not, see <https://www.gnu.org/licenses/>.

/**
 * French strings of block_bridge_workflow.
 *
 * @package    block_bridge_workflow
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$string['bridge_workflow:addinstance'] = 'Ajouter un bloc « Gestion des parcours »';
$string['bridge_workflow:manage'] = 'Faire évoluer le cycle de vie du parcours';
$string['bridge_workflow:view'] = 'Voir le bloc « Gestion des parcours »';
$string['end'] = 'Fin';
$string['failed'] = 'Le pont a répondu par une erreur ({$a}).';
$string['forbidden'] = 'Vous ne pouvez pas gérer ce parcours.';
$string['jobs'] = 'Traitements en cours';
$string['max'] = 'Maximum par session';
$string['name'] = 'Nom';
$string['notnow'] = 'Impossible pour le moment';
$string['participants'] = 'Participants';
$string['pluginname'] = 'Gestion des parcours';
$string['privacy:metadata'] = 'Le bloc ne stocke aucune donnée personnelle ; le démon du pont tient son propre journal d\'audit.';
$string['refused'] = 'Refusé : {$a}';
$string['shortname'] = 'Nom abrégé';
$string['start'] = 'Début';
$string['state'] = 'État :';
$string['submitted'] = 'Demande envoyée : traitement {$a}.';
$string['unavailable'] = 'Le pont n\'est pas disponible pour le moment.';
