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
}
