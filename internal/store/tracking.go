package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Participants' follow-up (package tracking): per-session snapshots of
// progress keyed by Moodle user id only (no names: the bridge keeps no
// nominative copy), the trainers' attendance decisions with their trail,
// and the ledger of issued certificates.

// BucketCount is the number of progress buckets: 0, 1-25, 26-50, 51-75, 76-99, 100.
const BucketCount = 6

// TrackingSnapshot is a session's aggregate progress at its last sync.
type TrackingSnapshot struct {
	Domain    string
	CourseID  int64
	SyncedAt  time.Time
	Source    string // "db" or "ws"
	Monitored int
	Enrolled  int
	Connected int // ever accessed the course
	Completed int
	Buckets   [BucketCount]int
}

// ProgressRow is one participant's progress in a snapshot, by user id.
type ProgressRow struct {
	UserID     int64
	Done       int
	Monitored  int
	Completed  bool
	LastAccess int64
}

// PutTrackingSnapshot replaces a session's snapshot and its rows in one
// transaction.
func (s *Store) PutTrackingSnapshot(ctx context.Context, snap TrackingSnapshot, rows []ProgressRow) error {
	if snap.Domain == "" || snap.CourseID == 0 {
		return fmt.Errorf("store: put tracking snapshot: %w", &Error{"domain and course are required"})
	}
	buckets, _ := json.Marshal(snap.Buckets)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return wrap("put tracking snapshot: begin", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM tracking_snapshots WHERE domain = ? AND course_id = ?`, snap.Domain, snap.CourseID); err != nil {
		return wrap("put tracking snapshot: delete", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO tracking_snapshots (domain, course_id, synced_at, source, monitored, enrolled,
		connected, completed, buckets) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, snap.Domain, snap.CourseID, millis(s.Now()), snap.Source,
		snap.Monitored, snap.Enrolled, snap.Connected, snap.Completed, string(buckets)); err != nil {
		return wrap("put tracking snapshot: insert", err)
	}
	// A sync that finds nothing changed (most of a cron's runs) rewrites
	// only the snapshot line: deleting and inserting 500 unchanged rows
	// was most of the store's share of a `tracking sync` from the database.
	same, err := sameProgressRows(ctx, tx, snap, rows)
	if err != nil {
		return err
	}
	if !same {
		if _, err := tx.ExecContext(ctx, `DELETE FROM tracking_progress WHERE domain = ? AND course_id = ?`, snap.Domain, snap.CourseID); err != nil {
			return wrap("put tracking snapshot: delete rows", err)
		}
		if err := insertProgressRows(ctx, tx, snap, rows); err != nil {
			return err
		}
	}
	return wrap("put tracking snapshot: commit", tx.Commit())
}

// sameProgressRows reports whether the stored rows of the snapshot's
// course are exactly rows (in any order).
func sameProgressRows(ctx context.Context, tx *sql.Tx, snap TrackingSnapshot, rows []ProgressRow) (bool, error) {
	want := make(map[int64]ProgressRow, len(rows))
	for _, r := range rows {
		want[r.UserID] = r
	}
	if len(want) != len(rows) {
		return false, nil // a user twice: let the insert report it
	}
	q, err := tx.QueryContext(ctx, `SELECT user_id, done, monitored, completed, last_access FROM tracking_progress
		WHERE domain = ? AND course_id = ?`, snap.Domain, snap.CourseID)
	if err != nil {
		return false, wrap("put tracking snapshot: read rows", err)
	}
	defer q.Close()
	n := 0
	same := true
	for q.Next() {
		var r ProgressRow
		var completed int
		if err := q.Scan(&r.UserID, &r.Done, &r.Monitored, &completed, &r.LastAccess); err != nil {
			return false, wrap("put tracking snapshot: read rows", err)
		}
		r.Completed = completed != 0
		if w, ok := want[r.UserID]; !ok || w != r {
			same = false
		}
		n++
	}
	if err := q.Err(); err != nil {
		return false, wrap("put tracking snapshot: read rows", err)
	}
	return same && n == len(rows), nil
}

// insertProgressRows writes rows 200 at a time (multi-row INSERTs).
func insertProgressRows(ctx context.Context, tx *sql.Tx, snap TrackingSnapshot, rows []ProgressRow) error {
	const chunk = 200
	for start := 0; start < len(rows); start += chunk {
		part := rows[start:min(start+chunk, len(rows))]
		args := make([]any, 0, len(part)*7)
		for _, r := range part {
			args = append(args, snap.Domain, snap.CourseID, r.UserID, r.Done, r.Monitored, boolInt(r.Completed), r.LastAccess)
		}
		q := `INSERT INTO tracking_progress (domain, course_id, user_id, done, monitored, completed, last_access) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?),", len(part)), ",")
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return wrap("put tracking snapshot: insert rows", err)
		}
	}
	return nil
}

