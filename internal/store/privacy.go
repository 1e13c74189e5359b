package store

import (
	"context"
	"encoding/json"
	"time"
)

// PurgeCounts is what a privacy purge removed, or would remove.
type PurgeCounts struct {
	Uploads      int64 `json:"uploads"`       // uploaded files (CSV of people)
	Reports      int64 `json:"reports"`       // enrolment reports, with their rows
	Checkpoints  int64 `json:"checkpoints"`   // step checkpoints of finished jobs (a plan holds the file's people)
	JobFiles     int64 `json:"job_files"`     // files of finished jobs (certificates)
	JobPayloads  int64 `json:"job_payloads"`  // finished jobs' payloads that carried a file inline
	JobsAffected int64 `json:"jobs_affected"` // finished jobs that had checkpoints or files
}

// finishedBefore selects jobs finished before a time (the argument).
const finishedBefore = `SELECT id FROM jobs WHERE state IN ('succeeded', 'failed', 'cancelled') AND finished_at > 0 AND finished_at < ?`

// PurgePersonalData deletes what holds people's names and is older than
// before: uploads, enrolment reports, the checkpoints and files of jobs
// finished before it, and the file carried inline by an old enrol.apply
// payload. Jobs, their results (counts) and the audit stay. With dryRun
// it only counts.
func (s *Store) PurgePersonalData(ctx context.Context, before time.Time, dryRun bool) (PurgeCounts, error) {
	var c PurgeCounts
	at := millis(before)
	count := func(q string, dst *int64) error {
		return s.rdb.QueryRowContext(ctx, q, at).Scan(dst)
	}
	for _, q := range []struct {
		sql string
		dst *int64
	}{
		{`SELECT COUNT(*) FROM uploads WHERE created_at < ?`, &c.Uploads},
		{`SELECT COUNT(*) FROM enrol_reports WHERE created_at < ?`, &c.Reports},
		{`SELECT COUNT(*) FROM job_steps WHERE job_id IN (` + finishedBefore + `)`, &c.Checkpoints},
		{`SELECT COUNT(*) FROM job_files WHERE job_id IN (` + finishedBefore + `)`, &c.JobFiles},
		{`SELECT COUNT(DISTINCT id) FROM jobs WHERE id IN (` + finishedBefore + `) AND (id IN (SELECT job_id FROM job_steps) OR id IN (SELECT job_id FROM job_files))`, &c.JobsAffected},
	} {
		if err := count(q.sql, q.dst); err != nil {
			return c, wrap("privacy purge: count", err)
		}
	}
	inline, err := s.inlineFilePayloads(ctx, at)
	if err != nil {
		return c, err
	}
	c.JobPayloads = int64(len(inline))
	if dryRun {
		return c, nil
	}
	if _, err := s.PurgeUploads(ctx, before); err != nil {
		return c, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return c, wrap("privacy purge: begin", err)
	}
	defer tx.Rollback()
	for _, q := range []string{
		`DELETE FROM enrol_report_rows WHERE report_id IN (SELECT id FROM enrol_reports WHERE created_at < ?)`,
		`DELETE FROM enrol_reports WHERE created_at < ?`,
		`DELETE FROM job_steps WHERE job_id IN (` + finishedBefore + `)`,
		`DELETE FROM job_file_chunks WHERE job_id IN (` + finishedBefore + `)`,
		`DELETE FROM job_files WHERE job_id IN (` + finishedBefore + `)`,
	} {
		// MySQL refuses a subquery on the table it deletes from, never the case here.
		if _, err := tx.ExecContext(ctx, q, at); err != nil {
			return c, wrap("privacy purge", err)
		}
	}
	for id, payload := range inline {
		if _, err := tx.ExecContext(ctx, `UPDATE jobs SET payload = ? WHERE id = ?`, payload, id); err != nil {
			return c, wrap("privacy purge: payload", err)
		}
	}
	return c, wrap("privacy purge: commit", tx.Commit())
}

// inlineFilePayloads returns, for finished enrol.apply jobs whose payload
// still carries the file itself (the form before uploads were stored
// apart), the payload without it.
func (s *Store) inlineFilePayloads(ctx context.Context, at int64) (map[int64][]byte, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT id, payload FROM jobs WHERE kind = 'enrol.apply' AND id IN (`+finishedBefore+`)`, at)
	if err != nil {
		return nil, wrap("privacy purge: payloads", err)
	}
	defer rows.Close()
	out := map[int64][]byte{}
	for rows.Next() {
		var id int64
		var raw []byte
		if err := rows.Scan(&id, &raw); err != nil {
			return nil, wrap("privacy purge: payloads", err)
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil {
			continue
		}
		if f, ok := m["file"]; !ok || string(f) == "null" || string(f) == `""` {
			continue
		}
		delete(m, "file")
		out[id], _ = json.Marshal(m)
	}
	return out, wrap("privacy purge: payloads", rows.Err())
}
