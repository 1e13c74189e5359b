package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
)

// clock is a controllable time source shared by a test and its stores.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock {
	return &clock{now: time.Date(2025, 9, 1, 8, 0, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func enqueue(t *testing.T, s *store.Store, nj store.NewJob) store.Job {
	t.Helper()
	j, created, err := s.EnqueueJob(ctxT(t), nj)
	if err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	if !created {
		t.Fatalf("enqueue: job %d not created", j.ID)
	}
	return j
}

func leaseOne(t *testing.T, s *store.Store, owner string) store.Job {
	t.Helper()
	jobs, err := s.LeaseJobs(ctxT(t), owner, 1, 30*time.Second, nil)
	if err != nil {
		t.Fatalf("lease: %v", err)
	}
	if len(jobs) != 1 {
		t.Fatalf("lease: got %d jobs, want 1", len(jobs))
	}
	return jobs[0]
}

func TestMigrationsIdempotent(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			s, reopen := storetest.Open(t, backend)
			v1, err := s.SchemaVersion(ctxT(t))
			if err != nil || v1 < 1 {
				t.Fatalf("schema version = %d, %v", v1, err)
			}
			// Several "processes" opening at once must all succeed.
			var wg sync.WaitGroup
			stores := make([]*store.Store, 4)
			for i := range stores {
				wg.Add(1)
				go func() { defer wg.Done(); stores[i] = reopen() }()
			}
			wg.Wait()
			for _, o := range stores {
				v, err := o.SchemaVersion(ctxT(t))
				if err != nil || v != v1 {
					t.Fatalf("after reopen schema version = %d, %v; want %d", v, err, v1)
				}
			}
			var n int
			if err := s.DB().QueryRowContext(ctxT(t), "SELECT COUNT(*) FROM schema_migrations").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != v1 {
				t.Fatalf("schema_migrations has %d rows, want %d (no double apply)", n, v1)
			}
			if s.Dialect() != store.Dialect(backend) {
				t.Fatalf("dialect = %s, want %s", s.Dialect(), backend)
			}
		})
	}
}

func TestEnqueueRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClock()
		s.SetClock(c.Now)
		runAt := c.Now().Add(90*time.Minute + 123*time.Millisecond)
		j := enqueue(t, s, store.NewJob{Kind: "enrol.apply", Domain: "ac-lyon", Payload: json.RawMessage(`{"course":42,"name":"Élève"}`),
			IdempotencyKey: "k1", MaxAttempts: 3, RunAt: runAt, RequestedBy: "alice"})
		got, err := s.GetJob(ctxT(t), j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Kind != "enrol.apply" || got.Domain != "ac-lyon" || got.IdempotencyKey != "k1" || got.MaxAttempts != 3 ||
			got.RequestedBy != "alice" || got.State != store.JobQueued || got.Attempts != 0 {
			t.Fatalf("unexpected job %+v", got)
		}
		var p map[string]any
		if err := json.Unmarshal(got.Payload, &p); err != nil || p["name"] != "Élève" {
			t.Fatalf("payload %s: %v", got.Payload, err)
		}
		if !got.RunAt.Equal(runAt) || !got.CreatedAt.Equal(c.Now()) || !got.FinishedAt.IsZero() || got.Result != nil {
			t.Fatalf("times: run_at %v created %v finished %v", got.RunAt, got.CreatedAt, got.FinishedAt)
		}
		if got.RunAt.Location() != time.UTC {
			t.Fatalf("times must be UTC, got %v", got.RunAt.Location())
		}
		d := enqueue(t, s, store.NewJob{Kind: "noop"})
		if d.MaxAttempts != store.DefaultMaxAttempts || string(d.Payload) != "null" || d.IdempotencyKey != "" {
			t.Fatalf("defaults not applied: %+v", d)
		}
		if _, err := s.GetJob(ctxT(t), 999999); !errors.Is(err, store.ErrNotFound) || failure.IsRetryable(err) {
			t.Fatalf("missing job: %v", err)
		}
		if _, _, err := s.EnqueueJob(ctxT(t), store.NewJob{}); err == nil {
			t.Fatal("empty kind accepted")
		}
	})
}