// TrackingSnapshots lists a domain's snapshots (one course when courseID
// is not 0), by course id.
func (s *Store) TrackingSnapshots(ctx context.Context, domain string, courseID int64) ([]TrackingSnapshot, error) {
	q := `SELECT domain, course_id, synced_at, source, monitored, enrolled, connected, completed, buckets
		FROM tracking_snapshots WHERE domain = ?`
	args := []any{domain}
	if courseID != 0 {
		q += ` AND course_id = ?`
		args = append(args, courseID)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY course_id`, args...)
	if err != nil {
		return nil, wrap("tracking snapshots", err)
	}
	defer rows.Close()
	var out []TrackingSnapshot
	for rows.Next() {
		var (
			t       TrackingSnapshot
			at      int64
			buckets string
		)
		if err := rows.Scan(&t.Domain, &t.CourseID, &at, &t.Source, &t.Monitored, &t.Enrolled, &t.Connected, &t.Completed, &buckets); err != nil {
			return nil, wrap("tracking snapshots: scan", err)
		}
		t.SyncedAt = fromMillis(at)
		if err := json.Unmarshal([]byte(buckets), &t.Buckets); err != nil {
			return nil, fmt.Errorf("store: tracking snapshot buckets of course %d: %w", t.CourseID, err)
		}
		out = append(out, t)
	}
	return out, wrap("tracking snapshots", rows.Err())
}

// ProgressRows reads a session's snapshot rows, by user id.
func (s *Store) ProgressRows(ctx context.Context, domain string, courseID int64) ([]ProgressRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT user_id, done, monitored, completed, last_access FROM tracking_progress
		WHERE domain = ? AND course_id = ? ORDER BY user_id`, domain, courseID)
	if err != nil {
		return nil, wrap("progress rows", err)
	}
	defer rows.Close()
	var out []ProgressRow
	for rows.Next() {
		var r ProgressRow
		var completed int
		if err := rows.Scan(&r.UserID, &r.Done, &r.Monitored, &completed, &r.LastAccess); err != nil {
			return nil, wrap("progress rows: scan", err)
		}
		r.Completed = completed != 0
		out = append(out, r)
	}
	return out, wrap("progress rows", rows.Err())
}

// AttendanceChange is one mark or unmark of "Formation terminée".
type AttendanceChange struct {
	ID       int64
	Domain   string
	CourseID int64
	UserID   int64
	At       time.Time
	Actor    string
	Old, New bool
}

// SetAttendance records a participant's attendance and, when it changes,
// the change (who, when, old, new) in one transaction. It returns the
// previous value and whether anything changed.
func (s *Store) SetAttendance(ctx context.Context, domain string, courseID, userID int64, present bool, actor string) (old, changed bool, err error) {
	err = s.InTx(ctx, "set attendance", func(tx *Tx) error {
		old, changed, err = tx.SetAttendance(ctx, domain, courseID, userID, present, actor)
		return err
	})
	return old, changed, err
}

