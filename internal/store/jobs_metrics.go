package store

import (
	"context"
	"database/sql"
	"time"
)

// QueueDepth is how many unfinished jobs of one kind are in one state.
type QueueDepth struct {
	Kind  string
	State JobState
	N     int64
}

// QueueDepths counts queued and running jobs by kind, for metrics.
func (s *Store) QueueDepths(ctx context.Context) ([]QueueDepth, error) {
	rows, err := s.rdb.QueryContext(ctx, "SELECT kind, state, COUNT(*) FROM jobs WHERE state IN (?, ?) GROUP BY kind, state ORDER BY kind, state",
		string(JobQueued), string(JobRunning))
	if err != nil {
		return nil, wrap("count queue depth", err)
	}
	defer rows.Close()
	var out []QueueDepth
	for rows.Next() {
		var d QueueDepth
		var st string
		if err := rows.Scan(&d.Kind, &st, &d.N); err != nil {
			return nil, wrap("count queue depth", err)
		}
		d.State = JobState(st)
		out = append(out, d)
	}
	return out, wrap("count queue depth", rows.Err())
}

// OldestDueQueued returns the run_at of the oldest queued job already due
// at now (zero when none waits): how long the queue has been behind.
func (s *Store) OldestDueQueued(ctx context.Context, now time.Time) (time.Time, error) {
	var ms sql.NullInt64
	err := s.rdb.QueryRowContext(ctx, "SELECT MIN(run_at) FROM jobs WHERE state = ? AND run_at <= ?",
		string(JobQueued), millis(now)).Scan(&ms)
	if err != nil {
		return time.Time{}, wrap("oldest queued job", err)
	}
	return fromMillis(ms.Int64), nil
}

// LastSucceeded returns when the last succeeded job whose idempotency key
// starts with prefix finished (zero when none did). Scheduled jobs carry
// "cron:SCHEDULE:DOMAIN:" keys, so this is a schedule's last good run. The
// range condition uses the key's unique index on both backends.
func (s *Store) LastSucceeded(ctx context.Context, prefix string) (time.Time, error) {
	var ms sql.NullInt64
	err := s.rdb.QueryRowContext(ctx,
		"SELECT MAX(finished_at) FROM jobs WHERE idempotency_key >= ? AND idempotency_key < ? AND state = ?",
		prefix, prefix+"\U0010FFFF", string(JobSucceeded)).Scan(&ms)
	if err != nil {
		return time.Time{}, wrap("last succeeded job", err)
	}
	return fromMillis(ms.Int64), nil
}
