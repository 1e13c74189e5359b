package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/magistere/bridge/internal/refusal"
)

// Tx is one store transaction: the writes made through it stand or fall
// together (a course's state, its trail entry, its audit entry and the
// job's checkpoint of the step that made them). Inside InTx's function
// only the Tx's own methods may touch the store: on SQLite the writer is
// one connection, and the transaction holds it.
type Tx struct {
	s  *Store
	tx *sql.Tx
	// notOwned is the lease a fenced write found gone; InTx says why
	// after the rollback (the reason is read outside the transaction).
	notOwned   *Lease
	notOwnedOp string
}

// errNotOwned stops a transaction whose lease no longer holds.
var errNotOwned = errors.New("store: lease not held")

// InTx runs fn in one transaction, committed when fn returns nil and
// rolled back otherwise. A fenced write that found the lease gone makes
// InTx return ErrFenced, ErrLeaseLost or ErrCancelled, as SaveStep does.
func (s *Store) InTx(ctx context.Context, op string, fn func(tx *Tx) error) error {
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return wrap(op, err)
	}
	t := &Tx{s: s, tx: sqlTx}
	if err := fn(t); err != nil {
		_ = sqlTx.Rollback()
		if t.notOwned != nil {
			return s.whyNotOwned(ctx, t.notOwnedOp, *t.notOwned)
		}
		return err
	}
	return wrap(op, sqlTx.Commit())
}

// Now is the store's clock.
func (t *Tx) Now() int64 { return millis(t.s.Now()) }

