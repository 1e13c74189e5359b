package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/refusal"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
	"github.com/rs/zerolog"
)

func TestSubmitDedupesAndAudits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		q := NewQueue(st)
		var notified atomic.Int32
		q.OnSubmit(func() { notified.Add(1) })
		spec := Spec{Kind: "offer.deploy", Domain: "ac-lyon", Payload: map[string]int{"offer": 7}, Key: "deploy:7", RequestedBy: "alice"}
		a, created, err := q.Submit(context.Background(), spec)
		if err != nil || !created {
			t.Fatalf("first submit: created=%v %v", created, err)
		}
		b, created, err := q.Submit(context.Background(), spec)
		if err != nil || created || b.ID != a.ID {
			t.Fatalf("second submit: id %d created=%v %v", b.ID, created, err)
		}
		if string(a.Payload) != `{"offer":7}` || a.RequestedBy != "alice" {
			t.Fatalf("job %+v", a)
		}
		if notified.Load() != 1 {
			t.Fatalf("notified %d times, want 1 (only for a created job)", notified.Load())
		}
		entries, err := st.ListAudit(context.Background(), store.AuditFilter{JobID: a.ID})
		if err != nil || len(entries) != 2 {
			t.Fatalf("audit %+v %v", entries, err)
		}
		if entries[1].Outcome != "created" || entries[0].Outcome != "duplicate" || entries[0].Actor != "alice" ||
			entries[0].Action != "job.submit" || string(entries[1].Params) != `{"offer":7}` {
			t.Fatalf("audit entries %+v", entries)
		}
		if _, _, err := q.Submit(context.Background(), Spec{Kind: "x", Payload: func() {}}); err == nil || failure.IsRetryable(err) {
			t.Fatalf("unencodable payload: %v", err)
		}
	})
}

type deployPayload struct {
	Offer  int    `json:"offer"`
	Domain string `json:"domain"`
}

func TestPoolRunsJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		q := NewQueue(st)
		reg := NewRegistry()
		reg.Register("offer.deploy", func(ctx context.Context, run *Run) (any, error) {
			var p deployPayload
			if err := run.Decode(&p); err != nil {
				return nil, err
			}
			for i := 1; i <= 50; i++ {
				run.Progress(i, 50, fmt.Sprintf("cours %d", i))
			}
			return map[string]any{"offer": p.Offer, "domain": run.Domain(), "attempt": run.Attempt()}, nil
		})
		p := NewPool(st, reg, testOptions("w1"))
		q.OnSubmit(p.Notify)
		startPool(t, p)
		j := submit(t, q, Spec{Kind: "offer.deploy", Domain: "ac-nice", Payload: deployPayload{Offer: 9}, RequestedBy: "bob"})
		done := waitJob(t, st, j.ID, store.JobSucceeded)
		if string(done.Result) != `{"attempt":1,"domain":"ac-nice","offer":9}` {
			t.Fatalf("result %s", done.Result)
		}
		if done.ProgressDone != 50 || done.ProgressTotal != 50 || done.ProgressMessage != "cours 50" {
			t.Fatalf("final progress not flushed: %d/%d %q", done.ProgressDone, done.ProgressTotal, done.ProgressMessage)
		}
		var entries []store.AuditEntry
		eventually(t, "success audited", func() bool {
			entries, _ = st.ListAudit(context.Background(), store.AuditFilter{JobID: j.ID, Action: "job.succeeded"})
			return len(entries) > 0
		})
		if len(entries) != 1 || entries[0].Actor != "bob" {
			t.Fatalf("success audit %+v", entries)
		}
		eventually(t, "success counted", func() bool { return p.Stats().Kinds["offer.deploy"].Succeeded == 1 })
		s := p.Stats().Kinds["offer.deploy"]
		if s.Started != 1 || s.Succeeded != 1 || s.Failed != 0 {
			t.Fatalf("stats %+v", s)
		}
	})
}

