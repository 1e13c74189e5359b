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
 * French strings of block_bridge_csv.
 *
 * @package    block_bridge_csv
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$string['bridge_csv:addinstance'] = 'Ajouter un bloc « Inscription par CSV »';
$string['bridge_csv:enrol'] = 'Inscrire des participants par fichier CSV';
$string['bridge_csv:view'] = 'Voir le bloc « Inscription par CSV »';
$string['confirm'] = 'Inscrire';
$string['downloadreport'] = 'Télécharger le rapport';
$string['email'] = 'Courriel';
$string['expired'] = 'Le fichier prévisualisé n\'est plus disponible : déposez-le à nouveau.';
$string['failed'] = 'Le pont a répondu par une erreur ({$a}).';
$string['file'] = 'Fichier CSV';
$string['forbidden'] = 'Vous ne pouvez pas inscrire dans ce parcours.';
$string['fullname'] = 'Nom';
$string['group'] = 'Groupe (facultatif)';
$string['jobs'] = 'Inscriptions';
$string['line'] = 'Ligne';
$string['nofile'] = 'Aucun fichier reçu.';
$string['outcome'] = 'Résultat';
$string['pluginname'] = 'Inscription par CSV';
$string['preview'] = 'Prévisualiser';
$string['privacy:metadata'] = 'Le bloc ne stocke aucune donnée personnelle ; le démon du pont tient son propre journal d\'audit.';
$string['submitted'] = 'Inscription lancée : traitement {$a}.';
$string['total'] = 'Lignes';
$string['unavailable'] = 'Le pont n\'est pas disponible pour le moment.';
