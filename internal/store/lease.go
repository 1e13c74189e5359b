package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// LeaseJobs hands up to limit runnable jobs to owner for lease: queued jobs
// whose run_at has come, and running jobs whose lease expired (their worker
// died). Oldest run_at first. Each leased job is running, owned by owner,
// and its attempts counter includes this run. kinds empty means any kind.
//
// Concurrent callers, in this process or others, never get the same job:
// MySQL/MariaDB selects with FOR UPDATE SKIP LOCKED; SQLite selects then
// updates (RETURNING) in one transaction on the one writer connection under
// BEGIN IMMEDIATE. Each lease raises the job's fencing token (LeaseToken),
// and a job taken from a worker whose lease expired carries that worker in
// PreviousOwner.
func (s *Store) LeaseJobs(ctx context.Context, owner string, limit int, lease time.Duration, kinds []string) ([]Job, error) {
	if owner == "" || limit <= 0 || lease <= 0 {
		return nil, fmt.Errorf("store: lease jobs: %w", &Error{"owner, limit and lease are required"})
	}
	var (
		jobs []Job
		err  error
	)
	if s.dialect == MySQL {
		jobs, err = s.leaseMySQL(ctx, owner, limit, lease, kinds)
	} else {
		jobs, err = s.leaseSQLite(ctx, owner, limit, lease, kinds)
	}
	if err != nil {
		return nil, wrap("lease jobs", err)
	}
	sort.Slice(jobs, func(i, j int) bool {
		if !jobs[i].RunAt.Equal(jobs[j].RunAt) {
			return jobs[i].RunAt.Before(jobs[j].RunAt)
		}
		return jobs[i].ID < jobs[j].ID
	})
	return jobs, nil
}

// runnableWhere selects leasable jobs; args: now, now, kinds...
func runnableWhere(kinds []string) string {
	w := "((state = 'queued' AND run_at <= ?) OR (state = 'running' AND lease_expires_at < ?))"
	if len(kinds) > 0 {
		w += " AND kind IN (" + placeholders(len(kinds)) + ")"
	}
	return w
}

