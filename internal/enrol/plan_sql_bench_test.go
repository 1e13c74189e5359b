package enrol

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/moodledb"
	"github.com/magistere/bridge/internal/store/storetest"
)

// BenchmarkPlanSQL is scripts/bench-plan.sh in a test: the plan of a file
// whose every person has an account, the look-ups answered from SQL
// (moodledb on the MariaDB of the tests), then the dry run's CSV report.
// Run with -benchmem: allocations are what the 100,000-row plan's time and
// peak memory come from. peak-heap-MiB is the largest heap in use seen
// after a plan (the simulator answering the course look-up holds little).
func BenchmarkPlanSQL(b *testing.B) {
	for _, n := range []int{20000, 100000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			env := newSimEnv(b)
			db := seedMoodleDB(b, n)
			file := planFile(n)
			opts := PlanOptions{CourseIDs: []int64{env.course}, Directory: db}
			var peak uint64
			var ms runtime.MemStats
			runtime.GC()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p, err := PlanFile(context.Background(), env.client, strings.NewReader(file), opts)
				if err != nil {
					b.Fatal(err)
				}
				if err := NewReport("ac-a", p, true).WriteCSV(io.Discard); err != nil {
					b.Fatal(err)
				}
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
				if c := p.Counts(); c.ByStatus[StatusWillEnrol] != n {
					b.Fatalf("matched %v", c.ByStatus)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}

// planFile is bench-plan.sh's file: n people with accounts u0000001….
func planFile(n int) string {
	var s strings.Builder
	s.WriteString("Nom;Prénom;Courriel;Établissement\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&s, "NOM%d;Prénom;user%07d@ac-a.fr;ETAB%d\n", i, i, i%37)
	}
	return s.String()
}

// seedMoodleDB makes a fresh database with the tables the bridge reads and
// n accounts, as bench-plan.sh does.
func seedMoodleDB(b *testing.B, n int) *moodledb.DB {
	b.Helper()
	dsn := storetest.MySQLDSN(b) + "?multiStatements=true"
	raw, err := sql.Open("mysql", dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { raw.Close() })
	ddl, err := os.ReadFile("../moodledb/testdata/schema.sql")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := raw.Exec(string(ddl)); err != nil {
		b.Fatalf("schema: %v", err)
	}
	if _, err := raw.Exec(fmt.Sprintf(`INSERT INTO mdl_user (username, firstname, lastname, email, auth, confirmed, mnethostid)
		SELECT CONCAT('u', LPAD(seq, 7, '0')), 'Prénom', CONCAT('NOM', seq), CONCAT('user', LPAD(seq, 7, '0'), '@ac-a.fr'),
		'shibboleth', 1, 1 FROM seq_1_to_%d`, n)); err != nil {
		b.Fatalf("seed: %v", err)
	}
	db, err := moodledb.New(raw, "mdl_")
	if err != nil {
		b.Fatal(err)
	}
	return db
}
