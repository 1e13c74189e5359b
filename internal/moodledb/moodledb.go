// Package moodledb reads a Moodle database directly, read-only, for the
// bulk reads web services make slow (one call per participant): course
// progress, completion and last access. Every read runs in a READ ONLY
// transaction and costs a fixed number of queries per batch of courses,
// whatever the number of participants.
//
// Only the tables and columns listed in testdata/schema.sql are read; a
// test checks them against Moodle 4.5's schema.
package moodledb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// DB is a read-only view of one Moodle site's database.
type DB struct {
	db     *sql.DB
	prefix string
}

var prefixPattern = regexp.MustCompile(`^[a-z0-9_]{0,20}$`)

// Open connects to a Moodle database with a go-sql-driver/mysql DSN;
// prefix is the table prefix (config db_prefix, "mdl_" when empty). The
// DSN never appears in errors.
func Open(dsn, prefix string) (*DB, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, failure(fmt.Errorf("moodledb: invalid DSN"), false)
	}
	cfg.ParseTime = false
	if err := useUnicode(cfg, dsn); err != nil {
		return nil, err
	}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, failure(fmt.Errorf("moodledb: connector: %w", err), false)
	}
	return New(sql.OpenDB(conn), prefix)
}

// useUnicode makes the connections utf8mb4 (unicode_ci), as Moodle's
// tables are. The collation travels in the handshake, which sets the
// connection's character sets as SET NAMES does, without SET NAMES's
// round trip on each new connection (a CLI command opens one). A DSN
// naming a charset of its own is overridden with the driver's Charset
// option, which sends SET NAMES after the handshake. (A "charset" entry
// in Params would be sent as a session variable, which MariaDB refuses.)
func useUnicode(cfg *mysql.Config, dsn string) error {
	const charset, collation = "utf8mb4", "utf8mb4_unicode_ci"
	// The parameters follow the last "/" (the database name's), as the
	// driver parses them: a password may hold "?" or "/".
	_, query, _ := strings.Cut(dsn[strings.LastIndex(dsn, "/")+1:], "?")
	if !strings.Contains("&"+query, "&charset=") {
		cfg.Collation = collation
		return nil
	}
	if err := cfg.Apply(mysql.Charset(charset, collation)); err != nil {
		return failure(fmt.Errorf("moodledb: charset: %w", err), false)
	}
	return nil
}

// New wraps an open database handle.
func New(db *sql.DB, prefix string) (*DB, error) {
	if prefix == "" {
		prefix = "mdl_"
	}
	if !prefixPattern.MatchString(prefix) {
		return nil, failure(fmt.Errorf("moodledb: table prefix %q is not [a-z0-9_]", prefix), false)
	}
	return &DB{db: db, prefix: prefix}, nil
}

// Close releases the connections.
func (d *DB) Close() error { return d.db.Close() }

// Ping checks the database answers.
func (d *DB) Ping(ctx context.Context) error {
	if err := d.db.PingContext(ctx); err != nil {
		return failure(fmt.Errorf("moodledb: ping: %w", err), true)
	}
	return nil
}

func (d *DB) t(name string) string { return "`" + d.prefix + name + "`" }

// Error is a failed read, with a verdict for package failure.
type Error struct {
	Op        string
	Err       error
	retryable bool
}

func (e *Error) Error() string   { return "moodledb: " + e.Op + ": " + e.Err.Error() }
func (e *Error) Unwrap() error   { return e.Err }
func (e *Error) Retryable() bool { return e.retryable }

func failure(err error, retryable bool) error {
	return &Error{Op: "setup", Err: err, retryable: retryable}
}

// wrap classifies a driver error: lost connections, timeouts, deadlocks
// and lock waits are worth a retry; SQL errors (a missing table, a wrong
// prefix) are not.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Op: op, Err: err, retryable: isTransient(err)}
}

func isTransient(err error) bool {
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1205, 1213, 1040, 1053, 2006, 2013:
			return true
		}
		return false
	}
	var ne net.Error
	return errors.As(err, &ne)
}
