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
 * French strings of block_bridge_tracking.
 *
 * @package    block_bridge_tracking
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$string['applyfilter'] = 'Filtrer';
$string['attended'] = 'Formation terminée';
$string['bridge_tracking:addinstance'] = 'Ajouter un bloc « Suivi des participants »';
$string['bridge_tracking:attendance'] = 'Indiquer « Formation terminée »';
$string['bridge_tracking:certificates'] = 'Télécharger les attestations de présence';
$string['bridge_tracking:view'] = 'Voir le bloc « Suivi des participants »';
$string['certificates'] = 'Télécharger les attestations';
$string['chart'] = 'Progression du groupe';
$string['completed'] = 'Ont achevé le parcours';
$string['connected'] = 'Se sont connectés';
$string['done'] = 'Formation terminée';
$string['enrolled'] = 'Inscrits';
$string['failed'] = 'La demande n\'a pas pu être traitée. Réessayez dans quelques minutes.';
$string['filter'] = 'Afficher';
$string['filter_all'] = 'Tous les participants';
$string['filter_done'] = 'Formation terminée';
$string['filter_notdone'] = 'Formation non terminée';
$string['forbidden'] = 'Vos rôles dans ce parcours ne vous permettent pas de suivre ses participants.';
$string['fullpage'] = 'Voir le suivi détaillé';
$string['lastaccess'] = 'Dernier accès';
$string['mark'] = 'Indiquer « Formation terminée »';
$string['never'] = 'Jamais';
$string['nocertificates'] = 'Aucune attestation : aucune des personnes choisies n\'est marquée « Formation terminée ».';
$string['noselection'] = 'Sélectionnez d\'abord des participants.';
$string['participant'] = 'Participant';
$string['pluginname'] = 'Suivi des participants';
$string['privacy:metadata'] = 'Le bloc ne stocke aucune donnée personnelle ; le démon du pont tient son propre journal d\'audit.';
$string['progress'] = 'Progression';
$string['saved'] = 'Enregistré.';
$string['select'] = 'Sélection';
$string['shown'] = '{$a} participant(s)';
$string['unavailable'] = 'Le pont n\'est pas disponible pour le moment.';
$string['unmark'] = 'Retirer « Formation terminée »';
