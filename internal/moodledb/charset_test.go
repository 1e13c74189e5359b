package moodledb

import (
	"context"
	"os"
	"testing"
)

// testServer is the MariaDB the store tests use too (127.0.0.1:3306, root).
func testServer() string {
	if dsn := os.Getenv("BRIDGE_TEST_MYSQL_DSN"); dsn != "" {
		return dsn
	}
	return "root@tcp(127.0.0.1:3306)/"
}

// TestConnectionsAreUnicode checks what the connection says it speaks,
// whether the collation comes from the handshake (no charset in the DSN)
// or from SET NAMES over the DSN's own charset, and that an accented
// literal comes back as sent.
func TestConnectionsAreUnicode(t *testing.T) {
	for _, suffix := range []string{"", "?charset=latin1", "?timeout=5s&charset=latin1"} {
		db, err := Open(testServer()+suffix, "")
		if err != nil {
			t.Fatalf("%q: %v", suffix, err)
		}
		var client, conn, results, collation, text string
		err = db.db.QueryRowContext(context.Background(), `SELECT @@character_set_client, @@character_set_connection,
			@@character_set_results, @@collation_connection, ?`, "Prénom Élise œ 🎓").
			Scan(&client, &conn, &results, &collation, &text)
		db.Close()
		if err != nil {
			if os.Getenv("CI") != "true" && suffix == "" {
				t.Skipf("no MariaDB at the test server: %v", err)
			}
			t.Fatalf("%q: %v", suffix, err)
		}
		if client != "utf8mb4" || conn != "utf8mb4" || results != "utf8mb4" || collation != "utf8mb4_unicode_ci" {
			t.Errorf("%q: client %s, connection %s, results %s, collation %s; want utf8mb4 and utf8mb4_unicode_ci",
				suffix, client, conn, results, collation)
		}
		if text != "Prénom Élise œ 🎓" {
			t.Errorf("%q: the literal came back as %q", suffix, text)
		}
	}
}
