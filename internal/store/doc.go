// Package store holds the bridge's own state and all of the project's SQL.
//
// # Backends
//
// Open(ctx, "", dataDir) uses embedded SQLite (modernc.org/sqlite, pure Go)
// at <dataDir>/bridge.db in WAL mode, with foreign keys on and a busy
// timeout. Writes go through a single connection whose transactions start
// with BEGIN IMMEDIATE, so writers queue instead of failing; reads use a
// small read-only pool. Open(ctx, dsn, "") with a go-sql-driver/mysql DSN
// uses MySQL 8 / MariaDB ≥ 10.6 (SKIP LOCKED); the DSN is normalised
// (parseTime, UTC, utf8mb4, clientFoundRows, multiStatements off).
// Several bridge processes may share one MySQL store.
//
// Times are stored as UTC unix milliseconds (BIGINT) on both backends, so a
// value round-trips identically; the zero time.Time is stored as 0. Times
// come from the store's clock (SetClock in tests), not from the database.
//
// # Jobs
//
// EnqueueJob (idempotency keys: a second submit returns the first job),
// LeaseJobs (exactly-once leasing across processes, rescue of expired
// leases; each lease raises the job's fencing token, Job.LeaseToken),
// RenewLease / UpdateProgress / SaveStep / CompleteJob / RetryJobLater /
// FailJob / ReleaseJob (all through the worker's Lease, conditional on its
// token: ErrFenced once the job was leased again, ErrLeaseLost otherwise,
// ErrCancelled if an operator cancelled the job), CancelJob / RetryJob
// (operator transitions: ErrConflict from a wrong state), Steps (the
// checkpoints; SeedStep writes one for a job that is not running, for
// tests and repair tools), GetJob / ListJobs / CountJobs,
// DeleteFinishedJobs.
// CompleteJobAudited / FailJobAudited record a job's outcome and its
// audit entry in one transaction, under the same lease condition.
//
// # Transactions
//
// InTx runs writes that stand or fall together through a Tx: a course's
// change (ChangeCourse: its state, trail entry and audit entry), a
// purge, metadata, and a job step's checkpoint (Tx.SaveStep, fenced like
// SaveStep), so that a crash keeps a step's writes and its checkpoint
// together or neither (jobs.Run.StepTx). Only package workflow changes a
// course's state (its test checks that no other package does).
//
// RecordAudit / ListAudit keep the audit trail. Package jobs builds the
// worker pool and scheduler on these.
//
// # Errors
//
// Sentinels (ErrNotFound, ErrLeaseLost, ErrFenced, ErrCancelled,
// ErrConflict, ErrDuplicate) are permanent. Database errors come back as *DBError with
// the failed operation and a verdict for package failure: lost
// connections, deadlocks, lock wait timeouts and SQLITE_BUSY are
// retryable; constraint violations and SQL errors are permanent. Error
// strings never contain the DSN.
//
// # Adding a migration
//
// Append an entry to the migrations slice in migrations.go with the next
// Version, a Name, and the statements for both dialects, one statement per
// string:
//
//	{
//		Version: 2,
//		Name:    "course states",
//		SQLite: []string{`CREATE TABLE course_states (domain TEXT NOT NULL, course_id INTEGER NOT NULL,
//			state TEXT NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (domain, course_id))`},
//		MySQL: []string{`CREATE TABLE course_states (domain VARCHAR(100) NOT NULL, course_id BIGINT NOT NULL,
//			state VARCHAR(32) NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (domain, course_id))
//			ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`},
//	},
//
// Never edit or reorder a shipped migration. Migrations run at Open, each
// recorded in schema_migrations. On SQLite each runs in one transaction. On
// MySQL, DDL commits implicitly, so a failed migration can leave part of
// its statements applied: prefer one DDL statement per migration, or
// statements that are safe to re-run (CREATE TABLE IF NOT EXISTS). On MySQL
// concurrent processes are serialised by GET_LOCK('bridge_migrate', 30).
// Keep times as BIGINT unix milliseconds (use millis/fromMillis) and put
// the new queries in a new file of this package (e.g. courses.go), with
// tests run on both backends through storetest.Each.
//
// # Tests
//
// Package storetest opens fresh stores on both backends for any package's
// tests (see its documentation for BRIDGE_TEST_MYSQL_DSN, CI and
// BRIDGE_REQUIRE_MYSQL).
package store