func TestIdempotencyKeyConcurrentSubmits(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			s, reopen := storetest.Open(t, backend)
			handles := []*store.Store{s, reopen(), reopen()}
			const n = 20
			var (
				wg      sync.WaitGroup
				mu      sync.Mutex
				ids     = map[int64]int{}
				created int
				errs    []error
			)
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					j, c, err := handles[i%len(handles)].EnqueueJob(context.Background(), store.NewJob{
						Kind: "offer.deploy", IdempotencyKey: "deploy:offer-7:ac-lyon", Payload: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i))})
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						errs = append(errs, err)
						return
					}
					ids[j.ID]++
					if c {
						created++
					}
				}()
			}
			wg.Wait()
			if len(errs) > 0 {
				t.Fatalf("submit errors: %v", errs)
			}
			if len(ids) != 1 || created != 1 {
				t.Fatalf("got ids %v and %d created, want one job created once", ids, created)
			}
			counts, err := s.CountJobs(ctxT(t))
			if err != nil || counts[store.JobQueued] != 1 {
				t.Fatalf("counts %v, %v", counts, err)
			}
		})
	}
}

func TestLeaseEachJobExactlyOnce(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			s, reopen := storetest.Open(t, backend)
			const jobs = 300
			for i := 0; i < jobs; i++ {
				enqueue(t, s, store.NewJob{Kind: "k", Payload: json.RawMessage(fmt.Sprintf("%d", i))})
			}
			// Several pools mimic several processes.
			handles := []*store.Store{s, reopen(), reopen()}
			var (
				wg     sync.WaitGroup
				mu     sync.Mutex
				leased = map[int64]string{}
				dups   []int64
				errs   []error
			)
			for w := 0; w < 9; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					h := handles[w%len(handles)]
					owner := fmt.Sprintf("worker-%d", w)
					for {
						got, err := h.LeaseJobs(context.Background(), owner, 7, time.Minute, []string{"k"})
						if err != nil {
							if failure.IsRetryable(err) {
								continue
							}
							mu.Lock()
							errs = append(errs, err)
							mu.Unlock()
							return
						}
						if len(got) == 0 {
							return
						}
						mu.Lock()
						for _, j := range got {
							if _, seen := leased[j.ID]; seen {
								dups = append(dups, j.ID)
							}
							leased[j.ID] = owner
							if j.State != store.JobRunning || j.LeaseOwner != owner || j.Attempts != 1 {
								errs = append(errs, fmt.Errorf("bad leased job %+v", j))
							}
						}
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			if len(errs) > 0 {
				t.Fatalf("errors: %v", errs)
			}
			if len(dups) > 0 {
				t.Fatalf("jobs leased twice: %v", dups)
			}
			if len(leased) != jobs {
				t.Fatalf("leased %d jobs, want %d", len(leased), jobs)
			}
		})
	}
}

func TestLeaseSelection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClock()
		s.SetClock(c.Now)
		later := enqueue(t, s, store.NewJob{Kind: "a", RunAt: c.Now().Add(time.Hour)})
		other := enqueue(t, s, store.NewJob{Kind: "b"})
		older := enqueue(t, s, store.NewJob{Kind: "a", RunAt: c.Now().Add(-time.Minute)})
		newer := enqueue(t, s, store.NewJob{Kind: "a"})
		got, err := s.LeaseJobs(ctxT(t), "w", 10, time.Minute, []string{"a"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID != older.ID || got[1].ID != newer.ID {
			t.Fatalf("leased %v, want [%d %d] (oldest first, due, kind a only)", ids(got), older.ID, newer.ID)
		}
		if !got[0].LeaseExpiresAt.Equal(c.Now().Add(time.Minute)) {
			t.Fatalf("lease expiry %v", got[0].LeaseExpiresAt)
		}
		c.Advance(2 * time.Hour) // the running ones expire too
		got, err = s.LeaseJobs(ctxT(t), "w2", 10, time.Minute, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := []int64{older.ID, other.ID, newer.ID, later.ID}
		if fmt.Sprint(ids(got)) != fmt.Sprint(want) {
			t.Fatalf("second lease %v, want %v", ids(got), want)
		}
		if _, err := s.LeaseJobs(ctxT(t), "", 1, time.Minute, nil); err == nil {
			t.Fatal("lease without owner accepted")
		}
	})
}

