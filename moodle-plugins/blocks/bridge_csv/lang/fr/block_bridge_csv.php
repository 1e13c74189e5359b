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

$string['again'] = 'Déposer un autre fichier';
$string['allrows'] = 'Toutes les lignes';
$string['auth'] = 'Méthode de connexion des comptes créés';
$string['auth_cas'] = 'CAS';
$string['auth_help'] = 'Comment se connecteront les personnes dont le fichier crée le compte : l\'académie choisit les méthodes permises.';
$string['auth_manual'] = 'Compte manuel';
$string['auth_shibboleth'] = 'Shibboleth';
$string['badauth'] = 'La méthode de connexion « {$a} » n\'est pas permise par l\'académie pour les comptes créés : choisissez-en une dans le formulaire.';
$string['bridge_csv:addinstance'] = 'Ajouter un bloc « Inscription par CSV »';
$string['bridge_csv:enrol'] = 'Inscrire des participants par fichier CSV';
$string['bridge_csv:view'] = 'Voir le bloc « Inscription par CSV »';
$string['confirm'] = 'Inscrire';
$string['createdwith'] = 'Comptes créés avec : {$a}';
$string['downloadreport'] = 'Télécharger le rapport';
$string['email'] = 'Courriel';
$string['enrolnumber'] = 'Inscrire {$a} participant(s)';
$string['expired'] = 'Le fichier n\'est plus disponible : déposez-le à nouveau.';
$string['failed'] = 'La demande n\'a pas pu être traitée. Réessayez dans quelques minutes.';
$string['file'] = 'Fichier CSV';
$string['fileproblem'] = 'Le fichier ne peut pas être lu : {$a}';
$string['forbidden'] = 'Vos rôles dans ce parcours ne vous permettent pas d\'y inscrire des participants.';
$string['fullname'] = 'Nom';
$string['group'] = 'Groupe (facultatif)';
$string['groupeffects'] = 'Des participants seront ajoutés à ces groupes :';
$string['jobs'] = 'Vos demandes';
$string['line'] = 'Ligne';
$string['maxpersession'] = 'Participants au plus par session (0 : répartition égale)';
$string['nofile'] = 'Aucun fichier reçu.';
$string['outcome'] = 'Résultat';
$string['pluginname'] = 'Inscription par CSV';
$string['preview'] = 'Prévisualiser';
$string['previewof'] = 'Prévisualisation de l\'inscription dans « {$a} »';
$string['privacy:metadata'] = 'Le bloc ne stocke aucune donnée personnelle ; le démon du pont tient son propre journal d\'audit.';
$string['problemsonly'] = 'Lignes à problème';
$string['reason'] = 'Motif';
$string['removalheld'] = '{$a} personne(s) absente(s) du fichier sont conservées : la désinscription est refusée car le fichier a des lignes à problème ou retirerait plus d\'un cinquième des personnes de ce rôle. Corrigez le fichier, ou demandez à un administrateur.';
$string['removeabsent'] = 'Désinscrire les personnes absentes du fichier';
$string['removeabsent_help'] = 'Désinscrit les personnes qui ont le rôle choisi dans le cours et ne sont pas dans le fichier. Par sécurité, personne n\'est retiré si le fichier a des lignes à problème ou si plus d\'un cinquième d\'entre elles partiraient : la prévisualisation les montre alors conservées.';
$string['removeconfirm'] = 'Désinscrire de « {$a->course} » {$a->count} personne(s) absente(s) du fichier ? Elles n\'auront plus accès au cours.';
$string['removeconfirmtitle'] = 'Désinscrire les personnes absentes du fichier';
$string['role'] = 'Rôle des personnes du fichier';
$string['role_formateur'] = 'Formateur';
$string['role_help'] = 'Le rôle donné à chaque ligne du fichier qui n\'a pas sa propre colonne « Rôle ».';
$string['role_participant'] = 'Participant';
$string['role_tuteur'] = 'Tuteur';
$string['roleis'] = 'Rôle attribué : {$a}';
$string['session'] = 'Session';
$string['sessions'] = 'Répartir aussi dans ces sessions';
$string['sessions_help'] = 'Les lignes sont réparties entre ce cours et les sessions choisies ici (les autres cours de sa catégorie où vous pouvez inscrire), dans l\'ordre du fichier.';
$string['start'] = 'Inscrire des participants depuis un fichier CSV';
$string['submitted'] = 'Inscription lancée : son avancement s\'affiche dans le bloc.';
$string['total'] = 'Lignes';
$string['unavailable'] = 'Le pont m@gistère ne répond pas pour le moment. Réessayez dans quelques minutes.';
$string['unknown'] = 'Personnes sans compte';
$string['unknown_create'] = 'Leur créer un compte';
$string['unknown_reject'] = 'Les signaler sans les inscrire';
