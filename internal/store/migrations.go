package store

// migrations is the ordered schema history. Append only: never edit or
// reorder an entry that has shipped. See doc.go for how to add one.
var migrations = []migration{
	{
		Version: 1,
		Name:    "jobs, job steps and audit",
		SQLite: []string{
			`CREATE TABLE IF NOT EXISTS jobs (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				kind TEXT NOT NULL,
				domain TEXT NOT NULL DEFAULT '',
				payload TEXT NOT NULL,
				idempotency_key TEXT NULL UNIQUE,
				state TEXT NOT NULL,
				attempts INTEGER NOT NULL DEFAULT 0,
				max_attempts INTEGER NOT NULL,
				run_at INTEGER NOT NULL,
				lease_owner TEXT NOT NULL DEFAULT '',
				lease_expires_at INTEGER NOT NULL DEFAULT 0,
				progress_done INTEGER NOT NULL DEFAULT 0,
				progress_total INTEGER NOT NULL DEFAULT 0,
				progress_message TEXT NOT NULL DEFAULT '',
				result TEXT NULL,
				last_error TEXT NOT NULL DEFAULT '',
				requested_by TEXT NOT NULL DEFAULT '',
				created_at INTEGER NOT NULL,
				updated_at INTEGER NOT NULL,
				finished_at INTEGER NOT NULL DEFAULT 0
			)`,
			`CREATE INDEX IF NOT EXISTS jobs_state_run_at ON jobs (state, run_at)`,
			`CREATE INDEX IF NOT EXISTS jobs_state_lease ON jobs (state, lease_expires_at)`,
			`CREATE INDEX IF NOT EXISTS jobs_kind ON jobs (kind)`,
			`CREATE INDEX IF NOT EXISTS jobs_domain ON jobs (domain)`,
			`CREATE TABLE IF NOT EXISTS job_steps (
				job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
				name TEXT NOT NULL,
				result TEXT NOT NULL,
				done_at INTEGER NOT NULL,
				PRIMARY KEY (job_id, name)
			)`,
			`CREATE TABLE IF NOT EXISTS audit (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				at INTEGER NOT NULL,
				actor TEXT NOT NULL,
				domain TEXT NOT NULL DEFAULT '',
				action TEXT NOT NULL,
				target TEXT NOT NULL DEFAULT '',
				params TEXT NOT NULL,
				outcome TEXT NOT NULL DEFAULT '',
				job_id INTEGER NULL,
				detail TEXT NOT NULL DEFAULT ''
			)`,
			`CREATE INDEX IF NOT EXISTS audit_at ON audit (at)`,
			`CREATE INDEX IF NOT EXISTS audit_domain_at ON audit (domain, at)`,
			`CREATE INDEX IF NOT EXISTS audit_job ON audit (job_id)`,
		},
		MySQL: []string{
			`CREATE TABLE IF NOT EXISTS jobs (
				id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
				kind VARCHAR(100) NOT NULL,
				domain VARCHAR(100) NOT NULL DEFAULT '',
				payload MEDIUMTEXT NOT NULL,
				idempotency_key VARCHAR(255) NULL,
				state VARCHAR(16) NOT NULL,
				attempts INT NOT NULL DEFAULT 0,
				max_attempts INT NOT NULL,
				run_at BIGINT NOT NULL,
				lease_owner VARCHAR(255) NOT NULL DEFAULT '',
				lease_expires_at BIGINT NOT NULL DEFAULT 0,
				progress_done INT NOT NULL DEFAULT 0,
				progress_total INT NOT NULL DEFAULT 0,
				progress_message VARCHAR(1000) NOT NULL DEFAULT '',
				result MEDIUMTEXT NULL,
				last_error TEXT NOT NULL,
				requested_by VARCHAR(255) NOT NULL DEFAULT '',
				created_at BIGINT NOT NULL,
				updated_at BIGINT NOT NULL,
				finished_at BIGINT NOT NULL DEFAULT 0,
				UNIQUE KEY jobs_idempotency_key (idempotency_key),
				KEY jobs_state_run_at (state, run_at),
				KEY jobs_state_lease (state, lease_expires_at),
				KEY jobs_kind (kind),
				KEY jobs_domain (domain)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
			`CREATE TABLE IF NOT EXISTS job_steps (
				job_id BIGINT NOT NULL,
				name VARCHAR(191) NOT NULL,
				result MEDIUMTEXT NOT NULL,
				done_at BIGINT NOT NULL,
				PRIMARY KEY (job_id, name),
				CONSTRAINT job_steps_job FOREIGN KEY (job_id) REFERENCES jobs (id) ON DELETE CASCADE
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
			`CREATE TABLE IF NOT EXISTS audit (
				id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
				at BIGINT NOT NULL,
				actor VARCHAR(255) NOT NULL,
				domain VARCHAR(100) NOT NULL DEFAULT '',
				action VARCHAR(100) NOT NULL,
				target VARCHAR(255) NOT NULL DEFAULT '',
				params MEDIUMTEXT NOT NULL,
				outcome VARCHAR(100) NOT NULL DEFAULT '',
				job_id BIGINT NULL,
				detail TEXT NOT NULL,
				KEY audit_at (at),
				KEY audit_domain_at (domain, at),
				KEY audit_job (job_id)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
		},
	},
	{
		Version: 2,
		Name:    "enrolment reports",
		SQLite: []string{
			`CREATE TABLE IF NOT EXISTS enrol_reports (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				job_id INTEGER NULL UNIQUE,
				domain TEXT NOT NULL,
				course_id INTEGER NOT NULL,
				file_sha256 TEXT NOT NULL,
				dry_run INTEGER NOT NULL DEFAULT 0,
				created_at INTEGER NOT NULL,
				counts TEXT NOT NULL
			)`,
			`CREATE INDEX IF NOT EXISTS enrol_reports_course ON enrol_reports (domain, course_id, created_at)`,
			`CREATE TABLE IF NOT EXISTS enrol_report_rows (
				report_id INTEGER NOT NULL REFERENCES enrol_reports(id) ON DELETE CASCADE,
				seq INTEGER NOT NULL,
				line INTEGER NOT NULL,
				status TEXT NOT NULL,
				data TEXT NOT NULL,
				PRIMARY KEY (report_id, seq)
			)`,
		},
		MySQL: []string{
			`CREATE TABLE IF NOT EXISTS enrol_reports (
				id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
				job_id BIGINT NULL,
				domain VARCHAR(100) NOT NULL,
				course_id BIGINT NOT NULL,
				file_sha256 CHAR(64) NOT NULL,
				dry_run TINYINT NOT NULL DEFAULT 0,
				created_at BIGINT NOT NULL,
				counts TEXT NOT NULL,
				UNIQUE KEY enrol_reports_job (job_id),
				KEY enrol_reports_course (domain, course_id, created_at)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
			`CREATE TABLE IF NOT EXISTS enrol_report_rows (
				report_id BIGINT NOT NULL,
				seq INT NOT NULL,
				line INT NOT NULL,
				status VARCHAR(32) NOT NULL,
				data TEXT NOT NULL,
				PRIMARY KEY (report_id, seq),
				CONSTRAINT enrol_report_rows_report FOREIGN KEY (report_id) REFERENCES enrol_reports (id) ON DELETE CASCADE
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
		},
	},
	{
		Version: 3,
		Name:    "workflow: domain categories and roles, course states, transitions, metadata, reminders",
		SQLite: []string{
			`CREATE TABLE IF NOT EXISTS domain_categories (
				domain TEXT NOT NULL,
				role_key TEXT NOT NULL,
				category_id INTEGER NOT NULL,
				idnumber TEXT NOT NULL DEFAULT '',
				updated_at INTEGER NOT NULL,
				PRIMARY KEY (domain, role_key)
			)`,
			`CREATE TABLE IF NOT EXISTS domain_roles (
				domain TEXT NOT NULL,
				role_key TEXT NOT NULL,
				shortname TEXT NOT NULL,
				role_id INTEGER NOT NULL,
				updated_at INTEGER NOT NULL,
				PRIMARY KEY (domain, role_key)
			)`,
			`CREATE TABLE IF NOT EXISTS course_states (
				domain TEXT NOT NULL,
				course_id INTEGER NOT NULL,
				state TEXT NOT NULL,
				variant TEXT NOT NULL DEFAULT '',
				source_course_id INTEGER NOT NULL DEFAULT 0,
				origin_state TEXT NOT NULL DEFAULT '',
				origin_variant TEXT NOT NULL DEFAULT '',
				origin_category_id INTEGER NOT NULL DEFAULT 0,
				origin_visible INTEGER NOT NULL DEFAULT 0,
				updated_at INTEGER NOT NULL,
				PRIMARY KEY (domain, course_id)
			)`,
			`CREATE INDEX IF NOT EXISTS course_states_state ON course_states (domain, state)`,
			`CREATE TABLE IF NOT EXISTS course_transitions (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				domain TEXT NOT NULL,
				course_id INTEGER NOT NULL,
				at INTEGER NOT NULL,
				actor TEXT NOT NULL,
				transition TEXT NOT NULL,
				from_state TEXT NOT NULL,
				to_state TEXT NOT NULL,
				params TEXT NOT NULL,
				job_id INTEGER NULL
			)`,
			`CREATE INDEX IF NOT EXISTS course_transitions_course ON course_transitions (domain, course_id, at)`,
			`CREATE TABLE IF NOT EXISTS course_metadata (
				domain TEXT NOT NULL,
				course_id INTEGER NOT NULL,
				remote_minutes INTEGER NULL,
				inperson_minutes INTEGER NULL,
				objectives TEXT NOT NULL DEFAULT '',
				updated_at INTEGER NOT NULL,
				PRIMARY KEY (domain, course_id)
			)`,
			`CREATE TABLE IF NOT EXISTS reminders_sent (
				domain TEXT NOT NULL,
				course_id INTEGER NOT NULL,
				kind TEXT NOT NULL,
				sent_at INTEGER NOT NULL,
				UNIQUE (domain, course_id, kind)
			)`,
		},
		MySQL: []string{
			`CREATE TABLE IF NOT EXISTS domain_categories (
				domain VARCHAR(100) NOT NULL,
				role_key VARCHAR(64) NOT NULL,
				category_id BIGINT NOT NULL,
				idnumber VARCHAR(100) NOT NULL DEFAULT '',
				updated_at BIGINT NOT NULL,
				PRIMARY KEY (domain, role_key)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
			`CREATE TABLE IF NOT EXISTS domain_roles (
				domain VARCHAR(100) NOT NULL,
				role_key VARCHAR(64) NOT NULL,
				shortname VARCHAR(100) NOT NULL,
				role_id BIGINT NOT NULL,
				updated_at BIGINT NOT NULL,
				PRIMARY KEY (domain, role_key)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
			`CREATE TABLE IF NOT EXISTS course_states (
				domain VARCHAR(100) NOT NULL,
				course_id BIGINT NOT NULL,
				state VARCHAR(32) NOT NULL,
				variant VARCHAR(32) NOT NULL DEFAULT '',
				source_course_id BIGINT NOT NULL DEFAULT 0,
				origin_state VARCHAR(32) NOT NULL DEFAULT '',
				origin_variant VARCHAR(32) NOT NULL DEFAULT '',
				origin_category_id BIGINT NOT NULL DEFAULT 0,
				origin_visible TINYINT NOT NULL DEFAULT 0,
				updated_at BIGINT NOT NULL,
				PRIMARY KEY (domain, course_id),
				KEY course_states_state (domain, state)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
			`CREATE TABLE IF NOT EXISTS course_transitions (
				id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
				domain VARCHAR(100) NOT NULL,
				course_id BIGINT NOT NULL,
				at BIGINT NOT NULL,
				actor VARCHAR(255) NOT NULL,
				transition VARCHAR(64) NOT NULL,
				from_state VARCHAR(32) NOT NULL,
				to_state VARCHAR(32) NOT NULL,
				params MEDIUMTEXT NOT NULL,
				job_id BIGINT NULL,
				KEY course_transitions_course (domain, course_id, at)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
			`CREATE TABLE IF NOT EXISTS course_metadata (
				domain VARCHAR(100) NOT NULL,
				course_id BIGINT NOT NULL,
				remote_minutes INT NULL,
				inperson_minutes INT NULL,
				objectives TEXT NOT NULL,
				updated_at BIGINT NOT NULL,
				PRIMARY KEY (domain, course_id)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
			`CREATE TABLE IF NOT EXISTS reminders_sent (
				domain VARCHAR(100) NOT NULL,
				course_id BIGINT NOT NULL,
				kind VARCHAR(32) NOT NULL,
				sent_at BIGINT NOT NULL,
				UNIQUE KEY reminders_sent_once (domain, course_id, kind)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
		},
	},
	{
		Version: 4,
		Name:    "national offer: catalogue entries and deployment requests",
		SQLite: []string{
			`CREATE TABLE IF NOT EXISTS offers (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				kind TEXT NOT NULL,
				scope TEXT NOT NULL,
				domain TEXT NOT NULL,
				course_id INTEGER NOT NULL,
				title TEXT NOT NULL DEFAULT '',
				summary TEXT NOT NULL DEFAULT '',
				origin TEXT NOT NULL DEFAULT '',
				collection TEXT NOT NULL DEFAULT '',
				publics TEXT NOT NULL DEFAULT '',
				keywords TEXT NOT NULL DEFAULT '',
				remote_minutes INTEGER NULL,
				inperson_minutes INTEGER NULL,
				total_minutes INTEGER NOT NULL DEFAULT 0,
				demo_url TEXT NOT NULL DEFAULT '',
				version INTEGER NOT NULL DEFAULT 0,
				checksum TEXT NOT NULL DEFAULT '',
				file_path TEXT NOT NULL DEFAULT '',
				file_size INTEGER NOT NULL DEFAULT 0,
				course_modified INTEGER NOT NULL DEFAULT 0,
				modified INTEGER NOT NULL DEFAULT 0,
				published_by TEXT NOT NULL DEFAULT '',
				published_at INTEGER NOT NULL DEFAULT 0,
				search_text TEXT NOT NULL DEFAULT '',
				publics_key TEXT NOT NULL DEFAULT '',
				origin_key TEXT NOT NULL DEFAULT '',
				collection_key TEXT NOT NULL DEFAULT '',
				updated_at INTEGER NOT NULL,
				UNIQUE (kind, domain, course_id)
			)`,
			`CREATE TABLE IF NOT EXISTS offer_requests (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				offer_id INTEGER NOT NULL,
				target_domain TEXT NOT NULL,
				requested_by TEXT NOT NULL,
				requester_user_id INTEGER NOT NULL DEFAULT 0,
				name TEXT NOT NULL,
				shortname TEXT NOT NULL,
				category_id INTEGER NOT NULL DEFAULT 0,
				state TEXT NOT NULL,
				reason TEXT NOT NULL DEFAULT '',
				decided_by TEXT NOT NULL DEFAULT '',
				course_id INTEGER NOT NULL DEFAULT 0,
				job_id INTEGER NOT NULL DEFAULT 0,
				created_at INTEGER NOT NULL,
				updated_at INTEGER NOT NULL
			)`,
			`CREATE INDEX IF NOT EXISTS offer_requests_target ON offer_requests (target_domain, state)`,
		},
		MySQL: []string{
			`CREATE TABLE IF NOT EXISTS offers (
				id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
				kind VARCHAR(16) NOT NULL,
				scope VARCHAR(16) NOT NULL,
				domain VARCHAR(100) NOT NULL,
				course_id BIGINT NOT NULL,
				title VARCHAR(1333) NOT NULL DEFAULT '',
				summary TEXT NOT NULL,
				origin VARCHAR(255) NOT NULL DEFAULT '',
				collection VARCHAR(255) NOT NULL DEFAULT '',
				publics TEXT NOT NULL,
				keywords TEXT NOT NULL,
				remote_minutes INT NULL,
				inperson_minutes INT NULL,
				total_minutes INT NOT NULL DEFAULT 0,
				demo_url VARCHAR(1024) NOT NULL DEFAULT '',
				version INT NOT NULL DEFAULT 0,
				checksum VARCHAR(64) NOT NULL DEFAULT '',
				file_path VARCHAR(1024) NOT NULL DEFAULT '',
				file_size BIGINT NOT NULL DEFAULT 0,
				course_modified BIGINT NOT NULL DEFAULT 0,
				modified TINYINT NOT NULL DEFAULT 0,
				published_by VARCHAR(255) NOT NULL DEFAULT '',
				published_at BIGINT NOT NULL DEFAULT 0,
				search_text TEXT NOT NULL,
				publics_key TEXT NOT NULL,
				origin_key VARCHAR(255) NOT NULL DEFAULT '',
				collection_key VARCHAR(255) NOT NULL DEFAULT '',
				updated_at BIGINT NOT NULL,
				UNIQUE KEY offers_course (kind, domain, course_id)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
			`CREATE TABLE IF NOT EXISTS offer_requests (
				id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
				offer_id BIGINT NOT NULL,
				target_domain VARCHAR(100) NOT NULL,
				requested_by VARCHAR(255) NOT NULL,
				requester_user_id BIGINT NOT NULL DEFAULT 0,
				name VARCHAR(1333) NOT NULL,
				shortname VARCHAR(255) NOT NULL,
				category_id BIGINT NOT NULL DEFAULT 0,
				state VARCHAR(16) NOT NULL,
				reason TEXT NOT NULL,
				decided_by VARCHAR(255) NOT NULL DEFAULT '',
				course_id BIGINT NOT NULL DEFAULT 0,
				job_id BIGINT NOT NULL DEFAULT 0,
				created_at BIGINT NOT NULL,
				updated_at BIGINT NOT NULL,
				KEY offer_requests_target (target_domain, state)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
		},
	},
	{
		Version: 5,
		Name:    "tracking snapshots, attendance and certificates",
		SQLite: []string{
			`CREATE TABLE IF NOT EXISTS tracking_snapshots (
				domain TEXT NOT NULL,
				course_id INTEGER NOT NULL,
				synced_at INTEGER NOT NULL,
				source TEXT NOT NULL,
				monitored INTEGER NOT NULL,
				enrolled INTEGER NOT NULL,
				connected INTEGER NOT NULL,
				completed INTEGER NOT NULL,
				buckets TEXT NOT NULL,
				PRIMARY KEY (domain, course_id)
			)`,
			`CREATE TABLE IF NOT EXISTS tracking_progress (
				domain TEXT NOT NULL,
				course_id INTEGER NOT NULL,
				user_id INTEGER NOT NULL,
				done INTEGER NOT NULL,
				monitored INTEGER NOT NULL,
				completed INTEGER NOT NULL,
				last_access INTEGER NOT NULL,
				PRIMARY KEY (domain, course_id, user_id)
			)`,
			`CREATE TABLE IF NOT EXISTS attendance (
				domain TEXT NOT NULL,
				course_id INTEGER NOT NULL,
				user_id INTEGER NOT NULL,
				present INTEGER NOT NULL,
				updated_at INTEGER NOT NULL,
				updated_by TEXT NOT NULL,
				PRIMARY KEY (domain, course_id, user_id)
			)`,
			`CREATE TABLE IF NOT EXISTS attendance_changes (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				domain TEXT NOT NULL,
				course_id INTEGER NOT NULL,
				user_id INTEGER NOT NULL,
				at INTEGER NOT NULL,
				actor TEXT NOT NULL,
				old_present INTEGER NOT NULL,
				new_present INTEGER NOT NULL
			)`,
			`CREATE INDEX IF NOT EXISTS attendance_changes_course ON attendance_changes (domain, course_id, at)`,
			`CREATE TABLE IF NOT EXISTS certificates (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				domain TEXT NOT NULL,
				course_id INTEGER NOT NULL,
				user_id INTEGER NOT NULL,
				kind TEXT NOT NULL,
				file_name TEXT NOT NULL,
				sha256 TEXT NOT NULL,
				issued_at INTEGER NOT NULL,
				issued_by TEXT NOT NULL
			)`,
			`CREATE INDEX IF NOT EXISTS certificates_course ON certificates (domain, course_id)`,
		},
		MySQL: []string{
			`CREATE TABLE IF NOT EXISTS tracking_snapshots (
				domain VARCHAR(100) NOT NULL,
				course_id BIGINT NOT NULL,
				synced_at BIGINT NOT NULL,
				source VARCHAR(16) NOT NULL,
				monitored INT NOT NULL,
				enrolled INT NOT NULL,
				connected INT NOT NULL,
				completed INT NOT NULL,
				buckets VARCHAR(255) NOT NULL,
				PRIMARY KEY (domain, course_id)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
			`CREATE TABLE IF NOT EXISTS tracking_progress (
				domain VARCHAR(100) NOT NULL,
				course_id BIGINT NOT NULL,
				user_id BIGINT NOT NULL,
				done INT NOT NULL,
				monitored INT NOT NULL,
				completed TINYINT NOT NULL,
				last_access BIGINT NOT NULL,
				PRIMARY KEY (domain, course_id, user_id)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
			`CREATE TABLE IF NOT EXISTS attendance (
				domain VARCHAR(100) NOT NULL,
				course_id BIGINT NOT NULL,
				user_id BIGINT NOT NULL,
				present TINYINT NOT NULL,
				updated_at BIGINT NOT NULL,
				updated_by VARCHAR(255) NOT NULL,
				PRIMARY KEY (domain, course_id, user_id)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
			`CREATE TABLE IF NOT EXISTS attendance_changes (
				id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
				domain VARCHAR(100) NOT NULL,
				course_id BIGINT NOT NULL,
				user_id BIGINT NOT NULL,
				at BIGINT NOT NULL,
				actor VARCHAR(255) NOT NULL,
				old_present TINYINT NOT NULL,
				new_present TINYINT NOT NULL,
				KEY attendance_changes_course (domain, course_id, at)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
			`CREATE TABLE IF NOT EXISTS certificates (
				id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
				domain VARCHAR(100) NOT NULL,
				course_id BIGINT NOT NULL,
				user_id BIGINT NOT NULL,
				kind VARCHAR(32) NOT NULL,
				file_name VARCHAR(255) NOT NULL,
				sha256 CHAR(64) NOT NULL,
				issued_at BIGINT NOT NULL,
				issued_by VARCHAR(255) NOT NULL,
				KEY certificates_course (domain, course_id)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
		},
	},
	{
		Version: 6,
		Name:    "archive records and trash purges",
		SQLite: []string{
			`CREATE TABLE IF NOT EXISTS archive_records (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				domain TEXT NOT NULL,
				course_id INTEGER NOT NULL,
				job_id INTEGER NOT NULL,
				access TEXT NOT NULL,
				category_id INTEGER NOT NULL,
				prev_state TEXT NOT NULL,
				prev_variant TEXT NOT NULL DEFAULT '',
				prev_category_id INTEGER NOT NULL,
				prev_visible INTEGER NOT NULL,
				froze INTEGER NOT NULL DEFAULT 0,
				fallback TEXT NOT NULL DEFAULT '',
				offer_snapshot TEXT NULL,
				backup_path TEXT NOT NULL DEFAULT '',
				backup_sha256 TEXT NOT NULL DEFAULT '',
				backup_size INTEGER NOT NULL DEFAULT 0,
				notified INTEGER NOT NULL DEFAULT 0,
				warnings TEXT NOT NULL DEFAULT '',
				archived_by TEXT NOT NULL,
				archived_at INTEGER NOT NULL,
				unarchived_by TEXT NOT NULL DEFAULT '',
				unarchived_at INTEGER NOT NULL DEFAULT 0,
				UNIQUE (domain, course_id, job_id)
			)`,
			`CREATE TABLE IF NOT EXISTS course_purges (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				domain TEXT NOT NULL,
				course_id INTEGER NOT NULL,
				shortname TEXT NOT NULL DEFAULT '',
				fullname TEXT NOT NULL DEFAULT '',
				backup_path TEXT NOT NULL,
				backup_sha256 TEXT NOT NULL,
				backup_size INTEGER NOT NULL,
				trashed_at INTEGER NOT NULL,
				deleted_at INTEGER NOT NULL,
				job_id INTEGER NOT NULL DEFAULT 0,
				UNIQUE (domain, course_id)
			)`,
		},
		MySQL: []string{
			`CREATE TABLE IF NOT EXISTS archive_records (
				id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
				domain VARCHAR(100) NOT NULL,
				course_id BIGINT NOT NULL,
				job_id BIGINT NOT NULL,
				access VARCHAR(16) NOT NULL,
				category_id BIGINT NOT NULL,
				prev_state VARCHAR(32) NOT NULL,
				prev_variant VARCHAR(32) NOT NULL DEFAULT '',
				prev_category_id BIGINT NOT NULL,
				prev_visible TINYINT NOT NULL,
				froze TINYINT NOT NULL DEFAULT 0,
				fallback VARCHAR(255) NOT NULL DEFAULT '',
				offer_snapshot MEDIUMTEXT NULL,
				backup_path VARCHAR(1024) NOT NULL DEFAULT '',
				backup_sha256 VARCHAR(64) NOT NULL DEFAULT '',
				backup_size BIGINT NOT NULL DEFAULT 0,
				notified INT NOT NULL DEFAULT 0,
				warnings TEXT NOT NULL,
				archived_by VARCHAR(255) NOT NULL,
				archived_at BIGINT NOT NULL,
				unarchived_by VARCHAR(255) NOT NULL DEFAULT '',
				unarchived_at BIGINT NOT NULL DEFAULT 0,
				UNIQUE KEY archive_records_job (domain, course_id, job_id)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
			`CREATE TABLE IF NOT EXISTS course_purges (
				id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
				domain VARCHAR(100) NOT NULL,
				course_id BIGINT NOT NULL,
				shortname VARCHAR(255) NOT NULL DEFAULT '',
				fullname VARCHAR(1333) NOT NULL DEFAULT '',
				backup_path VARCHAR(1024) NOT NULL,
				backup_sha256 VARCHAR(64) NOT NULL,
				backup_size BIGINT NOT NULL,
				trashed_at BIGINT NOT NULL,
				deleted_at BIGINT NOT NULL,
				job_id BIGINT NOT NULL DEFAULT 0,
				UNIQUE KEY course_purges_course (domain, course_id)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
		},
	},
	{
		Version: 7,
		Name:    "api nonces",
		SQLite: []string{
			`CREATE TABLE IF NOT EXISTS api_nonces (
				domain TEXT NOT NULL,
				nonce TEXT NOT NULL,
				expires_at INTEGER NOT NULL,
				PRIMARY KEY (domain, nonce)
			)`,
			`CREATE INDEX IF NOT EXISTS api_nonces_expiry ON api_nonces (expires_at)`,
		},
		MySQL: []string{
			`CREATE TABLE IF NOT EXISTS api_nonces (
				domain VARCHAR(253) NOT NULL,
				nonce VARCHAR(128) NOT NULL,
				expires_at BIGINT NOT NULL,
				PRIMARY KEY (domain, nonce),
				KEY api_nonces_expiry (expires_at)
			) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin`,
		},
	},
	{
		Version: 8,
		Name:    "uploaded files",
		SQLite: []string{
			`CREATE TABLE IF NOT EXISTS uploads (
				sha256 TEXT NOT NULL PRIMARY KEY,
				size INTEGER NOT NULL,
				chunks INTEGER NOT NULL,
				created_at INTEGER NOT NULL
			)`,
			`CREATE TABLE IF NOT EXISTS upload_chunks (
				sha256 TEXT NOT NULL,
				seq INTEGER NOT NULL,
				data BLOB NOT NULL,
				PRIMARY KEY (sha256, seq)
			)`,
		},
		MySQL: []string{
			`CREATE TABLE IF NOT EXISTS uploads (
				sha256 CHAR(64) NOT NULL PRIMARY KEY,
				size BIGINT NOT NULL,
				chunks INT NOT NULL,
				created_at BIGINT NOT NULL
			) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin`,
			`CREATE TABLE IF NOT EXISTS upload_chunks (
				sha256 CHAR(64) NOT NULL,
				seq INT NOT NULL,
				data MEDIUMBLOB NOT NULL,
				PRIMARY KEY (sha256, seq)
			) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin`,
		},
	},
	{
		Version: 9,
		Name:    "gaia drop files",
		SQLite: []string{
			`CREATE TABLE IF NOT EXISTS gaia_files (
				domain TEXT NOT NULL,
				sha256 TEXT NOT NULL,
				kind TEXT NOT NULL,
				name TEXT NOT NULL,
				imported_at INTEGER NOT NULL,
				rows_imported INTEGER NOT NULL,
				PRIMARY KEY (domain, sha256)
			)`,
			`CREATE TABLE IF NOT EXISTS gaia_sessions (
				domain TEXT NOT NULL,
				session_key TEXT NOT NULL,
				dispositif TEXT NOT NULL,
				module TEXT NOT NULL,
				groupe TEXT NOT NULL,
				label TEXT NOT NULL,
				starts_on TEXT NOT NULL,
				ends_on TEXT NOT NULL,
				place TEXT NOT NULL,
				file_sha256 TEXT NOT NULL,
				PRIMARY KEY (domain, session_key)
			)`,
			`CREATE TABLE IF NOT EXISTS gaia_people (
				domain TEXT NOT NULL,
				session_key TEXT NOT NULL,
				role TEXT NOT NULL,
				email TEXT NOT NULL,
				lastname TEXT NOT NULL,
				firstname TEXT NOT NULL,
				idnumber TEXT NOT NULL,
				establishment TEXT NOT NULL,
				line INTEGER NOT NULL,
				file_sha256 TEXT NOT NULL,
				PRIMARY KEY (domain, session_key, role, email)
			)`,
			`CREATE TABLE IF NOT EXISTS gaia_links (
				domain TEXT NOT NULL,
				course_id INTEGER NOT NULL,
				session_key TEXT NOT NULL,
				linked_by TEXT NOT NULL,
				linked_at INTEGER NOT NULL,
				PRIMARY KEY (domain, course_id)
			)`,
		},
		MySQL: []string{
			`CREATE TABLE IF NOT EXISTS gaia_files (
				domain VARCHAR(253) NOT NULL,
				sha256 CHAR(64) NOT NULL,
				kind VARCHAR(32) NOT NULL,
				name VARCHAR(255) NOT NULL,
				imported_at BIGINT NOT NULL,
				rows_imported INT NOT NULL,
				PRIMARY KEY (domain, sha256)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
			`CREATE TABLE IF NOT EXISTS gaia_sessions (
				domain VARCHAR(253) NOT NULL,
				session_key VARCHAR(191) NOT NULL,
				dispositif VARCHAR(64) NOT NULL,
				module VARCHAR(64) NOT NULL,
				groupe VARCHAR(64) NOT NULL,
				label VARCHAR(512) NOT NULL,
				starts_on VARCHAR(10) NOT NULL,
				ends_on VARCHAR(10) NOT NULL,
				place VARCHAR(512) NOT NULL,
				file_sha256 CHAR(64) NOT NULL,
				PRIMARY KEY (domain, session_key)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
			`CREATE TABLE IF NOT EXISTS gaia_people (
				domain VARCHAR(253) NOT NULL,
				session_key VARCHAR(191) NOT NULL,
				role VARCHAR(32) NOT NULL,
				email VARCHAR(254) NOT NULL,
				lastname VARCHAR(255) NOT NULL,
				firstname VARCHAR(255) NOT NULL,
				idnumber VARCHAR(255) NOT NULL,
				establishment VARCHAR(255) NOT NULL,
				line INT NOT NULL,
				file_sha256 CHAR(64) NOT NULL,
				PRIMARY KEY (domain, session_key, role, email)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
			`CREATE TABLE IF NOT EXISTS gaia_links (
				domain VARCHAR(253) NOT NULL,
				course_id BIGINT NOT NULL,
				session_key VARCHAR(191) NOT NULL,
				linked_by VARCHAR(255) NOT NULL,
				linked_at BIGINT NOT NULL,
				PRIMARY KEY (domain, course_id)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
		},
	},
	{
		Version: 10,
		Name:    "offer digest subscriptions and ledger",
		SQLite: []string{
			`CREATE TABLE IF NOT EXISTS offer_digest_subscriptions (
				domain TEXT NOT NULL,
				user_id INTEGER NOT NULL,
				created_at INTEGER NOT NULL,
				PRIMARY KEY (domain, user_id)
			)`,
			`CREATE TABLE IF NOT EXISTS offer_digests_sent (
				domain TEXT NOT NULL,
				user_id INTEGER NOT NULL,
				period TEXT NOT NULL,
				sent_at INTEGER NOT NULL,
				PRIMARY KEY (domain, user_id, period)
			)`,
		},
		MySQL: []string{
			`CREATE TABLE IF NOT EXISTS offer_digest_subscriptions (
				domain VARCHAR(100) NOT NULL,
				user_id BIGINT NOT NULL,
				created_at BIGINT NOT NULL,
				PRIMARY KEY (domain, user_id)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
			`CREATE TABLE IF NOT EXISTS offer_digests_sent (
				domain VARCHAR(100) NOT NULL,
				user_id BIGINT NOT NULL,
				period VARCHAR(16) NOT NULL,
				sent_at BIGINT NOT NULL,
				PRIMARY KEY (domain, user_id, period)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
		},
	},
	{
		Version: 11,
		Name:    "job lease fencing token",
		SQLite: []string{
			`ALTER TABLE jobs ADD COLUMN lease_token INTEGER NOT NULL DEFAULT 0`,
		},
		MySQL: []string{
			`ALTER TABLE jobs ADD COLUMN lease_token BIGINT NOT NULL DEFAULT 0`,
		},
	},
	{
		Version: 12,
		Name:    "gaia drops, session ids and link options",
		SQLite: []string{
			`CREATE TABLE IF NOT EXISTS gaia_drops (
				domain TEXT NOT NULL,
				drop_dir TEXT NOT NULL,
				first_seen_at INTEGER NOT NULL,
				PRIMARY KEY (domain, drop_dir)
			)`,
			`CREATE TABLE IF NOT EXISTS gaia_session_ids (
				domain TEXT NOT NULL,
				gaia_id TEXT NOT NULL,
				module TEXT NOT NULL,
				session_key TEXT NOT NULL,
				PRIMARY KEY (domain, gaia_id)
			)`,
			`CREATE TABLE IF NOT EXISTS gaia_link_options (
				domain TEXT NOT NULL,
				course_id INTEGER NOT NULL,
				group_name TEXT NOT NULL,
				override INTEGER NOT NULL,
				PRIMARY KEY (domain, course_id)
			)`,
		},
		MySQL: []string{
			`CREATE TABLE IF NOT EXISTS gaia_drops (
				domain VARCHAR(253) NOT NULL,
				drop_dir VARCHAR(512) NOT NULL,
				first_seen_at BIGINT NOT NULL,
				PRIMARY KEY (domain, drop_dir(191))
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
			`CREATE TABLE IF NOT EXISTS gaia_session_ids (
				domain VARCHAR(253) NOT NULL,
				gaia_id VARCHAR(64) NOT NULL,
				module VARCHAR(64) NOT NULL,
				session_key VARCHAR(191) NOT NULL,
				PRIMARY KEY (domain, gaia_id)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
			`CREATE TABLE IF NOT EXISTS gaia_link_options (
				domain VARCHAR(253) NOT NULL,
				course_id BIGINT NOT NULL,
				group_name VARCHAR(255) NOT NULL,
				override TINYINT NOT NULL,
				PRIMARY KEY (domain, course_id)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
		},
	},
	{
		Version: 13,
		Name:    "job files (a job's result files, deleted with the job)",
		SQLite: []string{
			`CREATE TABLE IF NOT EXISTS job_files (
				job_id INTEGER NOT NULL,
				name TEXT NOT NULL,
				content_type TEXT NOT NULL,
				size INTEGER NOT NULL,
				sha256 TEXT NOT NULL,
				chunks INTEGER NOT NULL,
				created_at INTEGER NOT NULL,
				PRIMARY KEY (job_id, name)
			)`,
			`CREATE TABLE IF NOT EXISTS job_file_chunks (
				job_id INTEGER NOT NULL,
				name TEXT NOT NULL,
				seq INTEGER NOT NULL,
				data BLOB NOT NULL,
				PRIMARY KEY (job_id, name, seq)
			)`,
		},
		MySQL: []string{
			`CREATE TABLE IF NOT EXISTS job_files (
				job_id BIGINT NOT NULL,
				name VARCHAR(191) NOT NULL,
				content_type VARCHAR(100) NOT NULL,
				size BIGINT NOT NULL,
				sha256 CHAR(64) NOT NULL,
				chunks INT NOT NULL,
				created_at BIGINT NOT NULL,
				PRIMARY KEY (job_id, name)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
			`CREATE TABLE IF NOT EXISTS job_file_chunks (
				job_id BIGINT NOT NULL,
				name VARCHAR(191) NOT NULL,
				seq INT NOT NULL,
				data MEDIUMBLOB NOT NULL,
				PRIMARY KEY (job_id, name, seq)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
		},
	},
	{
		Version: 14,
		Name:    "a failed job's refusal (code, French and English reasons)",
		SQLite: []string{
			`ALTER TABLE jobs ADD COLUMN refusal TEXT NOT NULL DEFAULT ''`,
		},
		MySQL: []string{
			`ALTER TABLE jobs ADD COLUMN refusal TEXT NOT NULL DEFAULT ''`,
		},
	},
	{
		Version: 15,
		Name:    "message ledger (a Moodle message recorded before it is sent: never sent twice)",
		SQLite: []string{
			`CREATE TABLE IF NOT EXISTS messages_sent (
				domain TEXT NOT NULL,
				msg_key TEXT NOT NULL,
				sent_at INTEGER NOT NULL,
				PRIMARY KEY (domain, msg_key)
			)`,
		},
		MySQL: []string{
			`CREATE TABLE IF NOT EXISTS messages_sent (
				domain VARCHAR(253) NOT NULL,
				msg_key VARCHAR(191) NOT NULL,
				sent_at BIGINT NOT NULL,
				PRIMARY KEY (domain, msg_key)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
		},
	},
}
