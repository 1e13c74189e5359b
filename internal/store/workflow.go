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

// The course lifecycle's state (package workflow): per-domain category and
// role ids resolved at bootstrap, the explicit state of each course, the
// trail of its transitions, its announced metadata and the reminder ledger.

// execer is what a write needs: the write pool or one transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// upsert runs an insert that updates the listed columns when the primary
// key exists, in each dialect's syntax.
func (s *Store) upsert(ctx context.Context, op, insert string, key, update []string, args ...any) error {
	return s.upsertOn(ctx, s.db, op, insert, key, update, args...)
}

func (s *Store) upsertOn(ctx context.Context, x execer, op, insert string, key, update []string, args ...any) error {
	sets := make([]string, len(update))
	for i, c := range update {
		if s.dialect == MySQL {
			sets[i] = fmt.Sprintf("%s = VALUES(%s)", c, c)
		} else {
			sets[i] = fmt.Sprintf("%s = excluded.%s", c, c)
		}
	}
	q := insert + " ON CONFLICT (" + strings.Join(key, ", ") + ") DO UPDATE SET " + strings.Join(sets, ", ")
	if s.dialect == MySQL {
		q = insert + " ON DUPLICATE KEY UPDATE " + strings.Join(sets, ", ")
	}
	_, err := x.ExecContext(ctx, q, args...)
	return wrap(op, err)
}

// DomainCategory is one category of a domain's skeleton, by its role key
// (gabarit, parcours, session…), as resolved at bootstrap.
type DomainCategory struct {
	Key        string
	CategoryID int64
	IDNumber   string
}

// SaveDomainCategory records (or replaces) the category id of a role key.
func (s *Store) SaveDomainCategory(ctx context.Context, domain string, c DomainCategory) error {
	return s.upsert(ctx, "save domain category",
		`INSERT INTO domain_categories (domain, role_key, category_id, idnumber, updated_at) VALUES (?, ?, ?, ?, ?)`,
		[]string{"domain", "role_key"}, []string{"category_id", "idnumber", "updated_at"},
		domain, c.Key, c.CategoryID, c.IDNumber, millis(s.Now()))
}

// DomainCategories returns a domain's recorded categories by role key.
func (s *Store) DomainCategories(ctx context.Context, domain string) (map[string]DomainCategory, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT role_key, category_id, idnumber FROM domain_categories WHERE domain = ?`, domain)
	if err != nil {
		return nil, wrap("domain categories", err)
	}
	defer rows.Close()
	out := map[string]DomainCategory{}
	for rows.Next() {
		var c DomainCategory
		if err := rows.Scan(&c.Key, &c.CategoryID, &c.IDNumber); err != nil {
			return nil, wrap("domain categories", err)
		}
		out[c.Key] = c
	}
	return out, wrap("domain categories", rows.Err())
}

// DomainRole is a bridge role (participant, formateur…) resolved to a
// Moodle role id on one domain.
type DomainRole struct {
	Key       string
	ShortName string
	RoleID    int64
}

// SaveDomainRole records (or replaces) a role's id.
func (s *Store) SaveDomainRole(ctx context.Context, domain string, r DomainRole) error {
	return s.upsert(ctx, "save domain role",
		`INSERT INTO domain_roles (domain, role_key, shortname, role_id, updated_at) VALUES (?, ?, ?, ?, ?)`,
		[]string{"domain", "role_key"}, []string{"shortname", "role_id", "updated_at"},
		domain, r.Key, r.ShortName, r.RoleID, millis(s.Now()))
}

// DomainRoles returns a domain's recorded roles by bridge role key.
func (s *Store) DomainRoles(ctx context.Context, domain string) (map[string]DomainRole, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT role_key, shortname, role_id FROM domain_roles WHERE domain = ?`, domain)
	if err != nil {
		return nil, wrap("domain roles", err)
	}
	defer rows.Close()
	out := map[string]DomainRole{}
	for rows.Next() {
		var r DomainRole
		if err := rows.Scan(&r.Key, &r.ShortName, &r.RoleID); err != nil {
			return nil, wrap("domain roles", err)
		}
		out[r.Key] = r
	}
	return out, wrap("domain roles", rows.Err())
}

// CourseState is the explicit lifecycle state of one course. The Origin*
// fields remember where a trashed course came from, for restore.
type CourseState struct {
	Domain           string
	CourseID         int64
	State            string
	Variant          string // e.g. self_national / self_local for an open session
	SourceCourseID   int64  // the gabarit/parcours/session it was copied from
	OriginState      string
	OriginVariant    string
	OriginCategoryID int64
	OriginVisible    bool
	UpdatedAt        time.Time
}

const courseStateColumns = `domain, course_id, state, variant, source_course_id, origin_state, origin_variant,
	origin_category_id, origin_visible, updated_at`

