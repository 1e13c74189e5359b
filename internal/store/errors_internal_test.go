package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/magistere/bridge/internal/failure"
)

func TestClassifyMySQLErrors(t *testing.T) {
	cases := []struct {
		err       error
		retryable bool
	}{
		{&mysql.MySQLError{Number: mysqlDeadlock, Message: "Deadlock found"}, true},
		{&mysql.MySQLError{Number: mysqlLockWaitTimeout}, true},
		{&mysql.MySQLError{Number: mysqlTooManyConns}, true},
		{&mysql.MySQLError{Number: mysqlDupEntry}, false},
		{&mysql.MySQLError{Number: 1064, Message: "syntax"}, false},
		{mysql.ErrInvalidConn, true},
		{io.ErrUnexpectedEOF, true},
		{context.DeadlineExceeded, true},
		{context.Canceled, false},
		{errors.New("mystery"), false},
	}
	for _, c := range cases {
		err := wrap("op", fmt.Errorf("ctx: %w", c.err))
		if failure.IsRetryable(err) != c.retryable {
			t.Errorf("%v: retryable = %v, want %v", c.err, !c.retryable, c.retryable)
		}
		if !errors.Is(err, c.err) {
			t.Errorf("%v: lost in wrapping", c.err)
		}
	}
	dup := wrap("insert", &mysql.MySQLError{Number: mysqlDupEntry})
	if !errors.Is(dup, ErrDuplicate) {
		t.Error("duplicate entry is not ErrDuplicate")
	}
	if wrap("op", nil) != nil {
		t.Error("nil must stay nil")
	}
}

func TestSQLiteConstraintIsPermanentDuplicate(t *testing.T) {
	s, err := Open(context.Background(), "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	insert := "INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, 'again', 0)"
	_, err = s.db.Exec(insert)
	err = wrap("insert", err)
	if err == nil || failure.IsRetryable(err) || !errors.Is(err, ErrDuplicate) {
		t.Fatalf("duplicate primary key: %v (retryable=%v)", err, failure.IsRetryable(err))
	}
}

func TestMySQLConfig(t *testing.T) {
	cfg, err := mysqlConfig("bridge:s3cr3t@tcp(db:3306)/bridge?multiStatements=true")
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.ParseTime || cfg.MultiStatements || !cfg.ClientFoundRows || cfg.Collation != "utf8mb4_unicode_ci" {
		t.Fatalf("config not normalised: %+v", cfg)
	}
	if !strings.Contains(cfg.FormatDSN(), "charset=utf8mb4") {
		t.Fatalf("charset missing in %s", cfg.FormatDSN())
	}
	_, err = mysqlConfig("bridge:s3cr3t@nonsense(db")
	if err == nil || strings.Contains(err.Error(), "s3cr3t") || failure.IsRetryable(err) {
		t.Fatalf("bad DSN error must be permanent and not leak the password: %v", err)
	}
}

func TestCheckMigrations(t *testing.T) {
	ok := []migration{{Version: 1, SQLite: []string{"x"}, MySQL: []string{"x"}}, {Version: 2, SQLite: []string{"y"}, MySQL: []string{"y"}}}
	if err := checkMigrations(ok); err != nil {
		t.Fatal(err)
	}
	if err := checkMigrations(migrations); err != nil {
		t.Fatalf("shipped migrations: %v", err)
	}
	bad := map[string][]migration{
		"unordered": {ok[1], ok[0]},
		"duplicate": {ok[0], ok[0]},
		"no mysql":  {{Version: 1, SQLite: []string{"x"}}},
	}
	for name, ms := range bad {
		if err := checkMigrations(ms); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

func TestTruncateError(t *testing.T) {
	long := strings.Repeat("é", maxErrorLen) // 2 bytes each
	got := truncateError(long)
	if len(got) > maxErrorLen+len("…") || !strings.HasSuffix(got, "…") {
		t.Fatalf("len %d", len(got))
	}
	if !strings.HasPrefix(got, "éé") || strings.ContainsRune(got, '\uFFFD') {
		t.Fatal("cut inside a rune")
	}
}
