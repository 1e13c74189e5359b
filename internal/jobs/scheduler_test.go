package jobs

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Paris without relying on the host's zoneinfo

	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
	"github.com/rs/zerolog"
)

func mustParse(t *testing.T, spec string) interface{ Next(time.Time) time.Time } {
	t.Helper()
	s, err := specParser.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPreviousTick(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04:05.000", s, paris)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		spec, now, want string
	}{
		{"0 2 * * *", "2025-09-01 02:00:00.000", "2025-09-01 02:00:00.000"}, // exactly at the tick
		{"0 2 * * *", "2025-09-01 02:00:00.300", "2025-09-01 02:00:00.000"}, // cron fired a bit late
		{"0 2 * * *", "2025-09-01 01:59:59.999", "2025-08-31 02:00:00.000"},
		{"*/15 * * * * *", "2025-09-01 10:00:44.000", "2025-09-01 10:00:30.000"},
		{"@hourly", "2025-09-01 10:59:00.000", "2025-09-01 10:00:00.000"},
		{"0 6 1 9 *", "2026-03-01 00:00:00.000", "2025-09-01 06:00:00.000"},  // yearly: long look-back
		{"30 7 * * 1", "2025-09-03 12:00:00.000", "2025-09-01 07:30:00.000"}, // Monday
	}
	for _, c := range cases {
		got, ok := previousTick(mustParse(t, c.spec), at(c.now))
		if !ok || !got.Equal(at(c.want)) {
			t.Errorf("%s at %s: got %v (%v), want %s", c.spec, c.now, got, ok, c.want)
		}
	}
}

func TestPreviousTickUTC(t *testing.T) {
	now := time.Date(2025, 9, 1, 10, 7, 30, 0, time.UTC)
	got, ok := previousTick(mustParse(t, "*/5 * * * *"), now)
	if !ok || !got.Equal(time.Date(2025, 9, 1, 10, 5, 0, 0, time.UTC)) {
		t.Fatalf("got %v %v", got, ok)
	}
}

func TestPeriodKey(t *testing.T) {
	paris := time.FixedZone("CEST", 2*3600)
	got := PeriodKey("nightly-stats", time.Date(2025, 9, 1, 2, 0, 0, 0, paris))
	if got != "nightly-stats:2025-09-01T00:00:00Z" {
		t.Fatalf("key %q", got)
	}
}

func TestSchedulersEnqueueOncePerPeriod(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		var periods sync.Map
		newSched := func() *Scheduler {
			s := NewScheduler(NewQueue(st), zerolog.Nop(), WithLocation(time.UTC))
			err := s.AddEntry(Entry{Spec: "0 */10 * * * *", Kind: "stats.refresh", Domain: "ac-lyon", KeyPrefix: "stats",
				Payload: func(period time.Time) (any, error) {
					periods.Store(period, true)
					return map[string]string{"period": period.Format(time.RFC3339)}, nil
				}})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		scheds := []*Scheduler{newSched(), newSched(), newSched()}
		base := time.Date(2025, 9, 1, 8, 0, 0, 0, time.UTC)
		// Three replicas tick at slightly different moments of each period.
		var wg sync.WaitGroup
		for period := 0; period < 2; period++ {
			for i, s := range scheds {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s.FireAll(ctx, base.Add(time.Duration(period)*10*time.Minute+time.Duration(i*300)*time.Millisecond))
				}()
			}
			wg.Wait()
		}
		jobs, err := st.ListJobs(ctx, store.JobFilter{Kind: "stats.refresh"})
		if err != nil || len(jobs) != 2 {
			t.Fatalf("%d jobs, %v; want one per period", len(jobs), err)
		}
		keys := []string{jobs[1].IdempotencyKey, jobs[0].IdempotencyKey}
		if keys[0] != "stats:2025-09-01T08:00:00Z" || keys[1] != "stats:2025-09-01T08:10:00Z" {
			t.Fatalf("keys %v", keys)
		}
		var p map[string]string
		if err := json.Unmarshal(jobs[1].Payload, &p); err != nil || p["period"] != "2025-09-01T08:00:00Z" {
			t.Fatalf("payload %s", jobs[1].Payload)
		}
		if jobs[0].RequestedBy != "cron" || jobs[0].Domain != "ac-lyon" {
			t.Fatalf("job %+v", jobs[0])
		}
	})
}