// putCourseState records a course's state (insert or replace). Only
// Tx.PutCourseState calls it: a state is written with its trail entry and
// its audit entry in one transaction (CourseChange).
func (s *Store) putCourseState(ctx context.Context, x execer, c CourseState) error {
	if c.Domain == "" || c.CourseID == 0 || c.State == "" {
		return fmt.Errorf("store: put course state: %w", &Error{"domain, course and state are required"})
	}
	return s.upsertOn(ctx, x, "put course state",
		`INSERT INTO course_states (`+courseStateColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		[]string{"domain", "course_id"},
		[]string{"state", "variant", "source_course_id", "origin_state", "origin_variant", "origin_category_id", "origin_visible", "updated_at"},
		c.Domain, c.CourseID, c.State, c.Variant, c.SourceCourseID, c.OriginState, c.OriginVariant,
		c.OriginCategoryID, boolInt(c.OriginVisible), millis(s.Now()))
}

// PutCourseState writes a course's state alone, without a trail entry:
// for tests and repair tools. The lifecycle writes states only through
// package workflow, with ChangeCourse (state, trail and audit together).
func (s *Store) PutCourseState(ctx context.Context, c CourseState) error {
	return s.putCourseState(ctx, s.db, c)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func scanCourseState(r rowScanner) (CourseState, error) {
	var (
		c       CourseState
		visible int
		at      int64
	)
	err := r.Scan(&c.Domain, &c.CourseID, &c.State, &c.Variant, &c.SourceCourseID, &c.OriginState, &c.OriginVariant,
		&c.OriginCategoryID, &visible, &at)
	c.OriginVisible, c.UpdatedAt = visible != 0, fromMillis(at)
	return c, err
}

// GetCourseState reads a course's state; ErrNotFound when the bridge has
// never recorded one. It reads the writer so a state just written is seen.
func (s *Store) GetCourseState(ctx context.Context, domain string, courseID int64) (CourseState, error) {
	c, err := scanCourseState(s.db.QueryRowContext(ctx,
		`SELECT `+courseStateColumns+` FROM course_states WHERE domain = ? AND course_id = ?`, domain, courseID))
	if errors.Is(err, sql.ErrNoRows) {
		return CourseState{}, fmt.Errorf("store: course %d on %s has no state: %w", courseID, domain, ErrNotFound)
	}
	return c, wrap("get course state", err)
}

// ListCourseStates lists a domain's courses in any of the given states
// (all states when none is given), by course id.
func (s *Store) ListCourseStates(ctx context.Context, domain string, states ...string) ([]CourseState, error) {
	q := `SELECT ` + courseStateColumns + ` FROM course_states WHERE domain = ?`
	args := []any{domain}
	if len(states) > 0 {
		q += " AND state IN (?" + strings.Repeat(", ?", len(states)-1) + ")"
		for _, st := range states {
			args = append(args, st)
		}
	}
	return queryAll(ctx, s.db, "list course states", scanCourseState, q+" ORDER BY course_id", args...)
}

// CourseTransition is one entry of a course's lifecycle trail.
type CourseTransition struct {
	ID         int64
	Domain     string
	CourseID   int64
	At         time.Time // zero means now
	Actor      string
	Transition string
	From, To   string
	Params     json.RawMessage
	JobID      int64
}

// RecordTransition appends to a course's trail, alone (a trail entry that
// changes no state, e.g. a purge). A state change goes through
// Tx.PutCourseState and Tx.RecordTransition in one transaction.
func (s *Store) RecordTransition(ctx context.Context, t CourseTransition) (int64, error) {
	return s.recordTransition(ctx, s.db, t)
}

func (s *Store) recordTransition(ctx context.Context, x execer, t CourseTransition) (int64, error) {
	if t.Domain == "" || t.CourseID == 0 || t.Transition == "" {
		return 0, fmt.Errorf("store: record transition: %w", &Error{"domain, course and transition are required"})
	}
	at := t.At
	if at.IsZero() {
		at = s.Now()
	}
	params := string(t.Params)
	if params == "" {
		params = "null"
	}
	var jobID any
	if t.JobID != 0 {
		jobID = t.JobID
	}
	res, err := x.ExecContext(ctx, `INSERT INTO course_transitions (domain, course_id, at, actor, transition, from_state, to_state, params, job_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, t.Domain, t.CourseID, millis(at), t.Actor, t.Transition, t.From, t.To, params, jobID)
	if err != nil {
		return 0, wrap("record transition", err)
	}
	id, err := res.LastInsertId()
	return id, wrap("record transition: id", err)
}

// ListTransitions returns a course's trail, oldest first.
func (s *Store) ListTransitions(ctx context.Context, domain string, courseID int64) ([]CourseTransition, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, domain, course_id, at, actor, transition, from_state, to_state, params, job_id
		FROM course_transitions WHERE domain = ? AND course_id = ? ORDER BY at, id`, domain, courseID)
	if err != nil {
		return nil, wrap("list transitions", err)
	}
	defer rows.Close()
	var out []CourseTransition
	for rows.Next() {
		var (
			t      CourseTransition
			at     int64
			params string
			jobID  sql.NullInt64
		)
		if err := rows.Scan(&t.ID, &t.Domain, &t.CourseID, &at, &t.Actor, &t.Transition, &t.From, &t.To, &params, &jobID); err != nil {
			return nil, wrap("list transitions", err)
		}
		t.At, t.Params, t.JobID = fromMillis(at), json.RawMessage(params), jobID.Int64
		out = append(out, t)
	}
	return out, wrap("list transitions", rows.Err())
}

// CourseMetadata is what a course announces (the "indexation" gate of
// opening): durations in minutes, nil when not given yet.
type CourseMetadata struct {
	RemoteMinutes   *int
	InPersonMinutes *int
	Objectives      string
	UpdatedAt       time.Time
}

// GetCourseMetadata reads a course's metadata; a course without any has
// the zero value (nothing announced), not an error.
func (s *Store) GetCourseMetadata(ctx context.Context, domain string, courseID int64) (CourseMetadata, error) {
	var (
		m                CourseMetadata
		remote, inperson sql.NullInt64
		at               int64
	)
	err := s.db.QueryRowContext(ctx, `SELECT remote_minutes, inperson_minutes, objectives, updated_at FROM course_metadata
		WHERE domain = ? AND course_id = ?`, domain, courseID).Scan(&remote, &inperson, &m.Objectives, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return CourseMetadata{}, nil
	}
	if err != nil {
		return CourseMetadata{}, wrap("get course metadata", err)
	}
	m.RemoteMinutes, m.InPersonMinutes, m.UpdatedAt = intPtr(remote), intPtr(inperson), fromMillis(at)
	return m, nil
}

func intPtr(n sql.NullInt64) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int64)
	return &v
}