// SetAttendance is Store.SetAttendance inside the transaction: a mark of
// several participants, their audit entries and the job mirroring them to
// Moodle stand or fall together.
func (t *Tx) SetAttendance(ctx context.Context, domain string, courseID, userID int64, present bool, actor string) (old, changed bool, err error) {
	if domain == "" || courseID == 0 || userID == 0 || actor == "" {
		return false, false, fmt.Errorf("store: set attendance: %w", &Error{"domain, course, user and actor are required"})
	}
	tx := t.tx
	var prev int
	err = tx.QueryRowContext(ctx, `SELECT present FROM attendance WHERE domain = ? AND course_id = ? AND user_id = ?`,
		domain, courseID, userID).Scan(&prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, false, wrap("set attendance: read", err)
	}
	old = prev != 0
	if old == present {
		return old, false, nil
	}
	now := t.Now()
	if _, err := tx.ExecContext(ctx, `DELETE FROM attendance WHERE domain = ? AND course_id = ? AND user_id = ?`, domain, courseID, userID); err != nil {
		return old, false, wrap("set attendance: delete", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO attendance (domain, course_id, user_id, present, updated_at, updated_by)
		VALUES (?, ?, ?, ?, ?, ?)`, domain, courseID, userID, boolInt(present), now, actor); err != nil {
		return old, false, wrap("set attendance: insert", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO attendance_changes (domain, course_id, user_id, at, actor, old_present, new_present)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, domain, courseID, userID, now, actor, boolInt(old), boolInt(present)); err != nil {
		return old, false, wrap("set attendance: record change", err)
	}
	return old, true, nil
}

// Attendance returns the user ids marked present in a session.
func (s *Store) Attendance(ctx context.Context, domain string, courseID int64) (map[int64]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT user_id FROM attendance WHERE domain = ? AND course_id = ? AND present = 1`, domain, courseID)
	if err != nil {
		return nil, wrap("attendance", err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, wrap("attendance: scan", err)
		}
		out[id] = true
	}
	return out, wrap("attendance", rows.Err())
}

// AttendanceCounts returns, per course of a domain, how many participants
// are marked present.
func (s *Store) AttendanceCounts(ctx context.Context, domain string) (map[int64]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT course_id, COUNT(*) FROM attendance WHERE domain = ? AND present = 1 GROUP BY course_id`, domain)
	if err != nil {
		return nil, wrap("attendance counts", err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, wrap("attendance counts: scan", err)
		}
		out[id] = n
	}
	return out, wrap("attendance counts", rows.Err())
}

// AttendanceChanges lists a session's attendance trail, oldest first.
func (s *Store) AttendanceChanges(ctx context.Context, domain string, courseID int64) ([]AttendanceChange, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, domain, course_id, user_id, at, actor, old_present, new_present
		FROM attendance_changes WHERE domain = ? AND course_id = ? ORDER BY id`, domain, courseID)
	if err != nil {
		return nil, wrap("attendance changes", err)
	}
	defer rows.Close()
	var out []AttendanceChange
	for rows.Next() {
		var c AttendanceChange
		var at int64
		var old, nw int
		if err := rows.Scan(&c.ID, &c.Domain, &c.CourseID, &c.UserID, &at, &c.Actor, &old, &nw); err != nil {
			return nil, wrap("attendance changes: scan", err)
		}
		c.At, c.Old, c.New = fromMillis(at), old != 0, nw != 0
		out = append(out, c)
	}
	return out, wrap("attendance changes", rows.Err())
}

// Certificate is one issued PDF: the collective report (UserID 0) or an
// individual certificate.
type Certificate struct {
	ID       int64
	Domain   string
	CourseID int64
	UserID   int64
	Kind     string // "collective" or "individual"
	FileName string
	SHA256   string
	IssuedAt time.Time
	IssuedBy string
}

// RecordCertificate appends a certificate to the ledger and returns its id.
func (s *Store) RecordCertificate(ctx context.Context, c Certificate) (int64, error) {
	if c.Domain == "" || c.CourseID == 0 || c.Kind == "" || len(c.SHA256) != 64 {
		return 0, fmt.Errorf("store: record certificate: %w", &Error{"domain, course, kind and a SHA-256 are required"})
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO certificates (domain, course_id, user_id, kind, file_name, sha256, issued_at, issued_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.Domain, c.CourseID, c.UserID, c.Kind, c.FileName, c.SHA256, millis(s.Now()), c.IssuedBy)
	if err != nil {
		return 0, wrap("record certificate", err)
	}
	id, err := res.LastInsertId()
	return id, wrap("record certificate: id", err)
}

// Certificates lists a session's issued certificates, oldest first.
func (s *Store) Certificates(ctx context.Context, domain string, courseID int64) ([]Certificate, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, domain, course_id, user_id, kind, file_name, sha256, issued_at, issued_by
		FROM certificates WHERE domain = ? AND course_id = ? ORDER BY id`, domain, courseID)
	if err != nil {
		return nil, wrap("certificates", err)
	}
	defer rows.Close()
	var out []Certificate
	for rows.Next() {
		var c Certificate
		var at int64
		if err := rows.Scan(&c.ID, &c.Domain, &c.CourseID, &c.UserID, &c.Kind, &c.FileName, &c.SHA256, &at, &c.IssuedBy); err != nil {
			return nil, wrap("certificates: scan", err)
		}
		c.IssuedAt = fromMillis(at)
		out = append(out, c)
	}
	return out, wrap("certificates", rows.Err())
}
