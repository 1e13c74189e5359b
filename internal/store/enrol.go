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

// EnrolReport is the header of a kept enrolment report (package enrol
// fills Counts and the rows' Data with its own JSON).
type EnrolReport struct {
	ID         int64
	JobID      int64 // 0 for a report not tied to a job (a kept dry run)
	Domain     string
	CourseID   int64 // the first course when rows were split across sessions
	FileSHA256 string
	DryRun     bool
	CreatedAt  time.Time // zero means now
	Counts     json.RawMessage
}

// EnrolReportRow is one row of a report, in file order.
type EnrolReportRow struct {
	Line   int
	Status string
	Data   json.RawMessage
}

// reportRowsPerInsert keeps one INSERT well under SQLite's 32,766 bound
// variables and MySQL's packet size while making 20,000 rows 40 statements.
const reportRowsPerInsert = 500

// SaveEnrolReport keeps a report and its rows in one transaction. Saving
// again for the same job (a retried job) replaces the earlier report.
func (s *Store) SaveEnrolReport(ctx context.Context, r EnrolReport, rows []EnrolReportRow) (int64, error) {
	if r.Domain == "" || len(r.Counts) == 0 {
		return 0, fmt.Errorf("store: save enrol report: %w", &Error{"domain and counts are required"})
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, wrap("save enrol report: begin", err)
	}
	defer tx.Rollback()
	var jobID any
	if r.JobID != 0 {
		jobID = r.JobID
		if _, err := tx.ExecContext(ctx, `DELETE FROM enrol_report_rows WHERE report_id IN (SELECT id FROM enrol_reports WHERE job_id = ?)`, r.JobID); err != nil {
			return 0, wrap("save enrol report: replace rows", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM enrol_reports WHERE job_id = ?`, r.JobID); err != nil {
			return 0, wrap("save enrol report: replace", err)
		}
	}
	at := r.CreatedAt
	if at.IsZero() {
		at = s.Now()
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO enrol_reports (job_id, domain, course_id, file_sha256, dry_run, created_at, counts)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, jobID, r.Domain, r.CourseID, r.FileSHA256, enrolDryRun(r.DryRun), millis(at), string(r.Counts))
	if err != nil {
		return 0, wrap("save enrol report", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, wrap("save enrol report: id", err)
	}
	if err := insertReportRows(ctx, tx, id, rows); err != nil {
		return 0, err
	}
	return id, wrap("save enrol report: commit", tx.Commit())
}

func insertReportRows(ctx context.Context, tx *sql.Tx, id int64, rows []EnrolReportRow) error {
	for start := 0; start < len(rows); start += reportRowsPerInsert {
		chunk := rows[start:min(start+reportRowsPerInsert, len(rows))]
		args := make([]any, 0, len(chunk)*5)
		for k, row := range chunk {
			data := string(row.Data)
			if data == "" {
				data = "null"
			}
			args = append(args, id, start+k, row.Line, row.Status, data)
		}
		q := "INSERT INTO enrol_report_rows (report_id, seq, line, status, data) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?),", len(chunk)), ",")
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return wrap("save enrol report: rows", err)
		}
	}
	return nil
}

const enrolReportColumns = "id, job_id, domain, course_id, file_sha256, dry_run, created_at, counts"

func scanEnrolReport(row rowScanner) (EnrolReport, error) {
	var (
		r       EnrolReport
		jobID   sql.NullInt64
		dry     int
		created int64
		counts  string
	)
	if err := row.Scan(&r.ID, &jobID, &r.Domain, &r.CourseID, &r.FileSHA256, &dry, &created, &counts); err != nil {
		return r, err
	}
	r.JobID, r.DryRun, r.CreatedAt, r.Counts = jobID.Int64, dry != 0, fromMillis(created), json.RawMessage(counts)
	return r, nil
}

// GetEnrolReport returns a report's header; ErrNotFound if none.
func (s *Store) GetEnrolReport(ctx context.Context, id int64) (EnrolReport, error) {
	return s.oneEnrolReport(ctx, "get enrol report", "id = ?", id)
}

// EnrolReportByJob returns the report an enrol.apply job kept.
func (s *Store) EnrolReportByJob(ctx context.Context, jobID int64) (EnrolReport, error) {
	return s.oneEnrolReport(ctx, "enrol report by job", "job_id = ?", jobID)
}

func (s *Store) oneEnrolReport(ctx context.Context, op, where string, arg any) (EnrolReport, error) {
	r, err := scanEnrolReport(s.rdb.QueryRowContext(ctx, "SELECT "+enrolReportColumns+" FROM enrol_reports WHERE "+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("store: %s: %w", op, ErrNotFound)
	}
	return r, wrap(op, err)
}

// ListEnrolReports returns a course's reports, newest first (courseID 0:
// every course of the domain).
func (s *Store) ListEnrolReports(ctx context.Context, domain string, courseID int64, limit int) ([]EnrolReport, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	q, args := "SELECT "+enrolReportColumns+" FROM enrol_reports WHERE domain = ?", []any{domain}
	if courseID != 0 {
		q, args = q+" AND course_id = ?", append(args, courseID)
	}
	return queryAll(ctx, s.rdb, "list enrol reports", scanEnrolReport, q+" ORDER BY created_at DESC, id DESC LIMIT ?", append(args, limit)...)
}

// EnrolReportRows returns a report's rows in file order, from offset;
// limit <= 0 returns them all.
func (s *Store) EnrolReportRows(ctx context.Context, reportID int64, offset, limit int) ([]EnrolReportRow, error) {
	q, args := "SELECT line, status, data FROM enrol_report_rows WHERE report_id = ? AND seq >= ? ORDER BY seq", []any{reportID, offset}
	if limit > 0 {
		q, args = q+" LIMIT ?", append(args, limit)
	}
	rows, err := s.rdb.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, wrap("enrol report rows", err)
	}
	defer rows.Close()
	var out []EnrolReportRow
	for rows.Next() {
		var (
			r    EnrolReportRow
			data string
		)
		if err := rows.Scan(&r.Line, &r.Status, &data); err != nil {
			return nil, wrap("enrol report rows: scan", err)
		}
		r.Data = json.RawMessage(data)
		out = append(out, r)
	}
	return out, wrap("enrol report rows", rows.Err())
}

// enrolDryRun stores the flag as 0/1 on both backends.
func enrolDryRun(b bool) int {
	if b {
		return 1
	}
	return 0
}
