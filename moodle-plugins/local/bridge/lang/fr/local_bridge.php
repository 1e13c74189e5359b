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
 * French strings of local_bridge.
 *
 * @package    local_bridge
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$string['backtocourse'] = 'Retour au parcours';
$string['backtosettings'] = 'Retour aux réglages';
$string['backupfilemissing'] = 'La sauvegarde est terminée mais son fichier est introuvable.';
$string['bridge:approveoffer'] = 'Valider un parcours pour l\'offre nationale';
$string['bridge:downloadcertificates'] = 'Télécharger les attestations de présence';
$string['bridge:enrolcsv'] = 'Inscrire des participants depuis un fichier CSV';
$string['bridge:manageworkflow'] = 'Faire avancer un parcours dans le flux de formation';
$string['bridge:markattendance'] = 'Indiquer qu\'un participant a terminé la formation';
$string['bridge:requestoffer'] = 'Demander un parcours de l\'offre nationale';
$string['bridge:use'] = 'Utiliser les services web du pont';
$string['bridge:viewoffer'] = 'Consulter l\'offre nationale';
$string['bridge:viewtracking'] = 'Consulter la progression des participants';
$string['bridgeurl'] = 'URL du pont';
$string['bridgeurl_desc'] = 'Adresse du démon m@gistère bridge, par exemple https://bridge.example.org.';
$string['completionnotenabled'] = 'Le suivi d\'achèvement n\'est pas activé dans ce parcours.';
$string['connection'] = 'Connexion au pont';
$string['connection_desc'] = 'Les requêtes vers le pont sont signées avec le secret partagé ; le pont doit connaître ce site sous le même nom de domaine et le même secret.';
$string['contextlockingdisabled'] = 'Le gel des contextes est désactivé sur ce site (réglage contextlocking).';
$string['domain'] = 'Nom de domaine';
$string['domain_desc'] = 'Nom de ce site auprès du pont, par exemple ac-versailles (lettres, chiffres, point, tiret, souligné, deux-points).';
$string['error_badinput'] = 'Des champs sont manquants ou invalides : vérifiez-les et réessayez.';
$string['error_conflict'] = 'Quelqu\'un l\'a modifié entre-temps : rechargez la page pour voir où il en est.';
$string['error_forbidden'] = 'Vos rôles dans ce parcours ne permettent pas cette action.';
$string['error_notconfigured'] = 'Le pont m@gistère n\'est pas encore configuré sur ce site. Contactez l\'administrateur du site.';
$string['error_notfound'] = 'Cet élément n\'existe plus.';
$string['error_refused'] = 'Le pont a refusé cette demande. Réessayez ou contactez l\'administrateur du site.';
$string['error_unreachable'] = 'Le pont m@gistère ne répond pas pour le moment. Réessayez dans quelques minutes ou contactez l\'administrateur du site.';
$string['invalidbackupfile'] = 'Le fichier déposé n\'est pas une sauvegarde Moodle lisible.';
$string['jobkind_archive_course'] = 'Archivage';
$string['jobkind_archive_unarchive'] = 'Désarchivage';
$string['jobkind_enrol_apply'] = 'Inscription par CSV';
$string['jobkind_offer_deploy'] = 'Déploiement d\'un parcours de l\'offre';
$string['jobkind_offer_share'] = 'Partage dans l\'offre';
$string['jobkind_other'] = 'Demande';
$string['jobkind_tracking_certificates'] = 'Attestations';
$string['jobkind_tracking_sync'] = 'Mise à jour des statistiques';
$string['jobkind_workflow_create_parcours'] = 'Création d\'un parcours';
$string['jobkind_workflow_create_sessions'] = 'Création de sessions';
$string['jobkind_workflow_demonstrate'] = 'Copie de démonstration';
$string['jobkind_workflow_duplicate'] = 'Duplication';
$string['jobkind_workflow_open'] = 'Ouverture de la session';
$string['jobkind_workflow_open_self_enrolment'] = 'Ouverture de l\'auto-inscription';
$string['jobkind_workflow_restore'] = 'Restauration depuis la corbeille';
$string['jobkind_workflow_set_metadata'] = 'Fiche du parcours';
$string['jobkind_workflow_trash'] = 'Mise à la corbeille';
$string['jobresult'] = 'Voir le résultat';
$string['jobstate_cancelled'] = 'Annulé';
$string['jobstate_failed'] = 'Échec';
$string['jobstate_queued'] = 'En attente';
$string['jobstate_running'] = 'En cours';
$string['jobstate_succeeded'] = 'Terminé';
$string['nobackupfile'] = 'Aucun fichier de sauvegarde dans la zone de brouillon indiquée.';
$string['operationfailed'] = 'L\'opération a échoué ; voir les journaux de sauvegarde pour le détail.';
$string['operationnotfound'] = 'Opération {$a} introuvable.';
$string['passwordrequired'] = 'Ce site exige une clé d\'inscription pour l\'auto-inscription.';
$string['pluginname'] = 'Pont m@gistère';
$string['privacy:metadata:bridge'] = 'Le pont m@gistère automatise les flux de formation de ce site ; il reçoit des données pour inscrire les participants et produire les attestations de présence.';
$string['privacy:metadata:bridge:completion'] = 'Si le participant a terminé la formation.';
$string['privacy:metadata:bridge:courseid'] = 'Le parcours concerné par la requête.';
$string['privacy:metadata:bridge:email'] = 'L\'adresse de courriel des participants inscrits.';
$string['privacy:metadata:bridge:firstname'] = 'Le prénom des participants inscrits.';
$string['privacy:metadata:bridge:lastname'] = 'Le nom des participants inscrits.';
$string['privacy:metadata:bridge:userid'] = 'L\'identifiant de l\'utilisateur qui agit via le pont.';
$string['restoreprecheckfailed'] = 'Les vérifications préalables à la restauration ont échoué : {$a}';
$string['selfenrolmentdisabled'] = 'Le plugin d\'auto-inscription est désactivé sur ce site.';
$string['sharedsecret'] = 'Secret partagé';
$string['sharedsecret_desc'] = 'Secret partagé avec le pont pour ce domaine ; il signe chaque requête et ne circule jamais lui-même.';
$string['shortnameinuse'] = 'Le nom abrégé {$a} est déjà utilisé par un autre parcours.';
$string['test_clockskew'] = 'Les horloges de ce serveur et du pont diffèrent de {$a->skew} secondes : les requêtes signées sont refusées au-delà de cinq minutes. Synchronisez l\'heure (NTP).';
$string['test_notconfigured'] = 'Le pont n\'est pas configuré : renseignez son URL, le nom de domaine et le secret partagé.';
$string['test_ok'] = 'Connexion réussie : le pont reconnaît ce site ({$a->domain}) et accepte sa signature.';
$string['test_unknowndomain'] = 'Le pont répond mais ne connaît pas le domaine « {$a->domain} » : vérifiez ce nom ici et dans la configuration du pont.';
$string['test_unreachable'] = 'Le pont ne répond pas à l\'URL indiquée : vérifiez l\'URL, et que le démon tourne et est joignable depuis ce serveur.';
$string['test_wrongsecret'] = 'Le pont connaît ce domaine mais refuse la signature : le secret partagé ne correspond pas à celui de sa configuration.';
$string['testconnection'] = 'Tester la connexion';
$string['timeout'] = 'Délai des requêtes';
$string['timeout_desc'] = 'Secondes d\'attente d\'une réponse du pont avant abandon.';
$string['usernotenrolled'] = 'L\'utilisateur n\'est pas inscrit dans ce parcours.';
$string['yourjobs'] = 'Vos demandes';
