package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// AuditEntry records who did what to what, and how it went.
// Params must not contain secrets; callers redact before recording.
type AuditEntry struct {
	ID      int64
	At      time.Time // zero means now
	Actor   string    // user or component ("cron", "worker:host-pid")
	Domain  string
	Action  string // dotted verb, e.g. "job.submit", "enrol.apply"
	Target  string // what was acted on, e.g. "course:42" or a job kind
	Params  json.RawMessage
	Outcome string // e.g. "ok", "created", "duplicate", "failed"
	JobID   int64  // 0 when not tied to a job
	Detail  string
}

// AuditFilter selects audit entries. Zero fields do not filter.
type AuditFilter struct {
	Actor string
	// ActorPrefix: actors starting with it ("cli:alice" also finds
	// "cli:alice on behalf of moodle:ac-a:user:3").
	ActorPrefix string
	Domain      string
	Action      string
	Target      string
	JobID       int64
	Since       time.Time // inclusive
	Until       time.Time // exclusive
	Limit       int       // default 100, at most 1000
	Offset      int
}

// RecordAudit appends an entry and returns its id.
func (s *Store) RecordAudit(ctx context.Context, e AuditEntry) (int64, error) {
	return s.recordAudit(ctx, s.db, e)
}

func (s *Store) recordAudit(ctx context.Context, x execer, e AuditEntry) (int64, error) {
	if e.Actor == "" || e.Action == "" {
		return 0, fmt.Errorf("store: record audit: %w", &Error{"actor and action are required"})
	}
	at := e.At
	if at.IsZero() {
		at = s.Now()
	}
	params := string(e.Params)
	if params == "" {
		params = "null"
	}
	var jobID any
	if e.JobID != 0 {
		jobID = e.JobID
	}
	res, err := x.ExecContext(ctx, `INSERT INTO audit (at, actor, domain, action, target, params, outcome, job_id, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		millis(at), e.Actor, e.Domain, e.Action, e.Target, params, e.Outcome, jobID, truncateError(e.Detail))
	if err != nil {
		return 0, wrap("record audit", err)
	}
	id, err := res.LastInsertId()
	return id, wrap("record audit: id", err)
}

// ListAudit returns entries newest first.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, v any) { where, args = append(where, cond), append(args, v) }
	if f.Actor != "" {
		add("actor = ?", f.Actor)
	}
	if f.ActorPrefix != "" {
		add(`actor LIKE ? ESCAPE '!'`, likePrefix(f.ActorPrefix))
	}
	if f.Domain != "" {
		add("domain = ?", f.Domain)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.Target != "" {
		add("target = ?", f.Target)
	}
	if f.JobID != 0 {
		add("job_id = ?", f.JobID)
	}
	if !f.Since.IsZero() {
		add("at >= ?", millis(f.Since))
	}
	if !f.Until.IsZero() {
		add("at < ?", millis(f.Until))
	}
	q := "SELECT id, at, actor, domain, action, target, params, outcome, job_id, detail FROM audit"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY at DESC, id DESC LIMIT ? OFFSET ?"
	args = append(args, clampLimit(f.Limit), max(f.Offset, 0))
	rows, err := s.rdb.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, wrap("list audit", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var (
			e      AuditEntry
			at     int64
			params string
			jobID  sql.NullInt64
		)
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Domain, &e.Action, &e.Target, &params, &e.Outcome, &jobID, &e.Detail); err != nil {
			return nil, wrap("list audit", err)
		}
		e.At, e.Params, e.JobID = fromMillis(at), json.RawMessage(params), jobID.Int64
		out = append(out, e)
	}
	return out, wrap("list audit", rows.Err())
}

// likePrefix escapes a LIKE pattern's wildcards ('!' as escape) and
// matches what starts with p.
func likePrefix(p string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(p) + "%"
}
