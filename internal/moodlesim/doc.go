// Package moodlesim is a Moodle-compatible in-memory server for tests,
// benchmarks and `bridge demo`. It answers like the Moodle 4.5 recorded in
// /work/shared/moodle (transcripts are its contract, see contract_test.go),
// and can pretend to be a 3.5 or 2.9 site.
//
// # Sites and endpoints
//
// One process serves one or more sites. With one site its endpoints are at
// the root; with several, each lives under /<site>/:
//
//	/<site>/webservice/rest/server.php      REST (form or query params, PHP arrays)
//	/<site>/webservice/upload.php           multipart upload into the admin's draft area
//	/<site>/webservice/pluginfile.php/...   download with ?token=
//
// Every site starts like a fresh install: site course 1, "Category 1",
// guest user 1, admin user 2 (the owner of the only token), the standard
// roles 1-8, and Moodle's id sequences (contexts start at 11, categories at
// 2, courses at 2, ...), so replaying the recorded calls gives the recorded
// ids. State lives in memory behind one mutex per site.
//
// Behaviour copied from PHP and Moodle: the checks of the REST server in
// their order (invalidtoken, missing function name, unknown function =
// invalidrecord, function outside the service = accessexception, parameter
// validation with Moodle's debuginfo texts); JSON as PHP's json_encode
// writes it ("\/", "\u00e9"); XML when moodlewsrestformat is not json;
// max_input_vars (5000: PHP keeps the first 5001 variables and drops the
// rest silently) and post_max_size (8 MB: the whole body is lost, so the
// answer is an XML invalidtoken); all-or-nothing batches whose failed
// inserts still use up ids, as MariaDB's auto-increment does.
//
// Test hooks live on *Site: AddActivity and SetCompletionCriteria (what the
// recording did through the PHP API), SetMailFailure, SetWebServicesEnabled,
// SetRESTEnabled, SetBackupPolls, SetBackupFailure, and the inspectors
// CallCounts, Counts, EnrolledUserIDs, Outline, CourseIDByShortname, and
// the write ledger Writes and WriteRequests (effects and requests per
// natural key, see writes.go).
//
// # local_bridge
//
// The plugin's functions are installed on every release profile:
// local_bridge_backup_course, _get_backup_status, _restore_course,
// _get_restore_status, _enable_self_enrolment, _freeze_context and
// _mark_course_complete. Backups and restores are asynchronous: each status
// poll advances the job, which is done after SetBackupPolls polls (default
// 1). A backup is a gzip'd tar (moodle_backup.xml and course/course.json)
// stored in the course's backup area and downloadable from the fileurl it
// reports; restore reads a file uploaded to the same site's draft area.
// A frozen course answers nopermissions to writes.
//
// # Faults
//
// The --faults flag takes a comma-separated list, parsed by ParseFaults:
//
//	latency=50ms      delay before each affected call
//	5xx=0.2           rate of HTTP 503 answers; the call does not run
//	timeout=0.1       rate of hangs until the client gives up (or timeout_max), then the connection drops
//	reset=0.05        rate of TCP resets without an answer
//	after_commit=0.1  rate of calls that run (writes commit) and then answer HTTP 500
//	timeout_max=30s   longest hang
//	writes            only affect functions that write (and uploads)
//	seed=42           seed of the decisions (default 1)
//
// One random draw per call picks at most one fault, so the rates must add
// up to at most 1. With the same seed and the same call order the same
// calls fail. Faults touch only REST and upload calls, never downloads.
package moodlesim