func TestNotifyWakesIdlePool(t *testing.T) {
	st := storetest.SQLite(t)
	q := NewQueue(st)
	reg := NewRegistry()
	reg.Register("k", func(ctx context.Context, run *Run) (any, error) { return "ok", nil })
	opts := testOptions("w")
	opts.PollInterval = time.Hour // only Notify can wake it
	p := NewPool(st, reg, opts)
	q.OnSubmit(p.Notify)
	startPool(t, p)
	time.Sleep(20 * time.Millisecond) // let the first (empty) poll happen
	j := submit(t, q, Spec{Kind: "k"})
	waitJob(t, st, j.ID, store.JobSucceeded)
}

func TestStepCheckpointResume(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		q := NewQueue(st)
		reg := NewRegistry()
		var calls sync.Map // step name -> *atomic.Int32
		count := func(name string) int32 {
			v, _ := calls.LoadOrStore(name, new(atomic.Int32))
			return v.(*atomic.Int32).Load()
		}
		step := func(run *Run, name string, value any, out any) error {
			return run.Step(name, func(ctx context.Context) (any, error) {
				v, _ := calls.LoadOrStore(name, new(atomic.Int32))
				v.(*atomic.Int32).Add(1)
				return value, nil
			}, out)
		}
		reg.Register("session.create", func(ctx context.Context, run *Run) (any, error) {
			var course struct{ ID int }
			if err := step(run, "create-course", map[string]int{"ID": 40 + run.Attempt()}, &course); err != nil {
				return nil, err
			}
			var enrolled int
			if err := step(run, "enrol", 25, &enrolled); err != nil {
				return nil, err
			}
			if run.Attempt() == 1 {
				return nil, failure.Retryable(errors.New("moodle: timeout after enrol"))
			}
			if err := step(run, "notify", true, nil); err != nil {
				return nil, err
			}
			return map[string]int{"course": course.ID, "enrolled": enrolled}, nil
		})
		p := NewPool(st, reg, testOptions("w"))
		q.OnSubmit(p.Notify)
		startPool(t, p)
		j := submit(t, q, Spec{Kind: "session.create", MaxAttempts: 3})
		done := waitJob(t, st, j.ID, store.JobSucceeded)
		// Attempt 2 reused the checkpointed course id (41), not a new one (42).
		if string(done.Result) != `{"course":41,"enrolled":25}` || done.Attempts != 2 {
			t.Fatalf("result %s after %d attempts", done.Result, done.Attempts)
		}
		for name, want := range map[string]int32{"create-course": 1, "enrol": 1, "notify": 1} {
			if got := count(name); got != want {
				t.Errorf("step %s ran %d times, want %d", name, got, want)
			}
		}
		if !strings.Contains(done.LastError, "timeout after enrol") {
			t.Errorf("last error of attempt 1 not kept: %q", done.LastError)
		}
	})
}

func TestRetryWithBackoffThenFail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		q := NewQueue(st)
		reg := NewRegistry()
		var calls atomic.Int32
		reg.Register("k", func(ctx context.Context, run *Run) (any, error) {
			n := calls.Add(1)
			return nil, failure.Retryable(fmt.Errorf("moodle unavailable #%d", n))
		})
		p := NewPool(st, reg, testOptions("w"))
		q.OnSubmit(p.Notify)
		startPool(t, p)
		j := submit(t, q, Spec{Kind: "k", MaxAttempts: 3, RequestedBy: "carol"})
		failed := waitJob(t, st, j.ID, store.JobFailed)
		if calls.Load() != 3 || failed.Attempts != 3 {
			t.Fatalf("handler called %d times, attempts %d; want 3", calls.Load(), failed.Attempts)
		}
		if !strings.Contains(failed.LastError, "moodle unavailable #3") {
			t.Fatalf("last error %q", failed.LastError)
		}
		eventually(t, "failure counted", func() bool { return p.Stats().Kinds["k"].Failed == 1 })
		s := p.Stats().Kinds["k"]
		if s.Retried != 2 || s.Failed != 1 || s.Started != 3 {
			t.Fatalf("stats %+v", s)
		}
		var audit []store.AuditEntry
		eventually(t, "failure audited", func() bool {
			audit, _ = st.ListAudit(context.Background(), store.AuditFilter{JobID: j.ID, Action: "job.failed"})
			return len(audit) > 0
		})
		if len(audit) != 1 || !strings.Contains(audit[0].Detail, "#3") || audit[0].Actor != "carol" {
			t.Fatalf("failure audit %+v", audit)
		}
	})
}

