package store

import (
	"context"
	"time"
)

// SetJobStateForTest forces a job's state and times, so the metrics queries
// can be tested without the lease machinery.
func SetJobStateForTest(ctx context.Context, s *Store, id int64, state JobState, runAt, finishedAt time.Time) error {
	_, err := s.db.ExecContext(ctx, "UPDATE jobs SET state = ?, run_at = ?, finished_at = ? WHERE id = ?",
		string(state), millis(runAt), millis(finishedAt), id)
	return err
}
