package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/go-sql-driver/mysql"
	"modernc.org/sqlite"
)

// Error is a sentinel error of the store. It carries a permanent verdict:
// retrying the same call cannot change the outcome.
type Error struct{ msg string }

func (e *Error) Error() string   { return e.msg }
func (e *Error) Retryable() bool { return false }

var (
	// ErrNotFound: no row with that id (or key).
	ErrNotFound = &Error{"store: not found"}
	// ErrLeaseLost: the caller no longer owns the job's lease (it expired
	// and another worker took the job, or the job was released/finished).
	ErrLeaseLost = &Error{"store: lease lost"}
	// ErrFenced: the job was leased again since the caller took it (its
	// lease token moved on), so the caller's write was refused and nothing
	// was written. A case of ErrLeaseLost: errors.Is(err, ErrLeaseLost)
	// holds too. The worker must stop without writing anything more.
	ErrFenced error = fencedError{}
	// ErrCancelled: the job was cancelled while the caller held its lease.
	// Workers should stop the handler; it is not a failure of the job.
	ErrCancelled = &Error{"store: job cancelled"}
	// ErrConflict: the job is not in a state allowing the transition
	// (for example retrying a job that already succeeded).
	ErrConflict = &Error{"store: conflicting state"}
	// ErrDuplicate: a unique constraint rejected the write.
	ErrDuplicate = &Error{"store: duplicate key"}
)

// fencedError is ErrFenced: permanent, and a case of ErrLeaseLost.
type fencedError struct{}

func (fencedError) Error() string {
	return "store: fenced: the job was leased again since (lease token superseded); nothing written"
}
func (fencedError) Retryable() bool      { return false }
func (fencedError) Is(target error) bool { return target == ErrLeaseLost }

// DBError wraps a database error with the operation that failed and a
// retry verdict (see package failure): lost connections, deadlocks, lock
// waits and SQLITE_BUSY are retryable; constraint and syntax errors are not.
type DBError struct {
	Op        string
	Err       error
	retryable bool
}

func (e *DBError) Error() string   { return "store: " + e.Op + ": " + e.Err.Error() }
func (e *DBError) Unwrap() error   { return e.Err }
func (e *DBError) Retryable() bool { return e.retryable }

// Is lets errors.Is(err, ErrDuplicate) see through a wrapped constraint error.
func (e *DBError) Is(target error) bool {
	return target == ErrDuplicate && isDuplicate(e.Err)
}

// wrap gives a database error its context and verdict. nil stays nil.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var se *Error
	if errors.As(err, &se) {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	return &DBError{Op: op, Err: err, retryable: isRetryableDBError(err)}
}

// MySQL/MariaDB error numbers we classify.
const (
	mysqlDupEntry          = 1062
	mysqlLockWaitTimeout   = 1205
	mysqlDeadlock          = 1213
	mysqlTooManyConns      = 1040
	mysqlServerShutdown    = 1053
	mysqlQueryInterrupted  = 1317
	mysqlReadOnly          = 1290
	mysqlLockDeadlockWsrep = 1180 // Galera "got error on commit"
)

// SQLite primary result codes (the low byte of extended codes).
const (
	sqliteBusy       = 5
	sqliteLocked     = 6
	sqliteConstraint = 19
)

func isRetryableDBError(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case mysqlLockWaitTimeout, mysqlDeadlock, mysqlTooManyConns, mysqlServerShutdown,
			mysqlQueryInterrupted, mysqlReadOnly, mysqlLockDeadlockWsrep:
			return true
		}
		return false
	}
	var le *sqlite.Error
	if errors.As(err, &le) {
		code := le.Code() & 0xff
		return code == sqliteBusy || code == sqliteLocked
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne)
}

func isDuplicate(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == mysqlDupEntry
	}
	var le *sqlite.Error
	if errors.As(err, &le) {
		// Extended codes: 2067 UNIQUE, 1555 PRIMARY KEY.
		return le.Code() == 2067 || le.Code() == 1555
	}
	return false
}
