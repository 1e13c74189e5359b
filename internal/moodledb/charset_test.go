package moodledb

import (
	"context"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/store/storetest"
)

// TestConnectionsAreUnicode checks what the connection says it speaks,
// whether the collation comes from the handshake (no charset in the DSN)
// or from SET NAMES over the DSN's own charset, and that an accented
// literal comes back as sent. The server is the store tests' MariaDB
// (storetest: a failure in CI when it is unreachable, a skip elsewhere).
func TestConnectionsAreUnicode(t *testing.T) {
	base := storetest.MySQLDSN(t)
	join := "?"
	if strings.Contains(base[strings.LastIndex(base, "/"):], "?") {
		join = "&"
	}
	for _, params := range []string{"", "charset=latin1", "timeout=5s&charset=latin1"} {
		dsn := base
		if params != "" {
			dsn += join + params
		}
		db, err := Open(dsn, "")
		if err != nil {
			t.Fatalf("%q: %v", params, err)
		}
		var client, conn, results, collation, text string
		err = db.db.QueryRowContext(context.Background(), `SELECT @@character_set_client, @@character_set_connection,
			@@character_set_results, @@collation_connection, ?`, "Prénom Élise œ 🎓").
			Scan(&client, &conn, &results, &collation, &text)
		db.Close()
		if err != nil {
			t.Fatalf("%q: %v", params, err)
		}
		if client != "utf8mb4" || conn != "utf8mb4" || results != "utf8mb4" || collation != "utf8mb4_unicode_ci" {
			t.Errorf("%q: client %s, connection %s, results %s, collation %s; want utf8mb4 and utf8mb4_unicode_ci",
				params, client, conn, results, collation)
		}
		if text != "Prénom Élise œ 🎓" {
			t.Errorf("%q: the literal came back as %q", params, text)
		}
	}
}
