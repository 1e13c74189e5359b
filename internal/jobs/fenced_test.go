package jobs

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
)

// pausedClock is the store's and the pool's clock; advancing it past the
// lease is what a paused worker sees when it wakes up.
type pausedClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *pausedClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *pausedClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// TestPausedWorkerIsFenced: worker A runs a job's first step, then is
// "paused" past its lease (the clock jumps an hour) while worker B takes
// the job over. When A wakes up it stops at its next step without running
// it, sends nothing to Moodle, writes no checkpoint, progress or outcome,
// and logs that it was fenced; B's checkpoints and completion go through,
// and only B's completion is audited.
func TestPausedWorkerIsFenced(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		clock := &pausedClock{now: time.Now().UTC()}
		st.SetClock(clock.Now)
		var moodleCalls atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			moodleCalls.Add(1)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`[]`))
		}))
		defer srv.Close()
		client, err := moodle.New(moodle.Site{Name: "ac-a", WWWRoot: srv.URL, Token: "t"}, moodle.Options{})
		if err != nil {
			t.Fatal(err)
		}

		paused, resumed := make(chan struct{}), make(chan struct{})
		var secondStepRuns, firstStepRuns atomic.Int32
		var handlerErr error
		reg := NewRegistry()
		reg.Register("k", func(ctx context.Context, run *Run) (any, error) {
			if err := run.Step("one", func(ctx context.Context) (any, error) {
				firstStepRuns.Add(1)
				return "a", client.Call(ctx, "core_webservice_get_site_info", nil, nil)
			}, nil); err != nil {
				return nil, err
			}
			if run.Attempt() == 1 {
				close(paused)
				<-resumed
				run.Progress(5, 10, "A woke up")
				// The Moodle client asks the lease before sending (or finds
				// the context cancelled by the fenced progress write).
				if err := client.Call(ctx, "core_user_create_users", nil, nil); err == nil {
					t.Error("moodle call after the takeover went through")
				}
				handlerErr = run.Step("two", func(ctx context.Context) (any, error) {
					secondStepRuns.Add(1)
					return "a", nil
				}, nil)
				return "a", handlerErr
			}
			return "b", nil
		})
		var logs syncBuffer
		opts := testOptions("a")
		opts.LeaseDuration = time.Hour // no renewal during the test: A "sleeps"
		opts.Concurrency = 1           // and A's pool, busy, does not lease the job again itself
		opts.Logger = zerolog.New(&logs)
		pool := NewPool(st, reg, opts)
		q := NewQueue(st)
		stop := startPool(t, pool)
		j := submit(t, q, Spec{Kind: "k", MaxAttempts: 3})
		<-paused
		clock.Advance(2 * time.Hour)
		taken, err := st.LeaseJobs(context.Background(), "b", 1, time.Hour, nil)
		if err != nil || len(taken) != 1 || taken[0].LeaseToken != 2 {
			t.Fatalf("takeover: %+v %v", taken, err)
		}
		callsBefore := moodleCalls.Load()
		close(resumed)
		eventually(t, "A to give up", func() bool { return pool.Stats().Kinds["k"].LeaseLost == 1 })
		stop()

		if !IsFenced(handlerErr) || !errors.Is(handlerErr, store.ErrLeaseLost) {
			t.Fatalf("A's next step: %v, want ErrFenced", handlerErr)
		}
		var fe *FencedError
		if !errors.As(handlerErr, &fe) || fe.JobID != j.ID || fe.Token != 1 {
			t.Fatalf("fenced error %#v", fe)
		}
		if secondStepRuns.Load() != 0 || moodleCalls.Load() != callsBefore {
			t.Fatalf("A ran its next step %d time(s) and sent %d Moodle call(s) after the takeover",
				secondStepRuns.Load(), moodleCalls.Load()-callsBefore)
		}
		got, _ := st.GetJob(context.Background(), j.ID)
		steps, _ := st.Steps(context.Background(), j.ID)
		if got.State != store.JobRunning || got.LeaseOwner != "b" || got.ProgressDone != 0 || got.LastError != "" || len(steps) != 1 {
			t.Fatalf("A wrote after the takeover: %+v, steps %v", got, steps)
		}
		if s := pool.Stats().Kinds["k"]; s.Fenced != 1 || s.Succeeded != 0 || s.Retried != 0 || s.Failed != 0 {
			t.Fatalf("A's counters %+v", s)
		}
		if n := strings.Count(logs.String(), "fenced: another worker took the job over"); n != 1 {
			t.Fatalf("A logged the takeover %d times, want 1:\n%s", n, logs.String())
		}

		// B resumes after the checkpoint A wrote while it held the job.
		run := newRun(context.Background(), func(error) {}, st, taken[0], runLease{lease: taken[0].Lease(), duration: time.Hour,
			takenAt: clock.Now(), now: clock.Now}, steps, zerolog.Nop(), time.Millisecond)
		if err := run.Step("one", func(context.Context) (any, error) { firstStepRuns.Add(1); return "b", nil }, nil); err != nil {
			t.Fatal(err)
		}
		if err := run.Step("two", func(context.Context) (any, error) { return "b", nil }, nil); err != nil {
			t.Fatal(err)
		}
		if err := st.CompleteJob(context.Background(), taken[0].Lease(), []byte(`"b"`)); err != nil {
			t.Fatal(err)
		}
		if firstStepRuns.Load() != 1 {
			t.Fatalf("step one ran %d times", firstStepRuns.Load())
		}
		audit, _ := st.ListAudit(context.Background(), store.AuditFilter{Action: "job.succeeded"})
		if len(audit) != 0 {
			t.Fatalf("A audited a completion: %+v", audit)
		}
	})
}

