package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/magistere/bridge/internal/refusal"
)

// JobState is the life-cycle state of a job.
type JobState string

const (
	JobQueued    JobState = "queued"
	JobRunning   JobState = "running"
	JobSucceeded JobState = "succeeded"
	JobFailed    JobState = "failed"
	JobCancelled JobState = "cancelled"
)

// JobStates lists every state, for metrics.
var JobStates = []JobState{JobQueued, JobRunning, JobSucceeded, JobFailed, JobCancelled}

// DefaultMaxAttempts applies when NewJob.MaxAttempts is 0.
const DefaultMaxAttempts = 5

// maxErrorLen bounds last_error: a handler's error may embed a whole response.
const maxErrorLen = 4000

// Job is one row of the jobs table.
type Job struct {
	ID             int64
	Kind           string
	Domain         string
	Payload        json.RawMessage
	IdempotencyKey string // "" when none
	State          JobState
	Attempts       int // leases so far, including the running one
	MaxAttempts    int
	RunAt          time.Time // not leased before
	LeaseOwner     string
	LeaseExpiresAt time.Time
	// LeaseToken is the fencing token of the current (or last) lease: it
	// grows by one each time the job is leased, and every write a worker
	// makes for the job (checkpoint, progress, outcome) is refused once
	// the token moved on (ErrFenced).
	LeaseToken int64
	// PreviousOwner is set by LeaseJobs only: the worker whose expired
	// lease this lease took over ("" when the job was queued).
	PreviousOwner   string
	ProgressDone    int
	ProgressTotal   int
	ProgressMessage string
	Result          json.RawMessage // nil until succeeded
	LastError       string
	// Refusal is set when the job failed on a refusal (package refusal):
	// its code and both reasons, for the API and the CLI. Nil otherwise.
	Refusal     *refusal.Refusal
	RequestedBy string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	FinishedAt  time.Time // zero until succeeded, failed or cancelled
}

// Finished reports whether the job reached a final state.
func (j Job) Finished() bool {
	return j.State == JobSucceeded || j.State == JobFailed || j.State == JobCancelled
}

// NewJob is what EnqueueJob needs to create a job.
type NewJob struct {
	Kind           string
	Domain         string
	Payload        json.RawMessage // nil stores JSON null
	IdempotencyKey string          // "" for none; otherwise unique among all jobs
	MaxAttempts    int             // 0 means DefaultMaxAttempts
	RunAt          time.Time       // zero means now
	RequestedBy    string
}

const jobColumns = `id, kind, domain, payload, idempotency_key, state, attempts, max_attempts, run_at,
	lease_owner, lease_expires_at, progress_done, progress_total, progress_message, result,
	last_error, requested_by, created_at, updated_at, finished_at, lease_token, refusal`

func scanJob(r rowScanner) (Job, error) {
	var (
		j                                                 Job
		payload                                           string
		key, result                                       sql.NullString
		refused                                           string
		state                                             string
		runAt, leaseExp, createdAt, updatedAt, finishedAt int64
	)
	err := r.Scan(&j.ID, &j.Kind, &j.Domain, &payload, &key, &state, &j.Attempts, &j.MaxAttempts, &runAt,
		&j.LeaseOwner, &leaseExp, &j.ProgressDone, &j.ProgressTotal, &j.ProgressMessage, &result,
		&j.LastError, &j.RequestedBy, &createdAt, &updatedAt, &finishedAt, &j.LeaseToken, &refused)
	if err != nil {
		return Job{}, err
	}
	j.Payload = json.RawMessage(payload)
	j.IdempotencyKey = key.String
	j.State = JobState(state)
	if result.Valid {
		j.Result = json.RawMessage(result.String)
	}
	if refused != "" {
		var r refusal.Refusal
		if json.Unmarshal([]byte(refused), &r) == nil {
			j.Refusal = &r
		}
	}
	j.RunAt, j.LeaseExpiresAt = fromMillis(runAt), fromMillis(leaseExp)
	j.CreatedAt, j.UpdatedAt, j.FinishedAt = fromMillis(createdAt), fromMillis(updatedAt), fromMillis(finishedAt)
	return j, nil
}

