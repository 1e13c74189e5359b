package jobs

import (
	"context"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
)

// BenchmarkPoolThroughput submits b.N no-op jobs and runs them through a
// pool: jobs/s including submit, lease, audit and completion.
func BenchmarkPoolThroughput(b *testing.B) {
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) {
			st, _ := storetest.Open(b, backend)
			q := NewQueue(st)
			reg := NewRegistry()
			reg.Register("noop", func(ctx context.Context, run *Run) (any, error) { return nil, nil })
			opts := PoolOptions{Owner: "bench", Concurrency: 8, PollInterval: 5 * time.Millisecond}
			p := NewPool(st, reg, opts)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			b.ResetTimer()
			go func() { _ = p.Run(ctx); close(done) }()
			for i := 0; i < b.N; i++ {
				if _, _, err := q.Submit(ctx, Spec{Kind: "noop"}); err != nil {
					b.Fatal(err)
				}
			}
			for {
				counts, err := st.CountJobs(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if counts[store.JobSucceeded] == int64(b.N) {
					break
				}
				time.Sleep(time.Millisecond)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
			cancel()
			<-done
		})
	}
}
