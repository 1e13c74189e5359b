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

// Archiving and trash retention (package archive): what archiving a
// session changed, so that unarchiving can replay it in reverse, and the
// courses deleted from the Corbeille with the backup kept of each.

// ArchiveRecord is what one archive job did to one course. Prev* is the
// course as it was before; Froze says the context was frozen (false when
// the site could not freeze and Fallback says what was done instead);
// OfferSnapshot is the catalogue entry removed (nil when none was there).
type ArchiveRecord struct {
	ID             int64
	Domain         string
	CourseID       int64
	JobID          int64
	Access         string // readonly | none
	CategoryID     int64  // the Archive sub-category the course went to
	PrevState      string
	PrevVariant    string
	PrevCategoryID int64
	PrevVisible    bool
	Froze          bool
	Fallback       string
	OfferSnapshot  json.RawMessage
	BackupPath     string
	BackupSHA256   string
	BackupSize     int64
	Notified       int
	Warnings       []string
	ArchivedBy     string
	ArchivedAt     time.Time
	UnarchivedBy   string
	UnarchivedAt   time.Time // zero while the course is archived
}

// Active reports whether the record still describes the course's state.
func (r ArchiveRecord) Active() bool { return r.UnarchivedAt.IsZero() }

const archiveColumns = `id, domain, course_id, job_id, access, category_id, prev_state, prev_variant, prev_category_id,
	prev_visible, froze, fallback, offer_snapshot, backup_path, backup_sha256, backup_size, notified, warnings,
	archived_by, archived_at, unarchived_by, unarchived_at`

// SaveArchiveRecord records an archive job's outcome. It is idempotent per
// (domain, course, job): a re-run step replaces its own record.
func (s *Store) SaveArchiveRecord(ctx context.Context, r ArchiveRecord) (ArchiveRecord, error) {
	var saved ArchiveRecord
	err := s.InTx(ctx, "save archive record", func(tx *Tx) error {
		var err error
		saved, err = tx.SaveArchiveRecord(ctx, r)
		return err
	})
	return saved, err
}

// SaveArchiveRecord is Store.SaveArchiveRecord in the transaction: the
// archive step records it with the course's state, trail and audit entry.
func (t *Tx) SaveArchiveRecord(ctx context.Context, r ArchiveRecord) (ArchiveRecord, error) {
	if r.Domain == "" || r.CourseID == 0 || r.PrevState == "" {
		return r, fmt.Errorf("store: save archive record: %w", &Error{"domain, course and previous state are required"})
	}
	var snapshot any
	if len(r.OfferSnapshot) > 0 && string(r.OfferSnapshot) != "null" {
		snapshot = string(r.OfferSnapshot)
	}
	at := r.ArchivedAt
	if at.IsZero() {
		at = t.s.Now()
	}
	err := t.s.upsertOn(ctx, t.tx, "save archive record",
		`INSERT INTO archive_records (domain, course_id, job_id, access, category_id, prev_state, prev_variant, prev_category_id,
			prev_visible, froze, fallback, offer_snapshot, backup_path, backup_sha256, backup_size, notified, warnings,
			archived_by, archived_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		[]string{"domain", "course_id", "job_id"},
		[]string{"access", "category_id", "froze", "fallback", "offer_snapshot", "backup_path", "backup_sha256", "backup_size",
			"notified", "warnings"},
		r.Domain, r.CourseID, r.JobID, r.Access, r.CategoryID, r.PrevState, r.PrevVariant, r.PrevCategoryID,
		boolInt(r.PrevVisible), boolInt(r.Froze), r.Fallback, snapshot, r.BackupPath, r.BackupSHA256, r.BackupSize,
		r.Notified, strings.Join(r.Warnings, "\n"), r.ArchivedBy, millis(at))
	if err != nil {
		return r, err
	}
	return scanArchive(t.tx.QueryRowContext(ctx, `SELECT `+archiveColumns+` FROM archive_records
		WHERE domain = ? AND course_id = ? AND job_id = ?`, r.Domain, r.CourseID, r.JobID))
}

func scanArchive(row rowScanner) (ArchiveRecord, error) {
	var (
		r                      ArchiveRecord
		visible, froze         int
		snapshot               sql.NullString
		warnings               string
		archivedAt, unarchived int64
	)
	err := row.Scan(&r.ID, &r.Domain, &r.CourseID, &r.JobID, &r.Access, &r.CategoryID, &r.PrevState, &r.PrevVariant,
		&r.PrevCategoryID, &visible, &froze, &r.Fallback, &snapshot, &r.BackupPath, &r.BackupSHA256, &r.BackupSize,
		&r.Notified, &warnings, &r.ArchivedBy, &archivedAt, &r.UnarchivedBy, &unarchived)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("store: archive record: %w", ErrNotFound)
	}
	if err != nil {
		return r, wrap("scan archive record", err)
	}
	r.PrevVisible, r.Froze = visible != 0, froze != 0
	if snapshot.Valid {
		r.OfferSnapshot = json.RawMessage(snapshot.String)
	}
	if warnings != "" {
		r.Warnings = strings.Split(warnings, "\n")
	}
	r.ArchivedAt = fromMillis(archivedAt)
	if unarchived != 0 {
		r.UnarchivedAt = fromMillis(unarchived)
	}
	return r, nil
}

// ActiveArchiveRecord returns the latest record of a course still
// archived; ErrNotFound when the course is not archived by the bridge.
func (s *Store) ActiveArchiveRecord(ctx context.Context, domain string, courseID int64) (ArchiveRecord, error) {
	return scanArchive(s.db.QueryRowContext(ctx, `SELECT `+archiveColumns+` FROM archive_records
		WHERE domain = ? AND course_id = ? AND unarchived_at = 0 ORDER BY id DESC LIMIT 1`, domain, courseID))
}

// ListArchiveRecords returns a course's archive history, oldest first.
func (s *Store) ListArchiveRecords(ctx context.Context, domain string, courseID int64) ([]ArchiveRecord, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+archiveColumns+` FROM archive_records
		WHERE domain = ? AND course_id = ? ORDER BY id`, domain, courseID)
	if err != nil {
		return nil, wrap("list archive records", err)
	}
	defer rows.Close()
	var out []ArchiveRecord
	for rows.Next() {
		r, err := scanArchive(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, wrap("list archive records", rows.Err())
}

// MarkUnarchived closes a record: its changes were replayed in reverse.
// Closing an already closed record is a no-op.
func (s *Store) MarkUnarchived(ctx context.Context, id int64, by string) error {
	return s.InTx(ctx, "mark unarchived", func(tx *Tx) error { return tx.MarkUnarchived(ctx, id, by) })
}

// MarkUnarchived is Store.MarkUnarchived in the transaction: the unarchive
// step closes the record with the course's state change.
func (t *Tx) MarkUnarchived(ctx context.Context, id int64, by string) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE archive_records SET unarchived_by = ?, unarchived_at = ? WHERE id = ? AND unarchived_at = 0`,
		by, t.Now(), id)
	return wrap("mark unarchived", err)
}