func TestPermanentErrorNotRetried(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		q := NewQueue(st)
		reg := NewRegistry()
		var calls atomic.Int32
		reg.Register("k", func(ctx context.Context, run *Run) (any, error) {
			calls.Add(1)
			var v struct{ N int }
			return nil, run.Decode(&v) // payload is a string: permanent
		})
		p := NewPool(st, reg, testOptions("w"))
		q.OnSubmit(p.Notify)
		startPool(t, p)
		j := submit(t, q, Spec{Kind: "k", Payload: "not an object", MaxAttempts: 5})
		failed := waitJob(t, st, j.ID, store.JobFailed)
		if calls.Load() != 1 || failed.Attempts != 1 || !strings.Contains(failed.LastError, "decode payload") {
			t.Fatalf("calls %d attempts %d error %q", calls.Load(), failed.Attempts, failed.LastError)
		}
		// An unclassified error is permanent too (failure's default).
		reg2 := NewRegistry()
		reg2.Register("plain", func(ctx context.Context, run *Run) (any, error) { return nil, errors.New("bug") })
		p2 := NewPool(st, reg2, testOptions("w2"))
		startPool(t, p2)
		j2 := submit(t, q, Spec{Kind: "plain"})
		if f := waitJob(t, st, j2.ID, store.JobFailed); f.Attempts != 1 {
			t.Fatalf("unclassified error retried: %d attempts", f.Attempts)
		}
	})
}

func TestPanicRecovered(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		q := NewQueue(st)
		reg := NewRegistry()
		reg.Register("boom", func(ctx context.Context, run *Run) (any, error) { panic("nil map in enrol plan") })
		reg.Register("fine", func(ctx context.Context, run *Run) (any, error) { return 1, nil })
		p := NewPool(st, reg, testOptions("w"))
		q.OnSubmit(p.Notify)
		startPool(t, p)
		boom := submit(t, q, Spec{Kind: "boom", MaxAttempts: 5})
		failed := waitJob(t, st, boom.ID, store.JobFailed)
		if failed.Attempts != 1 || !strings.Contains(failed.LastError, "panicked: nil map in enrol plan") {
			t.Fatalf("panic outcome %+v", failed)
		}
		fine := submit(t, q, Spec{Kind: "fine"})
		waitJob(t, st, fine.ID, store.JobSucceeded)
		eventually(t, "panic counted", func() bool { return p.Stats().Kinds["boom"].Failed == 1 })
		if s := p.Stats().Kinds["boom"]; s.Panicked != 1 || s.Failed != 1 {
			t.Fatalf("stats %+v", s)
		}
	})
}

func TestCancelRunningJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		q := NewQueue(st)
		reg := NewRegistry()
		started := make(chan struct{})
		stopped := make(chan error, 1)
		reg.Register("long", func(ctx context.Context, run *Run) (any, error) {
			close(started)
			for i := 0; ; i++ {
				run.Progress(i, 0, "working")
				select {
				case <-ctx.Done():
					stopped <- context.Cause(ctx)
					return nil, ctx.Err()
				case <-time.After(5 * time.Millisecond):
				}
			}
		})
		p := NewPool(st, reg, testOptions("w"))
		q.OnSubmit(p.Notify)
		startPool(t, p)
		j := submit(t, q, Spec{Kind: "long"})
		<-started
		if _, err := q.Cancel(context.Background(), j.ID, "dave"); err != nil {
			t.Fatal(err)
		}
		select {
		case cause := <-stopped:
			if !errors.Is(cause, store.ErrCancelled) {
				t.Fatalf("handler stopped with cause %v", cause)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("handler not stopped after cancel")
		}
		waitJobFunc(t, st, j.ID, func(j store.Job) bool { return j.State == store.JobCancelled })
		deadline := time.Now().Add(10 * time.Second)
		for p.Stats().Kinds["long"].Cancelled != 1 {
			if time.Now().After(deadline) {
				t.Fatalf("stats %+v", p.Stats().Kinds["long"])
			}
			time.Sleep(5 * time.Millisecond)
		}
		audit, _ := st.ListAudit(context.Background(), store.AuditFilter{JobID: j.ID, Action: "job.cancel"})
		if len(audit) != 1 || audit[0].Actor != "dave" {
			t.Fatalf("cancel audit %+v", audit)
		}
	})
}