func ids(js []store.Job) []int64 {
	out := make([]int64, len(js))
	for i, j := range js {
		out[i] = j.ID
	}
	return out
}

func TestExpiredLeaseRescue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClock()
		s.SetClock(c.Now)
		j := enqueue(t, s, store.NewJob{Kind: "k"})
		first := leaseOne(t, s, "crashed")
		if first.ID != j.ID {
			t.Fatal("wrong job")
		}
		if got, _ := s.LeaseJobs(ctxT(t), "rescuer", 1, 30*time.Second, nil); len(got) != 0 {
			t.Fatalf("live lease taken over: %v", ids(got))
		}
		c.Advance(31 * time.Second)
		second := leaseOne(t, s, "rescuer")
		if second.ID != j.ID || second.Attempts != 2 || second.LeaseOwner != "rescuer" {
			t.Fatalf("rescued job %+v", second)
		}
		if second.LeaseToken != first.LeaseToken+1 {
			t.Fatalf("tokens %d then %d: a takeover must raise the fencing token", first.LeaseToken, second.LeaseToken)
		}
		err := s.RenewLease(ctxT(t), first.Lease(), time.Minute)
		if !errors.Is(err, store.ErrLeaseLost) || !errors.Is(err, store.ErrFenced) || failure.IsRetryable(err) {
			t.Fatalf("renew by old owner: %v", err)
		}
		if err := s.CompleteJob(ctxT(t), first.Lease(), nil); !errors.Is(err, store.ErrFenced) {
			t.Fatalf("complete by old owner: %v", err)
		}
		if err := s.RenewLease(ctxT(t), second.Lease(), time.Minute); err != nil {
			t.Fatalf("renew by owner: %v", err)
		}
		// Renewing twice at the same instant writes identical values: still owned.
		if err := s.RenewLease(ctxT(t), second.Lease(), time.Minute); err != nil {
			t.Fatalf("idempotent renew: %v", err)
		}
		got, _ := s.GetJob(ctxT(t), j.ID)
		if !got.LeaseExpiresAt.Equal(c.Now().Add(time.Minute)) {
			t.Fatalf("renewed expiry %v", got.LeaseExpiresAt)
		}
		if err := s.RenewLease(ctxT(t), store.Lease{JobID: 424242, Owner: "rescuer", Token: 1}, time.Minute); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("renew missing job: %v", err)
		}
	})
}