// CoursePurge is a course deleted from the Corbeille after its retention,
// with the verified backup kept of it.
type CoursePurge struct {
	Domain       string
	CourseID     int64
	ShortName    string
	FullName     string
	BackupPath   string
	BackupSHA256 string
	BackupSize   int64
	TrashedAt    time.Time
	DeletedAt    time.Time
	JobID        int64
}

// RecordPurge records a deleted course and forgets its lifecycle state, in
// one transaction (the course no longer exists in Moodle). Recording the
// same course again replaces the row.
func (s *Store) RecordPurge(ctx context.Context, p CoursePurge) error {
	return s.InTx(ctx, "record purge", func(tx *Tx) error { return tx.RecordPurge(ctx, p) })
}

// RecordPurge is Store.RecordPurge in the transaction.
func (t *Tx) RecordPurge(ctx context.Context, p CoursePurge) error {
	if p.Domain == "" || p.CourseID == 0 || p.BackupPath == "" || p.BackupSHA256 == "" {
		return fmt.Errorf("store: record purge: %w", &Error{"domain, course and a verified backup are required"})
	}
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM course_purges WHERE domain = ? AND course_id = ?`, p.Domain, p.CourseID); err != nil {
		return wrap("record purge", err)
	}
	deleted := p.DeletedAt
	if deleted.IsZero() {
		deleted = t.s.Now()
	}
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO course_purges (domain, course_id, shortname, fullname, backup_path, backup_sha256,
		backup_size, trashed_at, deleted_at, job_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.Domain, p.CourseID, p.ShortName,
		p.FullName, p.BackupPath, p.BackupSHA256, p.BackupSize, millis(p.TrashedAt), millis(deleted), p.JobID); err != nil {
		return wrap("record purge", err)
	}
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM course_states WHERE domain = ? AND course_id = ?`, p.Domain, p.CourseID); err != nil {
		return wrap("record purge: forget state", err)
	}
	return nil
}

// ListPurges lists a domain's purged courses by course id.
func (s *Store) ListPurges(ctx context.Context, domain string) ([]CoursePurge, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT domain, course_id, shortname, fullname, backup_path, backup_sha256, backup_size,
		trashed_at, deleted_at, job_id FROM course_purges WHERE domain = ? ORDER BY course_id`, domain)
	if err != nil {
		return nil, wrap("list purges", err)
	}
	defer rows.Close()
	var out []CoursePurge
	for rows.Next() {
		var (
			p                  CoursePurge
			trashed, deletedAt int64
		)
		if err := rows.Scan(&p.Domain, &p.CourseID, &p.ShortName, &p.FullName, &p.BackupPath, &p.BackupSHA256, &p.BackupSize,
			&trashed, &deletedAt, &p.JobID); err != nil {
			return nil, wrap("list purges", err)
		}
		p.TrashedAt, p.DeletedAt = fromMillis(trashed), fromMillis(deletedAt)
		out = append(out, p)
	}
	return out, wrap("list purges", rows.Err())
}