func TestSchedulerCatchUp(t *testing.T) {
	st := storetest.SQLite(t)
	now := time.Date(2025, 9, 1, 9, 30, 0, 0, time.UTC)
	s := NewScheduler(NewQueue(st), zerolog.Nop(), WithLocation(time.UTC), WithCatchUp(),
		WithClock(func() time.Time { return now }))
	if err := s.Add("0 2 * * *", "nightly", nil, "nightly"); err != nil {
		t.Fatal(err)
	}
	s.Start()
	s.Stop()
	jobs, _ := st.ListJobs(context.Background(), store.JobFilter{})
	if len(jobs) != 1 || jobs[0].IdempotencyKey != "nightly:2025-09-01T02:00:00Z" {
		t.Fatalf("catch-up jobs %+v", jobs)
	}
	// A second start (another replica, or a restart) adds nothing.
	s2 := NewScheduler(NewQueue(st), zerolog.Nop(), WithLocation(time.UTC), WithCatchUp(),
		WithClock(func() time.Time { return now }))
	_ = s2.Add("0 2 * * *", "nightly", nil, "nightly")
	s2.Start()
	s2.Stop()
	if jobs, _ := st.ListJobs(context.Background(), store.JobFilter{}); len(jobs) != 1 {
		t.Fatalf("catch-up repeated: %d jobs", len(jobs))
	}
}

func TestSchedulerRejectsBadEntries(t *testing.T) {
	s := NewScheduler(NewQueue(storetest.SQLite(t)), zerolog.Nop())
	for _, e := range []Entry{
		{Spec: "not a spec", Kind: "k", KeyPrefix: "k"},
		{Spec: "@daily", KeyPrefix: "k"},
		{Spec: "@daily", Kind: "k"},
	} {
		if err := s.AddEntry(e); err == nil {
			t.Errorf("entry %+v accepted", e)
		}
	}
}

// TestSchedulersRealCron runs three real cron loops ticking every second
// on one store: every period yields one job, never more.
func TestSchedulersRealCron(t *testing.T) {
	if testing.Short() {
		t.Skip("real-time cron test")
	}
	st := storetest.SQLite(t)
	var scheds []*Scheduler
	for i := 0; i < 3; i++ {
		s := NewScheduler(NewQueue(st), zerolog.Nop(), WithLocation(time.UTC))
		if err := s.Add("* * * * * *", "tick", nil, "tick"); err != nil {
			t.Fatal(err)
		}
		scheds = append(scheds, s)
	}
	start := time.Now()
	for _, s := range scheds {
		s.Start()
	}
	time.Sleep(2500 * time.Millisecond)
	for _, s := range scheds {
		s.Stop()
	}
	elapsed := time.Since(start)
	jobs, _ := st.ListJobs(context.Background(), store.JobFilter{Kind: "tick"})
	maxPeriods := int(elapsed/time.Second) + 1
	if len(jobs) < 1 || len(jobs) > maxPeriods {
		t.Fatalf("%d jobs in %v (3 schedulers): want 1..%d, one per period", len(jobs), elapsed, maxPeriods)
	}
	seen := map[string]bool{}
	for _, j := range jobs {
		if seen[j.IdempotencyKey] || !strings.HasPrefix(j.IdempotencyKey, "tick:") {
			t.Fatalf("bad key %q", j.IdempotencyKey)
		}
		seen[j.IdempotencyKey] = true
	}
	created, _ := st.ListAudit(context.Background(), store.AuditFilter{Action: "job.submit", Actor: "cron", Limit: 1000})
	n := 0
	for _, e := range created {
		if e.Outcome == "created" {
			n++
		}
	}
	if n != len(jobs) || len(created) <= len(jobs) {
		t.Fatalf("%d submits (%d created) for %d jobs: the other replicas' ticks must show as duplicates", len(created), n, len(jobs))
	}
}