func TestCancelNoticedAtLeaseRenewal(t *testing.T) {
	st := storetest.SQLite(t)
	q := NewQueue(st)
	reg := NewRegistry()
	started := make(chan struct{})
	reg.Register("quiet", func(ctx context.Context, run *Run) (any, error) {
		close(started)
		<-ctx.Done() // never reports progress: only the renewal can stop it
		return nil, ctx.Err()
	})
	opts := testOptions("w")
	opts.LeaseDuration = 150 * time.Millisecond
	p := NewPool(st, reg, opts)
	q.OnSubmit(p.Notify)
	startPool(t, p)
	j := submit(t, q, Spec{Kind: "quiet"})
	<-started
	if _, err := st.CancelJob(context.Background(), j.ID); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for p.Stats().Kinds["quiet"].Cancelled != 1 {
		if time.Now().After(deadline) {
			t.Fatal("handler not stopped at renewal")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestGracefulShutdownReleasesJobForAnotherPool(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			st, reopen := storetest.Open(t, backend)
			q := NewQueue(st)
			started := make(chan struct{}, 1)
			var finishedBy atomic.Value
			handler := func(owner string) Handler {
				return func(ctx context.Context, run *Run) (any, error) {
					if owner == "first" {
						started <- struct{}{}
						<-ctx.Done() // a long Moodle call, cut off at shutdown
						return nil, ctx.Err()
					}
					finishedBy.Store(owner)
					return owner, nil
				}
			}
			reg1 := NewRegistry()
			reg1.Register("k", handler("first"))
			opts1 := testOptions("first")
			opts1.ShutdownGrace = 50 * time.Millisecond
			p1 := NewPool(st, reg1, opts1)
			q.OnSubmit(p1.Notify)
			stop1 := startPool(t, p1)
			j := submit(t, q, Spec{Kind: "k", MaxAttempts: 1})
			<-started
			stop1()
			released, err := st.GetJob(context.Background(), j.ID)
			if err != nil || released.State != store.JobQueued || released.Attempts != 0 || released.LeaseOwner != "" {
				t.Fatalf("after shutdown: %+v %v", released, err)
			}
			if p1.Stats().Kinds["k"].Released != 1 {
				t.Fatalf("stats %+v", p1.Stats().Kinds["k"])
			}
			// Another replica (its own connection pool) takes it at once,
			// with its only attempt intact.
			st2 := reopen()
			reg2 := NewRegistry()
			reg2.Register("k", handler("second"))
			startPool(t, NewPool(st2, reg2, testOptions("second")))
			done := waitJob(t, st2, j.ID, store.JobSucceeded)
			if string(done.Result) != `"second"` || done.Attempts != 1 {
				t.Fatalf("finished %+v", done)
			}
		})
	}
}

func TestGracefulShutdownLetsRunningJobFinish(t *testing.T) {
	st := storetest.SQLite(t)
	q := NewQueue(st)
	reg := NewRegistry()
	started := make(chan struct{})
	reg.Register("short", func(ctx context.Context, run *Run) (any, error) {
		close(started)
		time.Sleep(100 * time.Millisecond)
		return "done", ctx.Err()
	})
	p := NewPool(st, reg, testOptions("w"))
	q.OnSubmit(p.Notify)
	stop := startPool(t, p)
	j := submit(t, q, Spec{Kind: "short"})
	<-started
	stop()
	got, _ := st.GetJob(context.Background(), j.ID)
	if got.State != store.JobSucceeded {
		t.Fatalf("job cut off although within grace: %+v", got)
	}
}

