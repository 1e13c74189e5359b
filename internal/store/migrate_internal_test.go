package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// A new SQLite store applies its migrations in one transaction: when one
// fails, none is applied, and the error names the failing migration.
func TestFailedUpgradeAppliesNothing(t *testing.T) {
	saved := migrations
	t.Cleanup(func() { migrations = saved })
	last := saved[len(saved)-1]
	migrations = append(append([]migration(nil), saved...), migration{
		Version: last.Version + 1, Name: "broken",
		SQLite: []string{"CREATE TABLE upgrade_probe (id INTEGER)", "THIS IS NOT SQL"},
		MySQL:  []string{"SELECT 1"},
	})
	dir := t.TempDir()
	_, err := Open(context.Background(), "", dir)
	if err == nil || !strings.Contains(err.Error(), "broken") {
		t.Fatalf("open with a broken migration: err = %v, want one naming it", err)
	}
	// Nothing of the upgrade stayed: not even the good migrations before
	// the broken one (a new store: none had been applied).
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	var applied int
	if err := raw.QueryRow("SELECT COUNT(*) FROM schema_migrations").Scan(&applied); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	if applied != 0 {
		t.Fatalf("%d migrations stayed applied after a failed upgrade, want 0", applied)
	}
	migrations = saved
	s, err := Open(context.Background(), "", dir)
	if err != nil {
		t.Fatalf("reopen with the good migrations: %v", err)
	}
	defer s.Close()
	var n int
	if err := s.DB().QueryRowContext(context.Background(),
		"SELECT COUNT(*) FROM sqlite_master WHERE name = 'upgrade_probe'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatal("the broken upgrade's first statement stayed applied")
	}
	// The good migrations were applied on reopen, each once.
	if v, err := s.SchemaVersion(context.Background()); err != nil || v != last.Version {
		t.Fatalf("schema version = %d, %v; want %d", v, err, last.Version)
	}
}