// ownedUpdate is Store.ownedUpdate inside the transaction: the UPDATE
// matches only a running job still held under the lease (its fencing
// token), and locks its row until the commit.
func (t *Tx) ownedUpdate(ctx context.Context, op string, l Lease, set string, args ...any) error {
	args = append(args, l.args()...)
	res, err := t.tx.ExecContext(ctx, "UPDATE jobs SET "+set+ownedWhere, args...)
	if err != nil {
		return wrap(fmt.Sprintf("%s job %d", op, l.JobID), err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrap(fmt.Sprintf("%s job %d", op, l.JobID), err)
	}
	if n == 0 {
		t.notOwned, t.notOwnedOp = &l, op
		return errNotOwned
	}
	return nil
}

// SaveStep checkpoints a step of the leased job in the transaction, only
// if the lease still holds (see Store.SaveStep).
func (t *Tx) SaveStep(ctx context.Context, l Lease, name string, result json.RawMessage) error {
	now := t.Now()
	if err := t.ownedUpdate(ctx, fmt.Sprintf("save step %q of", name), l, "updated_at = ?", now); err != nil {
		return err
	}
	return wrap(fmt.Sprintf("save step %q of job %d", name, l.JobID), t.s.upsertStep(ctx, t.tx, l.JobID, name, result, now))
}

// RecordAudit appends an audit entry in the transaction.
func (t *Tx) RecordAudit(ctx context.Context, e AuditEntry) (int64, error) {
	return t.s.recordAudit(ctx, t.tx, e)
}

// RecordTransition appends to a course's trail in the transaction.
func (t *Tx) RecordTransition(ctx context.Context, c CourseTransition) (int64, error) {
	return t.s.recordTransition(ctx, t.tx, c)
}

// SetCourseMetadata replaces a course's metadata in the transaction.
func (t *Tx) SetCourseMetadata(ctx context.Context, domain string, courseID int64, m CourseMetadata) error {
	return t.s.upsertOn(ctx, t.tx, "set course metadata",
		`INSERT INTO course_metadata (domain, course_id, remote_minutes, inperson_minutes, objectives, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		[]string{"domain", "course_id"}, []string{"remote_minutes", "inperson_minutes", "objectives", "updated_at"},
		domain, courseID, nullInt(m.RemoteMinutes), nullInt(m.InPersonMinutes), m.Objectives, t.Now())
}

// CourseState reads a course's state in the transaction (locked on
// MySQL until the commit, so a check and the write that follows it are
// not interleaved with another process's); ErrNotFound without a record.
func (t *Tx) CourseState(ctx context.Context, domain string, courseID int64) (CourseState, error) {
	q := `SELECT ` + courseStateColumns + ` FROM course_states WHERE domain = ? AND course_id = ?`
	if t.s.dialect == MySQL {
		q += " FOR UPDATE"
	}
	c, err := scanCourseState(t.tx.QueryRowContext(ctx, q, domain, courseID))
	if errors.Is(err, sql.ErrNoRows) {
		return CourseState{}, fmt.Errorf("store: course %d on %s has no state: %w", courseID, domain, ErrNotFound)
	}
	return c, wrap("get course state", err)
}

// CourseChange is one change of a course's lifecycle: its new state, its
// trail entry and its audit entry (nil: none), written together.
type CourseChange struct {
	State CourseState
	Trail CourseTransition
	Audit *AuditEntry
}

// ChangeCourse writes a course change in the transaction. The trail
// entry's domain, course and target state default to the state's.
func (t *Tx) ChangeCourse(ctx context.Context, c CourseChange) error {
	if err := t.s.putCourseState(ctx, t.tx, c.State); err != nil {
		return err
	}
	tr := c.Trail
	if tr.Domain == "" {
		tr.Domain = c.State.Domain
	}
	if tr.CourseID == 0 {
		tr.CourseID = c.State.CourseID
	}
	if tr.To == "" {
		tr.To = c.State.State
	}
	if _, err := t.RecordTransition(ctx, tr); err != nil {
		return err
	}
	if c.Audit == nil {
		return nil
	}
	_, err := t.RecordAudit(ctx, *c.Audit)
	return err
}

// ChangeCourse writes a course change in one transaction of its own.
func (s *Store) ChangeCourse(ctx context.Context, c CourseChange) error {
	return s.InTx(ctx, "change course", func(tx *Tx) error { return tx.ChangeCourse(ctx, c) })
}

// CompleteJobAudited marks the leased job succeeded with its result and
// appends its audit entry in the same transaction, only if the lease
// still holds: a crash leaves both or neither.
func (s *Store) CompleteJobAudited(ctx context.Context, l Lease, result json.RawMessage, e AuditEntry) error {
	if len(result) == 0 {
		result = json.RawMessage("null")
	}
	return s.InTx(ctx, fmt.Sprintf("complete job %d", l.JobID), func(tx *Tx) error {
		now := tx.Now()
		if err := tx.ownedUpdate(ctx, "complete", l,
			"state = 'succeeded', result = ?, lease_owner = '', lease_expires_at = 0, updated_at = ?, finished_at = ?",
			string(result), now, now); err != nil {
			return err
		}
		_, err := tx.RecordAudit(ctx, e)
		return err
	})
}

// FailJobAudited marks the leased job failed for good and appends its
// audit entry in the same transaction, only if the lease still holds.
func (s *Store) FailJobAudited(ctx context.Context, l Lease, lastErr string, e AuditEntry) error {
	return s.FailJobRefused(ctx, l, lastErr, nil, e)
}

// FailJobRefused is FailJobAudited for a job that failed on a refusal:
// the refusal (code, French and English reasons) is kept with the
// failure, so the API and the CLI show it as such rather than as text.
func (s *Store) FailJobRefused(ctx context.Context, l Lease, lastErr string, r *refusal.Refusal, e AuditEntry) error {
	refused := ""
	if r != nil {
		raw, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("store: encode refusal of job %d: %w", l.JobID, err)
		}
		refused = string(raw)
	}
	return s.InTx(ctx, fmt.Sprintf("fail job %d", l.JobID), func(tx *Tx) error {
		now := tx.Now()
		if err := tx.ownedUpdate(ctx, "fail", l,
			"state = 'failed', last_error = ?, refusal = ?, lease_owner = '', lease_expires_at = 0, updated_at = ?, finished_at = ?",
			truncateError(lastErr), refused, now, now); err != nil {
			return err
		}
		_, err := tx.RecordAudit(ctx, e)
		return err
	})
}

// EnqueueJob queues a job in the transaction (no idempotency key): work
// that must follow a change (mirroring it to Moodle) is queued with it,
// so a crash after the commit cannot lose it.
func (t *Tx) EnqueueJob(ctx context.Context, nj NewJob) (int64, error) {
	if nj.Kind == "" || nj.IdempotencyKey != "" {
		return 0, fmt.Errorf("store: enqueue in a transaction: %w", &Error{"a kind and no idempotency key are required"})
	}
	payload := string(nj.Payload)
	if len(nj.Payload) == 0 {
		payload = "null"
	}
	maxAttempts := nj.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	now := t.Now()
	res, err := t.tx.ExecContext(ctx, `INSERT INTO jobs (kind, domain, payload, idempotency_key, state, attempts,
		max_attempts, run_at, last_error, requested_by, created_at, updated_at)
		VALUES (?, ?, ?, NULL, ?, 0, ?, ?, '', ?, ?, ?)`,
		nj.Kind, nj.Domain, payload, JobQueued, maxAttempts, now, nj.RequestedBy, now, now)
	if err != nil {
		return 0, wrap("enqueue job", err)
	}
	id, err := res.LastInsertId()
	return id, wrap("enqueue job: id", err)
}
