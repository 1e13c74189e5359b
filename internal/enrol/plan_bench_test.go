package enrol

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// BenchmarkPlan parses and plans files against the simulator and reports
// rows/s and the peak heap seen after each plan. Every person of the file
// has an account on the site (the common case of a GAIA export), so each
// row is looked up and matched.
func BenchmarkPlan(b *testing.B) {
	for _, n := range []int{20000, 100000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			env := newSimEnv(b)
			env.addUsers(b, 0, n)
			file := usersCSV(n)
			var peak uint64
			var ms runtime.MemStats
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p, err := PlanFile(context.Background(), env.client, strings.NewReader(file),
					PlanOptions{CourseIDs: []int64{env.course}})
				if err != nil {
					b.Fatal(err)
				}
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
				if len(p.Entries) != n {
					b.Fatalf("%d entries", len(p.Entries))
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}