func TestJobTransitions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClock()
		s.SetClock(c.Now)
		ctx := ctxT(t)

		// Complete with result.
		a := enqueue(t, s, store.NewJob{Kind: "k"})
		la := leaseOne(t, s, "w").Lease()
		if err := s.UpdateProgress(ctx, la, 3, 10, "3 sur 10"); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateProgress(ctx, store.Lease{JobID: a.ID, Owner: "intruder", Token: la.Token}, 4, 10, ""); !errors.Is(err, store.ErrLeaseLost) {
			t.Fatalf("progress by intruder: %v", err)
		}
		c.Advance(time.Second)
		if err := s.CompleteJob(ctx, la, json.RawMessage(`{"n":3}`)); err != nil {
			t.Fatal(err)
		}
		got, _ := s.GetJob(ctx, a.ID)
		if got.State != store.JobSucceeded || string(got.Result) != `{"n":3}` || got.ProgressDone != 3 ||
			got.ProgressTotal != 10 || got.ProgressMessage != "3 sur 10" || !got.FinishedAt.Equal(c.Now()) || got.LeaseOwner != "" {
			t.Fatalf("completed job %+v", got)
		}
		if err := s.CompleteJob(ctx, la, nil); !errors.Is(err, store.ErrLeaseLost) || errors.Is(err, store.ErrFenced) {
			t.Fatalf("double complete: %v", err)
		}

		// Retry later keeps the error and hides the job until run_at.
		b := enqueue(t, s, store.NewJob{Kind: "k", MaxAttempts: 2})
		lb := leaseOne(t, s, "w").Lease()
		if err := s.RetryJobLater(ctx, lb, c.Now().Add(time.Minute), "moodle: timeout"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.LeaseJobs(ctx, "w", 5, time.Minute, nil); len(got) != 0 {
			t.Fatalf("retried job leased before run_at: %v", ids(got))
		}
		c.Advance(time.Minute)
		again := leaseOne(t, s, "w")
		if again.ID != b.ID || again.Attempts != 2 || again.LastError != "moodle: timeout" {
			t.Fatalf("re-leased %+v", again)
		}
		// Release for shutdown: back to queued, the attempt does not count.
		if err := s.ReleaseJob(ctx, again.Lease()); err != nil {
			t.Fatal(err)
		}
		got, _ = s.GetJob(ctx, b.ID)
		if got.State != store.JobQueued || got.Attempts != 1 || got.LeaseOwner != "" {
			t.Fatalf("released %+v", got)
		}
		if err := s.FailJob(ctx, leaseOne(t, s, "w").Lease(), "permanent: bad payload"); err != nil {
			t.Fatal(err)
		}
		got, _ = s.GetJob(ctx, b.ID)
		if got.State != store.JobFailed || got.LastError != "permanent: bad payload" || got.FinishedAt.IsZero() {
			t.Fatalf("failed %+v", got)
		}
		// Operator retry: attempts reset, queued now.
		got, err := s.RetryJob(ctx, b.ID)
		if err != nil || got.State != store.JobQueued || got.Attempts != 0 || !got.FinishedAt.IsZero() {
			t.Fatalf("retry %+v, %v", got, err)
		}
		if _, err := s.RetryJob(ctx, a.ID); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("retry of succeeded job: %v", err)
		}
		long := make([]byte, 10000)
		for i := range long {
			long[i] = 'x'
		}
		if err := s.FailJob(ctx, leaseOne(t, s, "w").Lease(), string(long)); err != nil {
			t.Fatal(err)
		}
		got, _ = s.GetJob(ctx, b.ID)
		if len(got.LastError) > 4100 {
			t.Fatalf("last error not truncated: %d bytes", len(got.LastError))
		}
	})
}

func TestCancel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		queued := enqueue(t, s, store.NewJob{Kind: "k", RunAt: time.Now().Add(time.Hour)})
		got, err := s.CancelJob(ctx, queued.ID)
		if err != nil || got.State != store.JobCancelled || got.FinishedAt.IsZero() {
			t.Fatalf("cancel queued: %+v %v", got, err)
		}
		running := enqueue(t, s, store.NewJob{Kind: "k"})
		lr := leaseOne(t, s, "w").Lease()
		if _, err := s.CancelJob(ctx, running.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.RenewLease(ctx, lr, time.Minute); !errors.Is(err, store.ErrCancelled) {
			t.Fatalf("renew after cancel: %v", err)
		}
		if err := s.UpdateProgress(ctx, lr, 1, 2, ""); !errors.Is(err, store.ErrCancelled) {
			t.Fatalf("progress after cancel: %v", err)
		}
		if err := s.CompleteJob(ctx, lr, nil); !errors.Is(err, store.ErrCancelled) {
			t.Fatalf("complete after cancel: %v", err)
		}
		if _, err := s.CancelJob(ctx, running.ID); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("double cancel: %v", err)
		}
		if _, err := s.CancelJob(ctx, 987654); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("cancel missing: %v", err)
		}
		if got, _ := s.LeaseJobs(ctx, "w", 5, time.Minute, nil); len(got) != 0 {
			t.Fatalf("cancelled jobs leased: %v", ids(got))
		}
		if got, err := s.RetryJob(ctx, running.ID); err != nil || got.State != store.JobQueued {
			t.Fatalf("retry cancelled: %+v %v", got, err)
		}
	})
}

