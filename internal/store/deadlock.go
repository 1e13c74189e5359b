package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/magistere/bridge/internal/failure"
)

// deadlockRetries bounds how many times one statement that InnoDB chose as
// a deadlock victim is run again before its error is returned.
const deadlockRetries = 5

// execOneStatement runs one autocommit statement, again when MariaDB chose
// it as a deadlock victim. Two writers of the same jobs row can deadlock
// though each is a single UPDATE: an operator's cancel and the worker's
// progress or lease scan lock the primary key and the state indexes in
// different orders. InnoDB rolls the victim's statement back whole, so
// running it again is safe, and its callers' writes (lease.go) are
// conditional on the job's state or lease, so the second run decides afresh.
func (s *Store) execOneStatement(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return retryDeadlocked(ctx, func() (sql.Result, error) { return s.db.ExecContext(ctx, q, args...) })
}

// retryDeadlocked calls exec until it does not fail on a deadlock, at most
// deadlockRetries more times, after the project's jittered backoff (from
// 2 ms) so the other transaction can finish and the two do not meet again.
func retryDeadlocked(ctx context.Context, exec func() (sql.Result, error)) (sql.Result, error) {
	for attempt := 1; ; attempt++ {
		res, err := exec()
		if err == nil || attempt > deadlockRetries || !isDeadlock(err) {
			return res, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(failure.Backoff(attempt, 2*time.Millisecond, 50*time.Millisecond, nil)):
		}
	}
}

// isDeadlock reports InnoDB's "Deadlock found when trying to get lock".
func isDeadlock(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == mysqlDeadlock
}
