// Package storetest opens throw-away stores for tests, on both backends.
//
//	func TestX(t *testing.T) {
//		storetest.Each(t, func(t *testing.T, s *store.Store) { ... })
//	}
//
// SQLite lives in t.TempDir(). MySQL/MariaDB gets a fresh database
// bridge_test_<random> on the server named by BRIDGE_TEST_MYSQL_DSN
// (default root@tcp(127.0.0.1:3306)/), dropped when the test ends. When the
// server cannot be reached the MySQL variant is skipped with a message,
// unless CI=true or BRIDGE_REQUIRE_MYSQL=1, in which case the test fails.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/magistere/bridge/internal/store"
)

// DefaultMySQLDSN is the server used when BRIDGE_TEST_MYSQL_DSN is unset.
const DefaultMySQLDSN = "root@tcp(127.0.0.1:3306)/"

// Each runs fn as two subtests, "sqlite" and "mysql", each on a fresh store.
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("mysql", func(t *testing.T) { fn(t, MySQL(t)) })
}

// Backends lists the backend names Open accepts.
var Backends = []string{"sqlite", "mysql"}

// Open opens a fresh store on the named backend ("sqlite" or "mysql").
// It also returns how to open the same database again, as another process
// would (its own connection pool), for multi-replica tests.
func Open(tb testing.TB, backend string) (s *store.Store, reopen func() *store.Store) {
	tb.Helper()
	var dsn, dir string
	switch backend {
	case "sqlite":
		dir = tb.TempDir()
	case "mysql":
		dsn = MySQLDSN(tb)
	default:
		tb.Fatalf("storetest: unknown backend %q", backend)
	}
	reopen = func() *store.Store {
		tb.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s, err := store.Open(ctx, dsn, dir)
		if err != nil {
			tb.Fatalf("storetest: open %s store: %v", backend, err)
		}
		tb.Cleanup(func() { s.Close() })
		return s
	}
	return reopen(), reopen
}

// SQLite opens a fresh embedded store in a temporary directory.
func SQLite(tb testing.TB) *store.Store {
	tb.Helper()
	s, _ := Open(tb, "sqlite")
	return s
}

// MySQL opens a fresh store in a new MySQL/MariaDB database.
func MySQL(tb testing.TB) *store.Store {
	tb.Helper()
	s, _ := Open(tb, "mysql")
	return s
}

// MySQLDSN creates a fresh, empty database and returns a DSN pointing at
// it. The database is dropped when the test ends.
func MySQLDSN(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv("BRIDGE_TEST_MYSQL_DSN")
	if base == "" {
		base = DefaultMySQLDSN
	}
	cfg, err := mysql.ParseDSN(base)
	if err != nil {
		tb.Fatalf("storetest: BRIDGE_TEST_MYSQL_DSN is not a valid MySQL DSN")
	}
	cfg.DBName = ""
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		tb.Fatalf("storetest: open MySQL: %v", err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		unreachable(tb, cfg.Addr, err)
	}
	name := "bridge_test_" + randomHex(6)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		tb.Fatalf("storetest: create database %s: %v", name, err)
	}
	tb.Cleanup(func() { dropDatabase(tb, cfg.FormatDSN(), name) })
	cfg.DBName = name
	return cfg.FormatDSN()
}

func unreachable(tb testing.TB, addr string, err error) {
	tb.Helper()
	if os.Getenv("CI") == "true" || os.Getenv("BRIDGE_REQUIRE_MYSQL") == "1" {
		tb.Fatalf("storetest: MySQL/MariaDB at %s is required (CI or BRIDGE_REQUIRE_MYSQL) but unreachable: %v", addr, err)
	}
	tb.Skipf("storetest: MySQL/MariaDB at %s unreachable (%v); set BRIDGE_TEST_MYSQL_DSN, or CI=true/BRIDGE_REQUIRE_MYSQL=1 to make this a failure", addr, err)
}

func dropDatabase(tb testing.TB, adminDSN, name string) {
	admin, err := sql.Open("mysql", adminDSN)
	if err != nil {
		tb.Logf("storetest: drop %s: %v", name, err)
		return
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
		tb.Logf("storetest: drop %s: %v", name, err)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