func TestStepsCheckpoint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		j := enqueue(t, s, store.NewJob{Kind: "k"})
		other := enqueue(t, s, store.NewJob{Kind: "k"})
		lj, lo := leaseOne(t, s, "w").Lease(), leaseOne(t, s, "w").Lease()
		if lj.JobID != j.ID || lo.JobID != other.ID {
			t.Fatalf("leased %d then %d, want %d then %d", lj.JobID, lo.JobID, j.ID, other.ID)
		}
		if err := s.SaveStep(ctx, lj, "create-course", json.RawMessage(`{"courseid":12}`)); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveStep(ctx, lj, "enrol", json.RawMessage(`1`)); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveStep(ctx, lj, "enrol", json.RawMessage(`2`)); err != nil {
			t.Fatalf("overwrite: %v", err)
		}
		if err := s.SaveStep(ctx, lo, "enrol", nil); err != nil {
			t.Fatal(err)
		}
		steps, err := s.Steps(ctx, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(steps) != 2 || string(steps["create-course"]) != `{"courseid":12}` || string(steps["enrol"]) != "2" {
			t.Fatalf("steps %v", steps)
		}
		missing := store.Lease{JobID: 999999, Owner: "w", Token: 1}
		if err := s.SaveStep(ctx, missing, "x", nil); !errors.Is(err, store.ErrNotFound) || failure.IsRetryable(err) {
			t.Fatalf("step of missing job: %v", err)
		}
		// SeedStep (tests, repair tools) refuses a running job and
		// writes the checkpoint of one that is not.
		if err := s.SeedStep(ctx, j.ID, "x", nil); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("seed step of a running job: %v", err)
		}
		queued := enqueue(t, s, store.NewJob{Kind: "k"})
		if err := s.SeedStep(ctx, queued.ID, "upload", json.RawMessage(`{"draft":7}`)); err != nil {
			t.Fatal(err)
		}
		if steps, _ := s.Steps(ctx, queued.ID); string(steps["upload"]) != `{"draft":7}` {
			t.Fatalf("seeded steps %v", steps)
		}
	})
}