func TestPoolRescuesExpiredLease(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		q := NewQueue(st)
		var mu sync.Mutex
		now := time.Now().UTC()
		st.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
		rescued := submit(t, q, Spec{Kind: "k", MaxAttempts: 3})
		poison := submit(t, q, Spec{Kind: "k", MaxAttempts: 1})
		// A worker leases both and dies.
		if got, err := st.LeaseJobs(context.Background(), "dead", 2, time.Minute, nil); err != nil || len(got) != 2 {
			t.Fatalf("lease: %d %v", len(got), err)
		}
		mu.Lock()
		now = now.Add(2 * time.Minute)
		mu.Unlock()
		reg := NewRegistry()
		reg.Register("k", func(ctx context.Context, run *Run) (any, error) { return run.Attempt(), nil })
		pool := NewPool(st, reg, testOptions("rescuer"))
		startPool(t, pool)
		if done := waitJob(t, st, rescued.ID, store.JobSucceeded); string(done.Result) != "2" {
			t.Fatalf("rescued result %s", done.Result)
		}
		// The poison job already used its only attempt: not run again.
		failed := waitJob(t, st, poison.ID, store.JobFailed)
		if !strings.Contains(failed.LastError, "gave up after 1 attempts") {
			t.Fatalf("poison job %q", failed.LastError)
		}
		if n := pool.Stats().Kinds["k"].TakenOver; n != 2 {
			t.Fatalf("%d takeovers counted, want 2", n)
		}
	})
}

func TestLoopErrorsAreRateLimited(t *testing.T) {
	st := storetest.SQLite(t)
	reg := NewRegistry()
	reg.Register("k", func(ctx context.Context, run *Run) (any, error) { return nil, nil })
	var logs syncBuffer
	opts := testOptions("w")
	opts.PollInterval = time.Millisecond
	opts.Logger = zerolog.New(&logs)
	p := NewPool(st, reg, opts)
	st.Close()                                                  // the store is down
	p.limiter.now = func() time.Time { return time.Unix(0, 0) } // no period elapses
	stop := startPool(t, p)
	deadline := time.Now().Add(20 * time.Second)
	for p.Stats().LoopErrors < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("loop errors %d", p.Stats().LoopErrors)
		}
		time.Sleep(2 * time.Millisecond)
	}
	stop()
	if n := strings.Count(logs.String(), "cannot lease jobs"); n != 1 {
		t.Fatalf("%d error lines logged for %d identical errors, want 1:\n%s", n, p.Stats().LoopErrors, logs.String())
	}
}

func TestPoolNeedsHandlers(t *testing.T) {
	st := storetest.SQLite(t)
	if err := NewPool(st, NewRegistry(), testOptions("w")).Run(context.Background()); err == nil {
		t.Fatal("pool without handlers started")
	}
}

func TestConcurrencyLimit(t *testing.T) {
	st := storetest.SQLite(t)
	q := NewQueue(st)
	reg := NewRegistry()
	var running, peak atomic.Int32
	reg.Register("k", func(ctx context.Context, run *Run) (any, error) {
		n := running.Add(1)
		for {
			old := peak.Load()
			if n <= old || peak.CompareAndSwap(old, n) {
				break
			}
		}
		time.Sleep(10 * time.Millisecond)
		running.Add(-1)
		return nil, nil
	})
	opts := testOptions("w")
	opts.Concurrency = 3
	p := NewPool(st, reg, opts)
	q.OnSubmit(p.Notify)
	startPool(t, p)
	var last store.Job
	for i := 0; i < 12; i++ {
		last = submit(t, q, Spec{Kind: "k"})
	}
	waitJob(t, st, last.ID, store.JobSucceeded)
	counts, _ := st.CountJobs(context.Background())
	for deadline := time.Now().Add(20 * time.Second); counts[store.JobSucceeded] != 12; {
		if time.Now().After(deadline) {
			t.Fatalf("counts %v", counts)
		}
		time.Sleep(5 * time.Millisecond)
		counts, _ = st.CountJobs(context.Background())
	}
	if peak.Load() > 3 {
		t.Fatalf("%d handlers ran at once, limit 3", peak.Load())
	}
}