// TestFencedCompletionIsNotRecorded: a handler that finishes after its job
// was taken over (it made no step, so nothing stopped it) does not record
// its success: the completion is fenced, nothing is audited, and the new
// holder completes the job.
func TestFencedCompletionIsNotRecorded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		clock := &pausedClock{now: time.Now().UTC()}
		st.SetClock(clock.Now)
		paused, resumed := make(chan struct{}), make(chan struct{})
		reg := NewRegistry()
		reg.Register("k", func(ctx context.Context, run *Run) (any, error) {
			close(paused)
			<-resumed
			return "a", nil
		})
		var logs syncBuffer
		opts := testOptions("a")
		opts.LeaseDuration = time.Hour
		opts.Concurrency = 1
		opts.Logger = zerolog.New(&logs)
		pool := NewPool(st, reg, opts)
		stop := startPool(t, pool)
		j := submit(t, NewQueue(st), Spec{Kind: "k"})
		<-paused
		clock.Advance(2 * time.Hour)
		taken, err := st.LeaseJobs(context.Background(), "b", 1, time.Hour, nil)
		if err != nil || len(taken) != 1 {
			t.Fatalf("takeover: %v %v", taken, err)
		}
		close(resumed)
		eventually(t, "A's completion to be fenced", func() bool { return pool.Stats().Kinds["k"].Fenced == 1 })
		stop()
		if s := pool.Stats().Kinds["k"]; s.Succeeded != 0 {
			t.Fatalf("A counted a success: %+v", s)
		}
		if err := st.CompleteJob(context.Background(), taken[0].Lease(), []byte(`"b"`)); err != nil {
			t.Fatal(err)
		}
		got, _ := st.GetJob(context.Background(), j.ID)
		if got.State != store.JobSucceeded || string(got.Result) != `"b"` {
			t.Fatalf("job %+v", got)
		}
		if audit, _ := st.ListAudit(context.Background(), store.AuditFilter{Action: "job.succeeded"}); len(audit) != 0 {
			t.Fatalf("A audited its fenced completion: %+v", audit)
		}
		if !strings.Contains(logs.String(), `"refused":"complete"`) {
			t.Fatalf("the fenced completion is not logged:\n%s", logs.String())
		}
	})
}