// TestFencing: once a job is leased again, every write made under the
// previous lease (checkpoint, progress, renewal, each outcome) is refused
// with ErrFenced and changes nothing, even when the same owner took the
// job again; the new holder's writes go through.
func TestFencing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClock()
		s.SetClock(c.Now)
		ctx := ctxT(t)
		j := enqueue(t, s, store.NewJob{Kind: "k"})
		a := leaseOne(t, s, "a")
		if a.LeaseToken != 1 {
			t.Fatalf("first lease token %d, want 1", a.LeaseToken)
		}
		if err := s.SaveStep(ctx, a.Lease(), "plan", json.RawMessage(`"a"`)); err != nil {
			t.Fatal(err)
		}
		// Expired but not taken: the token still holds, the write goes through.
		c.Advance(31 * time.Second)
		if err := s.SaveStep(ctx, a.Lease(), "plan", json.RawMessage(`"a2"`)); err != nil {
			t.Fatalf("write under an expired lease nobody took: %v", err)
		}
		b := leaseOne(t, s, "b")
		if a.PreviousOwner != "" || b.PreviousOwner != "a" {
			t.Fatalf("previous owners %q then %q, want none then a", a.PreviousOwner, b.PreviousOwner)
		}
		if b.ID != j.ID || b.LeaseToken != 2 {
			t.Fatalf("takeover %+v", b)
		}
		stale := a.Lease()
		checks := map[string]error{
			"save step": s.SaveStep(ctx, stale, "create", json.RawMessage(`"a"`)),
			"progress":  s.UpdateProgress(ctx, stale, 9, 9, "a"),
			"renew":     s.RenewLease(ctx, stale, time.Minute),
			"retry":     s.RetryJobLater(ctx, stale, c.Now(), "a"),
			"fail":      s.FailJob(ctx, stale, "a"),
			"release":   s.ReleaseJob(ctx, stale),
			"complete":  s.CompleteJob(ctx, stale, json.RawMessage(`"a"`)),
		}
		for op, err := range checks {
			if !errors.Is(err, store.ErrFenced) || !errors.Is(err, store.ErrLeaseLost) || failure.IsRetryable(err) {
				t.Errorf("%s under the superseded lease: %v, want ErrFenced", op, err)
			}
		}
		got, _ := s.GetJob(ctx, j.ID)
		steps, _ := s.Steps(ctx, j.ID)
		if got.State != store.JobRunning || got.LeaseOwner != "b" || got.ProgressDone != 0 || got.LastError != "" ||
			len(steps) != 1 || string(steps["plan"]) != `"a2"` {
			t.Fatalf("fenced writes changed the job: %+v, steps %v", got, steps)
		}
		if err := s.SaveStep(ctx, b.Lease(), "create", json.RawMessage(`"b"`)); err != nil {
			t.Fatal(err)
		}
		// The same owner taking the job again does not revive its old lease.
		if err := s.RetryJobLater(ctx, b.Lease(), c.Now(), "transient"); err != nil {
			t.Fatal(err)
		}
		b2 := leaseOne(t, s, "b")
		if b2.LeaseToken != 3 || b2.PreviousOwner != "" {
			t.Fatalf("re-lease token %d, want 3", b2.LeaseToken)
		}
		if err := s.SaveStep(ctx, b.Lease(), "create", json.RawMessage(`"b-old"`)); !errors.Is(err, store.ErrFenced) {
			t.Fatalf("same owner, old token: %v", err)
		}
		if err := s.CompleteJob(ctx, b2.Lease(), json.RawMessage(`"b2"`)); err != nil {
			t.Fatal(err)
		}
		got, _ = s.GetJob(ctx, j.ID)
		steps, _ = s.Steps(ctx, j.ID)
		if got.State != store.JobSucceeded || string(got.Result) != `"b2"` || string(steps["create"]) != `"b"` {
			t.Fatalf("after completion: %+v, steps %v", got, steps)
		}
		// Operator retry and cancel do not move the token; only a lease does.
		if _, err := s.RetryJob(ctx, j.ID); err == nil {
			t.Fatal("retry of a succeeded job accepted")
		}
		if got.LeaseToken != 3 {
			t.Fatalf("token after completion %d, want 3", got.LeaseToken)
		}
	})
}

func TestListAndCountJobs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		for i := 0; i < 5; i++ {
			enqueue(t, s, store.NewJob{Kind: "a", Domain: "ac-lyon"})
		}
		for i := 0; i < 3; i++ {
			enqueue(t, s, store.NewJob{Kind: "b", Domain: "ac-nice"})
		}
		leaseOne(t, s, "w")
		all, err := s.ListJobs(ctx, store.JobFilter{})
		if err != nil || len(all) != 8 || all[0].ID < all[7].ID {
			t.Fatalf("list all: %d jobs, %v (want 8 newest first)", len(all), err)
		}
		b, _ := s.ListJobs(ctx, store.JobFilter{Kind: "b", Domain: "ac-nice"})
		if len(b) != 3 {
			t.Fatalf("kind b: %d", len(b))
		}
		page, _ := s.ListJobs(ctx, store.JobFilter{Domain: "ac-lyon", Limit: 2, Offset: 2})
		if len(page) != 2 || page[0].ID != all[5].ID {
			t.Fatalf("page %v", ids(page))
		}
		running, _ := s.ListJobs(ctx, store.JobFilter{State: store.JobRunning})
		if len(running) != 1 {
			t.Fatalf("running %d", len(running))
		}
		counts, err := s.CountJobs(ctx)
		if err != nil || counts[store.JobQueued] != 7 || counts[store.JobRunning] != 1 || counts[store.JobFailed] != 0 {
			t.Fatalf("counts %v %v", counts, err)
		}
		if _, present := counts[store.JobCancelled]; !present {
			t.Fatal("every state must be present")
		}
	})
}

