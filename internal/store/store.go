package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/magistere/bridge/internal/failure"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Dialect names the SQL backend.
type Dialect string

const (
	SQLite Dialect = "sqlite"
	MySQL  Dialect = "mysql"
)

// SQLiteFile is the database file name inside the data directory.
const SQLiteFile = "bridge.db"

// Store is the bridge's own state. All SQL of the project lives in this
// package; other packages call its methods. A Store is safe for concurrent use.
type Store struct {
	dialect Dialect
	// db takes every write. On SQLite it holds a single connection so that
	// writers queue in Go instead of failing with SQLITE_BUSY, and each
	// transaction starts with BEGIN IMMEDIATE (other processes wait on
	// busy_timeout). On MySQL db and rdb are the same pool.
	db  *sql.DB
	rdb *sql.DB
	now atomic.Pointer[func() time.Time]
}

// Open connects to the store and applies pending migrations.
// An empty dsn selects the embedded SQLite database <dataDir>/bridge.db;
// otherwise dsn is a go-sql-driver/mysql DSN (user:pass@tcp(host:3306)/db).
func Open(ctx context.Context, dsn, dataDir string) (*Store, error) {
	var (
		s   *Store
		err error
	)
	if dsn == "" {
		s, err = openSQLite(dataDir)
	} else {
		s, err = openMySQL(dsn)
	}
	if err != nil {
		return nil, err
	}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func openSQLite(dataDir string) (*Store, error) {
	if dataDir == "" {
		return nil, failure.Permanent(errors.New("store: sqlite needs a data directory"))
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, failure.Permanent(fmt.Errorf("store: create data directory: %w", err))
	}
	path := filepath.Join(dataDir, SQLiteFile)
	if err := ownerOnly(path); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	base := "file:" + filepath.ToSlash(path) + "?"
	w, err := sql.Open("sqlite", base+q.Encode())
	if err != nil {
		return nil, wrap("open sqlite", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)

	q.Set("_txlock", "deferred")
	q.Add("_pragma", "query_only(1)")
	r, err := sql.Open("sqlite", base+q.Encode())
	if err != nil {
		w.Close()
		return nil, wrap("open sqlite reader", err)
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	return newStore(SQLite, w, r), nil
}

// ownerOnly creates the database file 0600, or makes an existing one so:
// it holds people's names (reports, uploads). SQLite gives its -wal and
// -shm files the database file's mode.
func ownerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return failure.Permanent(fmt.Errorf("store: create %s: %w", path, err))
	}
	f.Close()
	if err := os.Chmod(path, 0o600); err != nil {
		return failure.Permanent(fmt.Errorf("store: make %s private: %w", path, err))
	}
	return nil
}

// mysqlConfig normalises a user DSN: times as time.Time in UTC, utf8mb4,
// one statement per call (multiStatements off limits SQL injection damage).
func mysqlConfig(dsn string) (*mysql.Config, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		// The DSN may hold a password: do not echo it.
		return nil, failure.Permanent(errors.New("store: invalid MySQL DSN"))
	}
	cfg.ParseTime = true
	cfg.MultiStatements = false
	cfg.Loc = time.UTC
	// Matched rows, not changed rows: renewing a lease to the same expiry
	// must not look like a lost lease.
	cfg.ClientFoundRows = true
	if err := cfg.Apply(mysql.Charset("utf8mb4", "utf8mb4_unicode_ci")); err != nil {
		return nil, failure.Permanent(fmt.Errorf("store: MySQL charset: %w", err))
	}
	return cfg, nil
}

func openMySQL(dsn string) (*Store, error) {
	cfg, err := mysqlConfig(dsn)
	if err != nil {
		return nil, err
	}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, failure.Permanent(fmt.Errorf("store: MySQL connector: %w", err))
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(8)
	// Below typical wait_timeout/proxy idle limits so we rarely hit a dead conn.
	db.SetConnMaxLifetime(5 * time.Minute)
	db.SetConnMaxIdleTime(time.Minute)
	return newStore(MySQL, db, db), nil
}

func newStore(d Dialect, w, r *sql.DB) *Store {
	s := &Store{dialect: d, db: w, rdb: r}
	s.SetClock(nil)
	return s
}

// Dialect reports the backend: "sqlite" or "mysql".
func (s *Store) Dialect() Dialect { return s.dialect }

// DB exposes the write pool, for tests and for packages migrating their own
// data through store methods only. Prefer adding a method to this package.
func (s *Store) DB() *sql.DB { return s.db }

// SetClock replaces the clock used for every timestamp and lease decision
// (tests). nil restores time.Now. Replicas sharing a MySQL store must keep
// their clocks in sync (NTP): leases compare times written by other hosts.
func (s *Store) SetClock(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	s.now.Store(&now)
}

// Now is the store's clock, in UTC, truncated to milliseconds because that
// is what the database keeps.
func (s *Store) Now() time.Time { return (*s.now.Load())().UTC().Truncate(time.Millisecond) }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return wrap("ping", err)
	}
	if s.rdb != s.db {
		return wrap("ping reader", s.rdb.PingContext(ctx))
	}
	return nil
}

// Close releases the connections.
func (s *Store) Close() error {
	err := s.db.Close()
	if s.rdb != s.db {
		err = errors.Join(err, s.rdb.Close())
	}
	return err
}

// millis stores times as UTC unix milliseconds: one representation that
// round-trips identically on both backends. The zero time is stored as 0.
func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
