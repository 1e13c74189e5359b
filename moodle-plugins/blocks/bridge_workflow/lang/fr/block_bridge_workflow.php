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

$string['badduration'] = 'Les durées s\'indiquent en heures entières et de 0 à 59 minutes.';
$string['badplan'] = 'Le pont ne peut pas lire ces valeurs : chaque classe virtuelle s\'écrit sur sa ligne au format JJ/MM/AAAA HH:MM (par exemple 14/01/2027 14:00), avec des dates complètes.';
$string['bridge_workflow:addinstance'] = 'Ajouter un bloc « Gestion des parcours »';
$string['bridge_workflow:manage'] = 'Faire évoluer le cycle de vie du parcours';
$string['bridge_workflow:unarchive'] = 'Désarchiver une session';
$string['bridge_workflow:view'] = 'Voir le bloc « Gestion des parcours »';
$string['checkcalendar'] = 'Vérifier le calendrier';
$string['checknowarning'] = 'Aucune alerte du calendrier pour ces dates.';
$string['checkwarnings'] = 'À vérifier dans le calendrier scolaire avant de créer les sessions :';
$string['createsessions'] = 'Créer les sessions';
$string['end'] = 'Fin';
$string['failed'] = 'La demande n\'a pas pu être envoyée. Réessayez dans quelques minutes.';
$string['forbidden'] = 'Vos rôles dans ce parcours ne vous permettent pas de le gérer.';
$string['hours'] = 'Heures';
$string['inperson'] = 'Durée en présentiel';
$string['jobs'] = 'Vos demandes';
$string['max'] = 'Maximum par session';
$string['minutes'] = 'Minutes';
$string['name'] = 'Nom';
$string['nometadata'] = 'Indiquez au moins une durée ou les objectifs.';
$string['notnow'] = 'Impossible pour le moment';
$string['objectives'] = 'Objectifs';
$string['participants'] = 'Participants';
$string['pluginname'] = 'Gestion des parcours';
$string['privacy:metadata'] = 'Le bloc ne stocke aucune donnée personnelle ; le démon du pont tient son propre journal d\'audit.';
$string['refused'] = 'Impossible : {$a}';
$string['remote'] = 'Durée à distance';
$string['sessioncount'] = '{$a} session(s) seront créées avec ces valeurs.';
$string['shortname'] = 'Nom abrégé';
$string['start'] = 'Début';
$string['state'] = 'État :';
$string['submitted'] = 'Demande envoyée : {$a}. Son avancement s\'affiche dans le bloc.';
$string['tr_archive'] = 'Archiver la session';
$string['tr_archive_confirm'] = 'Archiver « {$a} » ? Ses participants pourront seulement le consulter, et personne ne pourra plus y contribuer. Il pourra être désarchivé.';
$string['tr_archive_help'] = 'Range la session dans la catégorie Archive, en lecture seule pour ses participants ; elle pourra être désarchivée.';
$string['tr_create_parcours'] = 'Créer un parcours';
$string['tr_create_parcours_help'] = 'Crée un nouveau parcours en construction à partir de ce gabarit.';
$string['tr_create_sessions'] = 'Créer des sessions';
$string['tr_create_sessions_help'] = 'Crée une session par groupe de participants, avec ses dates ; les alertes du calendrier scolaire sont affichées avant la création.';
$string['tr_demonstrate'] = 'Créer une copie de démonstration';
$string['tr_demonstrate_help'] = 'Crée une copie du parcours consultable sans inscription.';
$string['tr_duplicate'] = 'Dupliquer';
$string['tr_duplicate_help'] = 'Crée une copie de ce parcours sous un nouveau nom (sans ses participants).';
$string['tr_open'] = 'Ouvrir la session';
$string['tr_open_help'] = 'Rend la session visible à ses participants ; ses durées et objectifs doivent être renseignés avant.';
$string['tr_open_self_enrolment'] = 'Ouvrir l\'auto-inscription';
$string['tr_open_self_enrolment_help'] = 'Permet aux personnes de s\'inscrire elles-mêmes dans cette session.';
$string['tr_restore'] = 'Restaurer depuis la corbeille';
$string['tr_restore_help'] = 'Remet le parcours là où il était avant sa mise à la corbeille.';
$string['tr_set_metadata'] = 'Enregistrer la fiche';
$string['tr_set_metadata_help'] = 'Durées (à distance et en présentiel) et objectifs, repris sur les attestations et dans l\'offre.';
$string['tr_trash'] = 'Mettre à la corbeille';
$string['tr_trash_confirm'] = 'Mettre « {$a} » à la corbeille ? Ses participants ne le verront plus.';
$string['tr_trash_help'] = 'Range le parcours dans la catégorie Corbeille ; il pourra être restauré.';
$string['tr_unarchive'] = 'Désarchiver la session';
$string['tr_unarchive_help'] = 'Remet la session là où elle était avant son archivage, de nouveau ouverte aux contributions.';
$string['unavailable'] = 'Le pont m@gistère ne répond pas pour le moment. Réessayez dans quelques minutes.';
$string['virtualclasses'] = 'Classes virtuelles (une par ligne, JJ/MM/AAAA HH:MM)';
$string['warnings'] = 'À vérifier dans le calendrier :';