func runnableArgs(now time.Time, kinds []string) []any {
	args := []any{millis(now), millis(now)}
	for _, k := range kinds {
		args = append(args, k)
	}
	return args
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// leaseSet takes a job: the fencing token grows by one at every lease.
const leaseSet = "state = 'running', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1, " +
	"lease_token = lease_token + 1, updated_at = ?"

func (s *Store) leaseSQLite(ctx context.Context, owner string, limit int, lease time.Duration, kinds []string) ([]Job, error) {
	// BEGIN IMMEDIATE on the one writer connection: nobody else leases in
	// between the SELECT and the UPDATE.
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	now := s.Now()
	prev, err := selectLeasable(ctx, tx, "SELECT id, lease_owner FROM jobs WHERE "+runnableWhere(kinds)+
		" ORDER BY run_at, id LIMIT ?", append(runnableArgs(now, kinds), limit)...)
	if err != nil || len(prev) == 0 {
		return nil, err
	}
	args := []any{owner, millis(now.Add(lease)), millis(now)}
	for id := range prev {
		args = append(args, id)
	}
	rows, err := tx.QueryContext(ctx, "UPDATE jobs SET "+leaseSet+" WHERE id IN ("+placeholders(len(prev))+") RETURNING "+jobColumns, args...)
	if err != nil {
		return nil, err
	}
	jobs, err := scanJobs(rows)
	if err != nil {
		return nil, err
	}
	return withPreviousOwners(jobs, prev), tx.Commit()
}

func (s *Store) leaseMySQL(ctx context.Context, owner string, limit int, lease time.Duration, kinds []string) ([]Job, error) {
	// READ COMMITTED: rows scanned but not matching are not kept locked,
	// so concurrent leasers skip only the rows really taken.
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	now := s.Now()
	prev, err := selectLeasable(ctx, tx, "SELECT id, lease_owner FROM jobs WHERE "+runnableWhere(kinds)+
		" ORDER BY run_at, id LIMIT ? FOR UPDATE SKIP LOCKED", append(runnableArgs(now, kinds), limit)...)
	if err != nil || len(prev) == 0 {
		return nil, err
	}
	in := " WHERE id IN (" + placeholders(len(prev)) + ")"
	args := []any{owner, millis(now.Add(lease)), millis(now)}
	for id := range prev {
		args = append(args, id)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE jobs SET "+leaseSet+in, args...); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, "SELECT "+jobColumns+" FROM jobs"+in, args[3:]...)
	if err != nil {
		return nil, err
	}
	jobs, err := scanJobs(rows)
	if err != nil {
		return nil, err
	}
	return withPreviousOwners(jobs, prev), tx.Commit()
}

// selectLeasable returns the ids to lease with their current lease owner:
// "" for a queued job, the worker whose lease expired for a running one.
func selectLeasable(ctx context.Context, tx *sql.Tx, q string, args ...any) (map[int64]string, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var (
			id    int64
			owner string
		)
		if err := rows.Scan(&id, &owner); err != nil {
			return nil, err
		}
		out[id] = owner
	}
	return out, rows.Err()
}

func withPreviousOwners(jobs []Job, prev map[int64]string) []Job {
	for i := range jobs {
		jobs[i].PreviousOwner = prev[jobs[i].ID]
	}
	return jobs
}

// Lease names one lease of a job: who took it and its fencing token.
// Every write a worker makes for the job goes through its Lease and is
// refused (ErrFenced) once the job was leased again, even by the same
// owner: the token, not the owner, decides.
type Lease struct {
	JobID int64
	Owner string
	Token int64
}

// Lease returns the lease a job was handed with (LeaseJobs).
func (j Job) Lease() Lease { return Lease{JobID: j.ID, Owner: j.LeaseOwner, Token: j.LeaseToken} }

// ownedWhere restricts a write to a running job still held under the lease.
const ownedWhere = " WHERE id = ? AND lease_owner = ? AND lease_token = ? AND state = 'running'"

func (l Lease) args() []any { return []any{l.JobID, l.Owner, l.Token} }

// ownedUpdate runs an UPDATE restricted to a running job still held under
// the lease (conditional on its fencing token). When nothing matched it
// says why: ErrNotFound, ErrCancelled, ErrFenced or ErrLeaseLost.
func (s *Store) ownedUpdate(ctx context.Context, op string, l Lease, set string, args ...any) error {
	args = append(args, l.args()...)
	res, err := s.execOneStatement(ctx, "UPDATE jobs SET "+set+ownedWhere, args...)
	if err != nil {
		return wrap(fmt.Sprintf("%s job %d", op, l.JobID), err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrap(fmt.Sprintf("%s job %d", op, l.JobID), err)
	}
	if n > 0 {
		return nil
	}
	return s.whyNotOwned(ctx, op, l)
}

func (s *Store) whyNotOwned(ctx context.Context, op string, l Lease) error {
	j, err := s.getJob(ctx, s.db, l.JobID)
	if err != nil {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	switch {
	case j.State == JobCancelled:
		return fmt.Errorf("store: %s job %d: %w", op, l.JobID, ErrCancelled)
	case j.LeaseToken != l.Token:
		return fmt.Errorf("store: %s job %d: lease token %d of %s superseded by token %d (job %s, owner %q): %w",
			op, l.JobID, l.Token, l.Owner, j.LeaseToken, j.State, j.LeaseOwner, ErrFenced)
	}
	return fmt.Errorf("store: %s job %d: job %s, owner %q: %w", op, l.JobID, j.State, j.LeaseOwner, ErrLeaseLost)
}

// RenewLease extends a running job's lease to now+lease, if the lease
// still holds. It is also how a worker checks its lease before a write.
func (s *Store) RenewLease(ctx context.Context, l Lease, lease time.Duration) error {
	now := s.Now()
	return s.ownedUpdate(ctx, "renew lease", l, "lease_expires_at = ?, updated_at = ?",
		millis(now.Add(lease)), millis(now))
}

// ReleaseJob gives a running job back to the queue without counting the
// attempt (graceful shutdown): another worker may lease it at once.
func (s *Store) ReleaseJob(ctx context.Context, l Lease) error {
	return s.ownedUpdate(ctx, "release", l,
		"state = 'queued', lease_owner = '', lease_expires_at = 0, updated_at = ?, "+
			"attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END", millis(s.Now()))
}

// CompleteJob marks the leased job succeeded with its result (nil: JSON null).
func (s *Store) CompleteJob(ctx context.Context, l Lease, result json.RawMessage) error {
	if len(result) == 0 {
		result = json.RawMessage("null")
	}
	now := millis(s.Now())
	return s.ownedUpdate(ctx, "complete", l,
		"state = 'succeeded', result = ?, lease_owner = '', lease_expires_at = 0, updated_at = ?, finished_at = ?",
		string(result), now, now)
}

// RetryJobLater puts the leased job back in the queue until runAt, keeping the error.
func (s *Store) RetryJobLater(ctx context.Context, l Lease, runAt time.Time, lastErr string) error {
	return s.ownedUpdate(ctx, "retry later", l,
		"state = 'queued', run_at = ?, last_error = ?, lease_owner = '', lease_expires_at = 0, updated_at = ?",
		millis(runAt), truncateError(lastErr), millis(s.Now()))
}

// FailJob marks the leased job failed for good, keeping the error.
func (s *Store) FailJob(ctx context.Context, l Lease, lastErr string) error {
	now := millis(s.Now())
	return s.ownedUpdate(ctx, "fail", l,
		"state = 'failed', last_error = ?, lease_owner = '', lease_expires_at = 0, updated_at = ?, finished_at = ?",
		truncateError(lastErr), now, now)
}

// UpdateProgress records how far the leased job went. It fails with
// ErrCancelled when the job was cancelled, so the worker can stop, and
// with ErrFenced when it was leased again.
func (s *Store) UpdateProgress(ctx context.Context, l Lease, done, total int, msg string) error {
	return s.ownedUpdate(ctx, "progress", l,
		"progress_done = ?, progress_total = ?, progress_message = ?, updated_at = ?",
		done, total, truncateRunes(msg, 1000), millis(s.Now()))
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// CancelJob cancels a queued or running job. A running worker learns it at
// its next lease renewal or progress update and stops.
func (s *Store) CancelJob(ctx context.Context, id int64) (Job, error) {
	now := millis(s.Now())
	return s.transition(ctx, "cancel", id,
		"state = 'cancelled', lease_owner = '', lease_expires_at = 0, updated_at = ?, finished_at = ?",
		"state IN ('queued', 'running')", now, now)
}

// RetryJob re-queues a failed or cancelled job now, with its attempts reset.
// Step checkpoints are kept, so the job resumes after its last done step.
func (s *Store) RetryJob(ctx context.Context, id int64) (Job, error) {
	now := millis(s.Now())
	return s.transition(ctx, "retry", id,
		"state = 'queued', attempts = 0, run_at = ?, lease_owner = '', lease_expires_at = 0, result = NULL, refusal = '', "+
			"updated_at = ?, finished_at = 0",
		"state IN ('failed', 'cancelled')", now, now)
}

// transition applies an operator state change allowed only from some states.
func (s *Store) transition(ctx context.Context, op string, id int64, set, from string, args ...any) (Job, error) {
	res, err := s.execOneStatement(ctx, "UPDATE jobs SET "+set+" WHERE id = ? AND "+from, append(args, id)...)
	if err != nil {
		return Job{}, wrap(fmt.Sprintf("%s job %d", op, id), err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return Job{}, wrap(fmt.Sprintf("%s job %d", op, id), err)
	}
	j, err := s.getJob(ctx, s.db, id)
	if err != nil {
		return Job{}, fmt.Errorf("store: %s: %w", op, err)
	}
	if n == 0 {
		return j, fmt.Errorf("store: %s job %d in state %s: %w", op, id, j.State, ErrConflict)
	}
	return j, nil
}

// SaveStep checkpoints a finished step of the leased job (overwriting a
// previous save of the same name), only if the lease still holds: the
// job row is locked by a conditional UPDATE on its fencing token in the
// same transaction, so a worker whose job was leased again gets ErrFenced
// and writes nothing, and the new holder, which reads the steps after its
// lease, sees every checkpoint written before it.
func (s *Store) SaveStep(ctx context.Context, l Lease, name string, result json.RawMessage) error {
	return s.InTx(ctx, fmt.Sprintf("save step %q of job %d", name, l.JobID), func(tx *Tx) error {
		return tx.SaveStep(ctx, l, name, result)
	})
}

// SeedStep writes a checkpoint for a job that is not running, as a crashed
// attempt would have left it: for tests and repair tools only. Workers use
// SaveStep, which is fenced; SeedStep refuses a running job (ErrConflict).
func (s *Store) SeedStep(ctx context.Context, jobID int64, name string, result json.RawMessage) error {
	op := fmt.Sprintf("seed step %q of job %d", name, jobID)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return wrap(op, err)
	}
	defer tx.Rollback()
	j, err := s.getJob(ctx, tx, jobID)
	if err != nil {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	if j.State == JobRunning {
		return fmt.Errorf("store: %s: the job is running (workers checkpoint through their lease): %w", op, ErrConflict)
	}
	if err := s.upsertStep(ctx, tx, jobID, name, result, millis(s.Now())); err != nil {
		return wrap(op, err)
	}
	return wrap(op, tx.Commit())
}

func (s *Store) upsertStep(ctx context.Context, tx *sql.Tx, jobID int64, name string, result json.RawMessage, now int64) error {
	if len(result) == 0 {
		result = json.RawMessage("null")
	}
	q := `INSERT INTO job_steps (job_id, name, result, done_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (job_id, name) DO UPDATE SET result = excluded.result, done_at = excluded.done_at`
	if s.dialect == MySQL {
		q = `INSERT INTO job_steps (job_id, name, result, done_at) VALUES (?, ?, ?, ?)
		ON DUPLICATE KEY UPDATE result = VALUES(result), done_at = VALUES(done_at)`
	}
	_, err := tx.ExecContext(ctx, q, jobID, name, string(result), now)
	return err
}

// Steps returns the checkpointed steps of a job by name.
func (s *Store) Steps(ctx context.Context, jobID int64) (map[string]json.RawMessage, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT name, result FROM job_steps WHERE job_id = ?", jobID)
	if err != nil {
		return nil, wrap(fmt.Sprintf("steps of job %d", jobID), err)
	}
	defer rows.Close()
	out := map[string]json.RawMessage{}
	for rows.Next() {
		var name, result string
		if err := rows.Scan(&name, &result); err != nil {
			return nil, wrap(fmt.Sprintf("steps of job %d", jobID), err)
		}
		out[name] = json.RawMessage(result)
	}
	return out, wrap(fmt.Sprintf("steps of job %d", jobID), rows.Err())
}

// DeleteFinishedJobs removes succeeded, failed and cancelled jobs finished
// before the cutoff (with their steps and result files), for housekeeping.
func (s *Store) DeleteFinishedJobs(ctx context.Context, before time.Time) (int64, error) {
	cut := millis(before)
	for _, table := range []string{"job_file_chunks", "job_files"} {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM `+table+` WHERE job_id IN (SELECT id FROM jobs
			WHERE state IN ('succeeded', 'failed', 'cancelled') AND finished_at < ?)`, cut); err != nil {
			return 0, wrap("delete finished job files", err)
		}
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM job_steps WHERE job_id IN (SELECT id FROM jobs
		WHERE state IN ('succeeded', 'failed', 'cancelled') AND finished_at < ?)`, cut); err != nil {
		return 0, wrap("delete finished job steps", err)
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM jobs WHERE state IN ('succeeded', 'failed', 'cancelled')
		AND finished_at < ?`, cut)
	if err != nil {
		return 0, wrap("delete finished jobs", err)
	}
	n, err := res.RowsAffected()
	return n, wrap("delete finished jobs", err)
}