func TestAudit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		c := newClock()
		s.SetClock(c.Now)
		j := enqueue(t, s, store.NewJob{Kind: "k"})
		t0 := c.Now()
		if _, err := s.RecordAudit(ctx, store.AuditEntry{Actor: "alice", Domain: "ac-lyon", Action: "job.submit",
			Target: "enrol.apply", Params: json.RawMessage(`{"course":1}`), Outcome: "created", JobID: j.ID}); err != nil {
			t.Fatal(err)
		}
		c.Advance(time.Minute)
		if _, err := s.RecordAudit(ctx, store.AuditEntry{Actor: "bob", Domain: "ac-nice", Action: "attendance.set",
			Target: "course:7", Outcome: "ok", Detail: "Formation terminée"}); err != nil {
			t.Fatal(err)
		}
		all, err := s.ListAudit(ctx, store.AuditFilter{})
		if err != nil || len(all) != 2 || all[0].Actor != "bob" {
			t.Fatalf("list %+v %v", all, err)
		}
		if all[0].Detail != "Formation terminée" || string(all[0].Params) != "null" || all[0].JobID != 0 {
			t.Fatalf("entry %+v", all[0])
		}
		byJob, _ := s.ListAudit(ctx, store.AuditFilter{JobID: j.ID})
		if len(byJob) != 1 || byJob[0].Actor != "alice" || !byJob[0].At.Equal(t0) || string(byJob[0].Params) != `{"course":1}` {
			t.Fatalf("by job %+v", byJob)
		}
		since, _ := s.ListAudit(ctx, store.AuditFilter{Since: t0.Add(time.Second)})
		if len(since) != 1 || since[0].Actor != "bob" {
			t.Fatalf("since %+v", since)
		}
		until, _ := s.ListAudit(ctx, store.AuditFilter{Until: t0.Add(time.Second), Domain: "ac-lyon", Action: "job.submit"})
		if len(until) != 1 {
			t.Fatalf("until %+v", until)
		}
		if _, err := s.RecordAudit(ctx, store.AuditEntry{Action: "x"}); err == nil {
			t.Fatal("audit without actor accepted")
		}
	})
}

func TestDeleteFinishedJobs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		c := newClock()
		s.SetClock(c.Now)
		done := enqueue(t, s, store.NewJob{Kind: "k"})
		ld := leaseOne(t, s, "w").Lease()
		if err := s.SaveStep(ctx, ld, "a", nil); err != nil {
			t.Fatal(err)
		}
		if err := s.CompleteJob(ctx, ld, nil); err != nil {
			t.Fatal(err)
		}
		keep := enqueue(t, s, store.NewJob{Kind: "k"})
		c.Advance(time.Hour)
		n, err := s.DeleteFinishedJobs(ctx, c.Now())
		if err != nil || n != 1 {
			t.Fatalf("deleted %d, %v", n, err)
		}
		if _, err := s.GetJob(ctx, done.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("finished job still there: %v", err)
		}
		if _, err := s.GetJob(ctx, keep.ID); err != nil {
			t.Fatalf("queued job deleted: %v", err)
		}
	})
}
