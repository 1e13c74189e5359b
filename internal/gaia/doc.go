// Package gaia imports GAIA drop files and keeps session courses in step
// with them.
//
// GAIA, the HR system of the Education nationale, exports three files per
// académie and school year from its training module, pipe-separated ('|'),
// usually Windows-1252, CRLF, with a header line:
//
//   - Formations: one line per session (dispositif, module, groupe,
//     libellé, dates de début et de fin, lieu...);
//   - Intervenants: the trainers of each session (session identifiants,
//     NUMEN or identifiant, nom, prénom, courriel...);
//   - Stagiaires: the participants of each session (session identifiants,
//     nom, prénom, courriel, établissement RNE/UAI...).
//
// Column sets vary between exports, so columns are found by header
// aliases folded for case, accents and punctuation ("N° de groupe",
// "Numéro groupe" and "GROUPE" are the same column). A file's kind comes
// from its name (formations / intervenants / stagiaires, also formateurs /
// participants) and, failing that, from its header.
//
// # Sessions
//
// A GAIA session is identified by its key, SessionKey(dispositif, module,
// groupe) = "dispositif/module/groupe" (each part trimmed and upper-cased).
//
// # Parsing
//
// Parse reads a whole file and returns what it could use plus a Problem per
// bad line, each naming the file, the line and the field (wrong number of
// fields, missing identifiant, invalid e-mail or date, duplicate of an
// earlier line). Bad lines are skipped, the rest is kept. A file whose
// header lacks a required column, or whose kind cannot be told, is refused
// as a whole (*FileError). Lines are decoded one by one: valid UTF-8 stays
// as is, anything else is Windows-1252.
//
// # Import
//
// Importer.Import stores a parsed file in one store transaction (all or
// nothing per file). A file whose SHA-256 the domain already imported is
// skipped and said so (Outcome.Skipped). People of an Intervenants or
// Stagiaires file replace, per session and role, those of earlier files of
// that kind: the newest file is GAIA's current list for the sessions it
// names.
//
// # Sync
//
// A course is linked to one GAIA session (store.LinkGaiaSession). Job kind
// "gaia.sync" (KindSync, payload {"domain"}) walks a domain's links and,
// per course, builds enrol.Row values from the stored people (role
// participant or formateur; a person listed as both is enrolled as
// formateur), plans them with enrol.PlanRows under the domain's
// unknown-user policy and applies the plan with enrol.Apply, each course's
// plan and phases checkpointed. The plan reads who is enrolled first, so a
// second sync with the same lists changes nothing. Participants enrolled
// in the course (holding only the participant role) whom GAIA no longer
// lists are reported by Moodle user id (Absent), never unenrolled.
// Schedule it in `schedules` with kind gaia.sync.
package gaia
