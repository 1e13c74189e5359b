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
 * French strings of block_bridge_offer.
 *
 * @package    block_bridge_offer
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$string['approve'] = 'Valider';
$string['bridge_offer:addinstance'] = 'Ajouter un bloc « Offre de parcours »';
$string['bridge_offer:approve'] = 'Valider ou refuser les demandes de parcours';
$string['bridge_offer:request'] = 'Demander la mise à disposition d\'un parcours';
$string['bridge_offer:view'] = 'Voir le bloc « Offre de parcours »';
$string['coursename'] = 'Nom du parcours';
$string['digest'] = 'Récapitulatif hebdomadaire des nouvelles offres';
$string['digestoff'] = 'Vous ne recevez pas le récapitulatif hebdomadaire des nouvelles offres.';
$string['digeston'] = 'Vous recevez chaque semaine les nouvelles offres.';
$string['digestsubscribe'] = 'Recevoir chaque semaine les nouvelles offres';
$string['digestsubscribed'] = 'Vous recevrez chaque semaine les nouvelles offres.';
$string['digestunsubscribe'] = 'Ne plus recevoir le récapitulatif hebdomadaire';
$string['digestunsubscribed'] = 'Vous ne recevrez plus le récapitulatif hebdomadaire.';
$string['failed'] = 'La demande n\'a pas pu être envoyée. Réessayez dans quelques minutes.';
$string['jobs'] = 'Vos demandes';
$string['nooffer'] = 'Aucun parcours trouvé.';
$string['pluginname'] = 'Offre de parcours';
$string['privacy:metadata'] = 'Le bloc ne stocke aucune donnée personnelle ; le démon du pont tient son propre journal d\'audit.';
$string['reason'] = 'Motif';
$string['reject'] = 'Refuser';
$string['request'] = 'Demander la mise à disposition';
$string['requestedby'] = '{$a->name}, demandé par {$a->by}';
$string['requests'] = 'Demandes à traiter';
$string['saved'] = 'C\'est fait.';
$string['search'] = 'Rechercher dans l\'offre';
$string['searchbutton'] = 'Rechercher';
$string['shortname'] = 'Nom abrégé';
$string['unavailable'] = 'L\'offre nationale n\'est pas disponible pour le moment.';