func scanJobs(rows *sql.Rows) ([]Job, error) {
	defer rows.Close()
	var out []Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// EnqueueJob creates a job. With an idempotency key already used, it
// returns the existing job and created=false, even when several callers
// race: the UNIQUE constraint decides, the losers re-read the winner.
func (s *Store) EnqueueJob(ctx context.Context, nj NewJob) (Job, bool, error) {
	if nj.Kind == "" {
		return Job{}, false, fmt.Errorf("store: enqueue: %w", &Error{"job kind is empty"})
	}
	if nj.IdempotencyKey != "" {
		if j, err := s.jobByKey(ctx, nj.IdempotencyKey); err == nil {
			return j, false, nil
		} else if !errors.Is(err, ErrNotFound) {
			return Job{}, false, err
		}
	}
	now := s.Now()
	payload := string(nj.Payload)
	if len(nj.Payload) == 0 {
		payload = "null"
	}
	maxAttempts := nj.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	runAt := nj.RunAt
	if runAt.IsZero() {
		runAt = now
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO jobs (kind, domain, payload, idempotency_key, state, attempts,
		max_attempts, run_at, last_error, requested_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 0, ?, ?, '', ?, ?, ?)`,
		nj.Kind, nj.Domain, payload, nullString(nj.IdempotencyKey), JobQueued, maxAttempts,
		millis(runAt), nj.RequestedBy, millis(now), millis(now))
	if err != nil {
		if isDuplicate(err) && nj.IdempotencyKey != "" {
			j, rerr := s.jobByKey(ctx, nj.IdempotencyKey)
			return j, false, rerr
		}
		return Job{}, false, wrap("enqueue job", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return Job{}, false, wrap("enqueue job: id", err)
	}
	j, err := s.getJob(ctx, s.db, id)
	return j, err == nil, err
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) jobByKey(ctx context.Context, key string) (Job, error) {
	// The writer pool: right after a duplicate-key error the reader must not
	// lag behind (on SQLite the single writer connection sees every commit).
	j, err := scanJob(s.db.QueryRowContext(ctx, "SELECT "+jobColumns+" FROM jobs WHERE idempotency_key = ?", key))
	if errors.Is(err, sql.ErrNoRows) {
		return Job{}, fmt.Errorf("store: job with key: %w", ErrNotFound)
	}
	return j, wrap("job by key", err)
}

// GetJob reads one job.
func (s *Store) GetJob(ctx context.Context, id int64) (Job, error) {
	return s.getJob(ctx, s.rdb, id)
}

func (s *Store) getJob(ctx context.Context, q querier, id int64) (Job, error) {
	j, err := scanJob(q.QueryRowContext(ctx, "SELECT "+jobColumns+" FROM jobs WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Job{}, fmt.Errorf("store: job %d: %w", id, ErrNotFound)
	}
	return j, wrap(fmt.Sprintf("get job %d", id), err)
}

// JobFilter selects jobs for ListJobs. Zero fields do not filter.
type JobFilter struct {
	State  JobState
	Kind   string
	Domain string
	Limit  int // default 100, at most 1000
	Offset int
}

// ListJobs returns jobs newest first.
func (s *Store) ListJobs(ctx context.Context, f JobFilter) ([]Job, error) {
	var (
		where []string
		args  []any
	)
	if f.State != "" {
		where, args = append(where, "state = ?"), append(args, f.State)
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, f.Kind)
	}
	if f.Domain != "" {
		where, args = append(where, "domain = ?"), append(args, f.Domain)
	}
	q := "SELECT " + jobColumns + " FROM jobs"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id DESC LIMIT ? OFFSET ?"
	args = append(args, clampLimit(f.Limit), max(f.Offset, 0))
	rows, err := s.rdb.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, wrap("list jobs", err)
	}
	jobs, err := scanJobs(rows)
	return jobs, wrap("list jobs", err)
}

func clampLimit(n int) int {
	switch {
	case n <= 0:
		return 100
	case n > 1000:
		return 1000
	}
	return n
}

// CountJobs counts jobs per state; every state is present in the map.
func (s *Store) CountJobs(ctx context.Context) (map[JobState]int64, error) {
	rows, err := s.rdb.QueryContext(ctx, "SELECT state, COUNT(*) FROM jobs GROUP BY state")
	if err != nil {
		return nil, wrap("count jobs", err)
	}
	defer rows.Close()
	out := make(map[JobState]int64, len(JobStates))
	for _, st := range JobStates {
		out[st] = 0
	}
	for rows.Next() {
		var (
			st string
			n  int64
		)
		if err := rows.Scan(&st, &n); err != nil {
			return nil, wrap("count jobs", err)
		}
		out[JobState(st)] = n
	}
	return out, wrap("count jobs", rows.Err())
}

// truncateError keeps last_error bounded and valid UTF-8.
func truncateError(msg string) string {
	if len(msg) <= maxErrorLen {
		return msg
	}
	cut := maxErrorLen
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + "…"
}