func TestRetryWaitsForBackoff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		var mu sync.Mutex
		now := time.Date(2025, 9, 1, 8, 0, 0, 0, time.UTC)
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		st.SetClock(clock)
		q := NewQueue(st)
		reg := NewRegistry()
		var calls atomic.Int32
		reg.Register("k", func(ctx context.Context, run *Run) (any, error) {
			if calls.Add(1) == 1 {
				return nil, failure.Retryable(errors.New("moodle: 503"))
			}
			return "ok", nil
		})
		opts := testOptions("w")
		opts.BaseBackoff, opts.MaxBackoff = time.Minute, time.Hour
		opts.Rand = func() float64 { return 0.5 }
		p := NewPool(st, reg, opts)
		q.OnSubmit(p.Notify)
		startPool(t, p)
		j := submit(t, q, Spec{Kind: "k"})
		// First attempt: retry in 0.5 × 1 min (+1 ms) on the frozen clock.
		retry := waitJobFunc(t, st, j.ID, func(j store.Job) bool { return j.State == store.JobQueued && j.Attempts == 1 })
		if want := now.Add(30*time.Second + time.Millisecond); !retry.RunAt.Equal(want) {
			t.Fatalf("retry at %v, want %v", retry.RunAt, want)
		}
		if retry.LastError != "moodle: 503" {
			t.Fatalf("last error %q", retry.LastError)
		}
		time.Sleep(50 * time.Millisecond) // several polls: not due yet
		if calls.Load() != 1 {
			t.Fatalf("retried before its time: %d calls", calls.Load())
		}
		mu.Lock()
		now = now.Add(31 * time.Second)
		mu.Unlock()
		p.Notify()
		if done := waitJob(t, st, j.ID, store.JobSucceeded); done.Attempts != 2 {
			t.Fatalf("attempts %d", done.Attempts)
		}
	})
}

// TestSettledReportsEachRecordedRun: the pool says when it has recorded a
// run's outcome, and the job's state is then already in the store (the
// CLI reads it at once instead of polling).
func TestSettledReportsEachRecordedRun(t *testing.T) {
	st := storetest.SQLite(t)
	q := NewQueue(st)
	reg := NewRegistry()
	reg.Register("k", func(ctx context.Context, run *Run) (any, error) { return "ok", nil })
	opts := testOptions("w")
	settled := make(chan int64, 4)
	opts.Settled = func(id int64) { settled <- id }
	p := NewPool(st, reg, opts)
	q.OnSubmit(p.Notify)
	startPool(t, p)
	j := submit(t, q, Spec{Kind: "k"})
	if id := <-settled; id != j.ID {
		t.Fatalf("settled job %d, want %d", id, j.ID)
	}
	got, err := st.GetJob(context.Background(), j.ID)
	if err != nil || got.State != store.JobSucceeded {
		t.Fatalf("when settled, the job is %s (%v), want succeeded", got.State, err)
	}
}

// A handler's refusal fails the job at once (no retry) and is kept with
// the failure: Wait hands it back as a refusal, code and both reasons.
func TestRefusalFailsTheJobWithItsCodeAndReasons(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		q := NewQueue(st)
		reg := NewRegistry()
		var calls atomic.Int32
		reg.Register("k", func(ctx context.Context, run *Run) (any, error) {
			calls.Add(1)
			return nil, fmt.Errorf("step guard: %w", refusal.New("wrong_state", "pas depuis « %s »", "not from %s", "Gabarit"))
		})
		p := NewPool(st, reg, testOptions("w"))
		q.OnSubmit(p.Notify)
		startPool(t, p)
		j := submit(t, q, Spec{Kind: "k", MaxAttempts: 3})
		failed := waitJob(t, st, j.ID, store.JobFailed)
		if calls.Load() != 1 {
			t.Fatalf("a refusal was retried: %d calls", calls.Load())
		}
		want := refusal.Refusal{Code: "wrong_state", FR: "pas depuis « Gabarit »", EN: "not from Gabarit"}
		if failed.Refusal == nil || *failed.Refusal != want {
			t.Fatalf("failed job's refusal %+v, want %+v", failed.Refusal, want)
		}
		_, err := Wait(context.Background(), st, j.ID, nil, nil)
		if r, ok := refusal.As(err); !ok || *r != want {
			t.Fatalf("Wait: %v, want the refusal", err)
		}
	})
}
