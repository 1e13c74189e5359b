package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
)

// BenchmarkEnqueueLease measures a job's round trip through the queue:
// enqueue, lease, complete. Reported as jobs/s per backend.
func BenchmarkEnqueueLease(b *testing.B) {
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) {
			s, _ := storetest.Open(b, backend)
			ctx := context.Background()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, _, err := s.EnqueueJob(ctx, store.NewJob{Kind: "bench"}); err != nil {
					b.Fatal(err)
				}
				jobs, err := s.LeaseJobs(ctx, "bench", 1, time.Minute, nil)
				if err != nil || len(jobs) != 1 {
					b.Fatalf("lease: %d jobs, %v", len(jobs), err)
				}
				if err := s.CompleteJob(ctx, jobs[0].Lease(), nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
		})
	}
}