func nullInt(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// SetCourseMetadata replaces a course's metadata.
func (s *Store) SetCourseMetadata(ctx context.Context, domain string, courseID int64, m CourseMetadata) error {
	return s.upsert(ctx, "set course metadata",
		`INSERT INTO course_metadata (domain, course_id, remote_minutes, inperson_minutes, objectives, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		[]string{"domain", "course_id"}, []string{"remote_minutes", "inperson_minutes", "objectives", "updated_at"},
		domain, courseID, nullInt(m.RemoteMinutes), nullInt(m.InPersonMinutes), m.Objectives, millis(s.Now()))
}

// ClaimReminder takes the ledger's slot for one reminder of one course.
// Exactly one caller, across processes sharing the store, gets true; the
// others get false. Release it if the reminder could not be sent.
func (s *Store) ClaimReminder(ctx context.Context, domain string, courseID int64, kind string) (bool, error) {
	_, err := s.db.ExecContext(ctx, `INSERT INTO reminders_sent (domain, course_id, kind, sent_at) VALUES (?, ?, ?, ?)`,
		domain, courseID, kind, millis(s.Now()))
	if err == nil {
		return true, nil
	}
	if isDuplicate(err) {
		return false, nil
	}
	return false, wrap("claim reminder", err)
}

// ReleaseReminder gives a claimed slot back (sending failed).
func (s *Store) ReleaseReminder(ctx context.Context, domain string, courseID int64, kind string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM reminders_sent WHERE domain = ? AND course_id = ? AND kind = ?`, domain, courseID, kind)
	return wrap("release reminder", err)
}

// SentReminder is one ledger entry.
type SentReminder struct {
	CourseID int64
	Kind     string
	SentAt   time.Time
}

// SentReminders lists a domain's ledger, by course then time.
func (s *Store) SentReminders(ctx context.Context, domain string) ([]SentReminder, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT course_id, kind, sent_at FROM reminders_sent WHERE domain = ? ORDER BY course_id, sent_at, kind`, domain)
	if err != nil {
		return nil, wrap("sent reminders", err)
	}
	defer rows.Close()
	var out []SentReminder
	for rows.Next() {
		var (
			r  SentReminder
			at int64
		)
		if err := rows.Scan(&r.CourseID, &r.Kind, &at); err != nil {
			return nil, wrap("sent reminders", err)
		}
		r.SentAt = fromMillis(at)
		out = append(out, r)
	}
	return out, wrap("sent reminders", rows.Err())
}

// JobByKey returns the job holding an idempotency key, or ErrNotFound.
func (s *Store) JobByKey(ctx context.Context, key string) (Job, error) { return s.jobByKey(ctx, key) }
