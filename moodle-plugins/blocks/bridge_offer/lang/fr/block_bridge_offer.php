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

$string['alreadyrequested'] = 'Vous avez déjà demandé ce parcours sous le nom « {$a->name} » : {$a->state}.';
$string['any'] = 'Tous';
$string['approve'] = 'Valider';
$string['approved'] = 'Demande « {$a} » validée : le parcours est en cours de déploiement, et le demandeur en sera averti par un message.';
$string['bridge_offer:addinstance'] = 'Ajouter un bloc « Offre de parcours »';
$string['bridge_offer:approve'] = 'Valider ou refuser les demandes de parcours';
$string['bridge_offer:request'] = 'Demander la mise à disposition d\'un parcours';
$string['bridge_offer:view'] = 'Voir le bloc « Offre de parcours »';
$string['browse'] = 'Parcourir l\'offre ({$a} parcours)';
$string['collection'] = 'Collection';
$string['coursename'] = 'Nom du parcours';
$string['decision'] = 'Décision';
$string['demo'] = 'Démonstration';
$string['demolink'] = 'Voir le parcours en démonstration';
$string['digest'] = 'Récapitulatif hebdomadaire des nouvelles offres';
$string['digestoff'] = 'Vous ne recevez pas le récapitulatif hebdomadaire des nouvelles offres.';
$string['digeston'] = 'Vous recevez chaque semaine les nouvelles offres.';
$string['digestsubscribe'] = 'Recevoir chaque semaine les nouvelles offres';
$string['digestsubscribed'] = 'Vous recevrez chaque semaine les nouvelles offres.';
$string['digestunsubscribe'] = 'Ne plus recevoir le récapitulatif hebdomadaire';
$string['digestunsubscribed'] = 'Vous ne recevrez plus le récapitulatif hebdomadaire.';
$string['duration'] = 'Durée';
$string['duration_over12h'] = 'Plus de 12 h';
$string['duration_upto12h'] = 'De 6 h à 12 h';
$string['duration_upto3h'] = 'Jusqu\'à 3 h';
$string['duration_upto6h'] = 'De 3 h à 6 h';
$string['failed'] = 'La demande n\'a pas pu être envoyée. Réessayez dans quelques minutes.';
$string['found'] = '{$a} parcours trouvé(s).';
$string['inperson'] = 'En présence';
$string['jobs'] = 'Vos demandes';
$string['keywords'] = 'Mots-clés';
$string['myrequests'] = 'Vos demandes de parcours';
$string['nooffer'] = 'Aucun parcours trouvé.';
$string['norequests'] = 'Aucune demande n\'attend de décision.';
$string['opencourse'] = 'Ouvrir le parcours';
$string['origin'] = 'Origine';
$string['parcours'] = 'Parcours';
$string['pendingcount'] = 'Demandes en attente de décision : {$a}';
$string['pluginname'] = 'Offre de parcours';
$string['privacy:metadata'] = 'Le bloc ne stocke aucune donnée personnelle ; le démon du pont tient son propre journal d\'audit.';
$string['public'] = 'Public';
$string['published'] = 'Partagé le';
$string['reason'] = 'Motif';
$string['reasonis'] = 'Motif : {$a}';
$string['reject'] = 'Refuser';
$string['rejected'] = 'Demande « {$a} » refusée ; le demandeur recevra le motif par un message.';
$string['remote'] = 'À distance';
$string['request'] = 'Demander la mise à disposition';
$string['requestbutton'] = 'Demander ce parcours';
$string['requester'] = 'Demandé par';
$string['requests'] = 'Demandes à traiter';
$string['requestsent'] = 'Votre demande « {$a} » est envoyée : un gestionnaire de la plateforme va l\'examiner, et vous serez averti par un message.';
$string['requeststate_approved'] = 'validée, en cours de déploiement';
$string['requeststate_deployed'] = 'déployée';
$string['requeststate_failed'] = 'échec du déploiement, un gestionnaire va le relancer';
$string['requeststate_rejected'] = 'refusée';
$string['requeststate_requested'] = 'en attente de décision';
$string['saved'] = 'C\'est fait.';
$string['search'] = 'Rechercher dans l\'offre';
$string['searchbutton'] = 'Rechercher';
$string['shortname'] = 'Nom abrégé';
$string['shortname_help'] = 'Le nom abrégé du nouveau cours sur cette plateforme ; aucun autre cours ne doit l\'utiliser.';
$string['shortnameis'] = 'Nom abrégé : {$a}';
$string['unavailable'] = 'L\'offre nationale n\'est pas disponible pour le moment.';
