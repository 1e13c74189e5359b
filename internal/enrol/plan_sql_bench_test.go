package enrol

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/moodledb"
	"github.com/magistere/bridge/internal/store/storetest"
)

// BenchmarkPlanSQL is scripts/bench-plan.sh in a test: the plan of a file
// whose every person has an account, the look-ups answered from SQL
// (moodledb on the MariaDB of the tests), then the dry run's CSV report.
// Run with -benchmem: allocations are what the 100,000-row plan's time and
// peak memory come from. The regression guard of issue 14's 64 MB: peak-
// heap-MiB is the largest heap seen (objects, garbage not yet swept
// included; sampled every millisecond), what the process's RSS follows;
// live-MiB the largest heap a collection kept (the benchmark's own copy of
// the file, 5 MB for 100,000 rows, included); B/row the bytes allocated
// per row. The simulator answering the course look-up holds little.
func BenchmarkPlanSQL(b *testing.B) {
	for _, n := range []int{20000, 100000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			env := newSimEnv(b)
			db := seedMoodleDB(b, n)
			file := planFile(n)
			opts := PlanOptions{CourseIDs: []int64{env.course}, Directory: db}
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			peak := sampleHeap()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p, err := PlanFile(context.Background(), env.client, strings.NewReader(file), opts)
				if err != nil {
					b.Fatal(err)
				}
				if err := NewReport("ac-a", p, true).WriteCSV(io.Discard); err != nil {
					b.Fatal(err)
				}
				if c := p.Counts(); c.ByStatus[StatusWillEnrol] != n {
					b.Fatalf("matched %v", c.ByStatus)
				}
			}
			b.StopTimer()
			heap, live := peak()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(n*b.N), "B/row")
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(heap)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(live)/(1<<20), "live-MiB")
		})
	}
}

// sampleHeap samples the heap every millisecond until the returned
// function is called, which gives the largest heap of objects seen (the
// benchmark's file included) and the largest live heap a collection left.
func sampleHeap() func() (heap, live uint64) {
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
	var maxHeap, maxLive uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(samples)
			maxHeap = max(maxHeap, samples[0].Value.Uint64())
			maxLive = max(maxLive, samples[1].Value.Uint64())
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	return func() (uint64, uint64) {
		close(stop)
		<-done
		return maxHeap, maxLive
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
func seedMoodleDB(tb testing.TB, n int) *moodledb.DB {
	tb.Helper()
	raw, db := emptyMoodleDB(tb)
	if _, err := raw.Exec(fmt.Sprintf(`INSERT INTO mdl_user (username, firstname, lastname, email, auth, confirmed, mnethostid)
		SELECT CONCAT('u', LPAD(seq, 7, '0')), 'Prénom', CONCAT('NOM', seq), CONCAT('user', LPAD(seq, 7, '0'), '@ac-a.fr'),
		'shibboleth', 1, 1 FROM seq_1_to_%d`, n)); err != nil {
		tb.Fatalf("seed: %v", err)
	}
	return db
}

// emptyMoodleDB makes a fresh database with the tables the bridge reads
// and no rows: the handle to fill it, and moodledb's view of it.
func emptyMoodleDB(tb testing.TB) (*sql.DB, *moodledb.DB) {
	tb.Helper()
	dsn := storetest.MySQLDSN(tb) + "?multiStatements=true"
	raw, err := sql.Open("mysql", dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { raw.Close() })
	ddl, err := os.ReadFile("../moodledb/testdata/schema.sql")
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := raw.Exec(string(ddl)); err != nil {
		tb.Fatalf("schema: %v", err)
	}
	db, err := moodledb.New(raw, "mdl_")
	if err != nil {
		tb.Fatal(err)
	}
	return raw, db
}
