package store

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/go-sql-driver/mysql"
)

type fakeResult struct{}

func (fakeResult) LastInsertId() (int64, error) { return 0, nil }
func (fakeResult) RowsAffected() (int64, error) { return 1, nil }

// failing returns an exec that fails with err n times, then succeeds.
func failing(err error, n int, calls *int) func() (sql.Result, error) {
	return func() (sql.Result, error) {
		*calls++
		if *calls <= n {
			return nil, err
		}
		return fakeResult{}, nil
	}
}

func TestDeadlockVictimRunsAgain(t *testing.T) {
	deadlock := &mysql.MySQLError{Number: mysqlDeadlock, Message: "Deadlock found when trying to get lock"}
	calls := 0
	if _, err := retryDeadlocked(context.Background(), failing(deadlock, 2, &calls)); err != nil || calls != 3 {
		t.Fatalf("two deadlocks then success: err %v after %d calls, want nil after 3", err, calls)
	}
	calls = 0
	_, err := retryDeadlocked(context.Background(), failing(deadlock, 100, &calls))
	if !errors.Is(err, deadlock) || calls != deadlockRetries+1 {
		t.Fatalf("endless deadlocks: err %v after %d calls, want the deadlock after %d", err, calls, deadlockRetries+1)
	}
}

func TestOnlyDeadlocksRunAgain(t *testing.T) {
	for _, err := range []error{
		&mysql.MySQLError{Number: mysqlDupEntry},
		&mysql.MySQLError{Number: mysqlLockWaitTimeout}, // already waited 50 s: the caller decides
		errors.New("constraint failed"),
	} {
		calls := 0
		if _, got := retryDeadlocked(context.Background(), failing(err, 1, &calls)); !errors.Is(got, err) || calls != 1 {
			t.Errorf("%v: got %v after %d calls, want it returned after 1", err, got, calls)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := 0
	deadlock := &mysql.MySQLError{Number: mysqlDeadlock}
	if _, err := retryDeadlocked(ctx, failing(deadlock, 100, &calls)); !errors.Is(err, deadlock) || calls != 1 {
		t.Errorf("cancelled context: %v after %d calls, want the deadlock after 1", err, calls)
	}
}
