package domains_test

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/config"
	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/store/storetest"
)

// TestResolveCourseFromDatabase: with db_dsn, a course named by shortname
// or idnumber is found in the site's database, with the web services'
// rules (exact spelling, one name for two courses lists both), and no
// web-service call: the site's URL here answers nothing.
func TestResolveCourseFromDatabase(t *testing.T) {
	dsn := storetest.MySQLDSN(t)
	raw, err := sql.Open("mysql", dsn+"?multiStatements=true")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	ddl, err := os.ReadFile("../moodledb/testdata/schema.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(string(ddl)); err != nil {
		t.Fatalf("schema: %v", err)
	}
	if _, err := raw.Exec(`INSERT INTO mdl_course (id, fullname, shortname, idnumber) VALUES
		(2, 'Kourou', 'KOUROU-CP', 'K-1'), (3, 'Clash', 'CLASH', 'K-2'), (4, 'Clash 2', 'K-2', '')`); err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.Domains = []config.Domain{{Name: "ac-a", WWWRoot: "http://127.0.0.1:1", Token: "tok", Timeout: time.Second,
		DBDSN: dsn, DBPrefix: "mdl_"}}
	fleet, err := domains.NewFleet(&cfg, nil, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer fleet.Close()
	d, _ := fleet.Get("ac-a")
	ctx := context.Background()
	for ref, want := range map[string]int64{"KOUROU-CP": 2, "K-1": 2, "CLASH": 3} {
		if id, err := d.ResolveCourse(ctx, ref); err != nil || id != want {
			t.Errorf("course %q: %d, %v; want %d", ref, id, err, want)
		}
	}
	if _, err := d.ResolveCourse(ctx, "K-2"); err == nil || !strings.Contains(err.Error(), "names 2 courses") {
		t.Errorf("ambiguous course: %v", err)
	}
	// The column's collation finds "kourou-cp"; the name must be spelt as Moodle holds it.
	if _, err := d.ResolveCourse(ctx, "kourou-cp"); err == nil || !strings.Contains(err.Error(), `no course "kourou-cp" on ac-a`) {
		t.Errorf("differently spelt course: %v", err)
	}
}
