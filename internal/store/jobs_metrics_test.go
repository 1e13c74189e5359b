package store_test

import (
	"testing"
	"time"

	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
)

func TestJobsMetricsQueries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
		add := func(kind, key string, state store.JobState, runAt, finished time.Time) {
			t.Helper()
			j := enqueue(t, s, store.NewJob{Kind: kind, Domain: "ac-a", Payload: []byte(`{}`), IdempotencyKey: key})
			if err := store.SetJobStateForTest(ctx, s, j.ID, state, runAt, finished); err != nil {
				t.Fatal(err)
			}
		}
		add("enrol", "", store.JobQueued, now.Add(-10*time.Minute), time.Time{})
		add("enrol", "", store.JobQueued, now.Add(time.Hour), time.Time{}) // not due yet
		add("enrol", "", store.JobRunning, now, time.Time{})
		add("archive", "", store.JobQueued, now.Add(-time.Minute), time.Time{})
		add("archive", "", store.JobFailed, now, now)
		add("digest", "cron:digest:ac-a:2026-12-05T06:00:00Z", store.JobSucceeded, now, now.Add(-26*time.Hour))
		add("digest", "cron:digest:ac-a:2026-12-06T06:00:00Z", store.JobSucceeded, now, now.Add(-2*time.Hour))
		add("digest", "cron:digest:ac-a:2026-12-07T06:00:00Z", store.JobFailed, now, now.Add(-time.Hour))
		add("digest", "cron:digest:ac-b:2026-12-06T07:00:00Z", store.JobSucceeded, now, now.Add(-time.Hour))
		add("digest", "cron:digest-x:ac-a:2026-12-06T07:00:00Z", store.JobSucceeded, now, now.Add(-time.Minute))

		depths, err := s.QueueDepths(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, d := range depths {
			got[d.Kind+"/"+string(d.State)] = d.N
		}
		want := map[string]int64{"enrol/queued": 2, "enrol/running": 1, "archive/queued": 1}
		if len(got) != len(want) {
			t.Fatalf("queue depths %v, want %v", got, want)
		}
		for k, n := range want {
			if got[k] != n {
				t.Fatalf("queue depths %v, want %v", got, want)
			}
		}
		oldest, err := s.OldestDueQueued(ctx, now)
		if err != nil || !oldest.Equal(now.Add(-10*time.Minute)) {
			t.Fatalf("oldest due queued %v %v, want %v", oldest, err, now.Add(-10*time.Minute))
		}
		last, err := s.LastSucceeded(ctx, "cron:digest:ac-a:")
		if err != nil || !last.Equal(now.Add(-2*time.Hour)) {
			t.Fatalf("last succeeded %v %v, want %v (the failed later run and other schedules ignored)", last, err, now.Add(-2*time.Hour))
		}
		if last, err := s.LastSucceeded(ctx, "cron:never:ac-a:"); err != nil || !last.IsZero() {
			t.Fatalf("a schedule never run: %v %v", last, err)
		}
	})
}
