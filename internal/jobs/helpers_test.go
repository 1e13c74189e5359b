package jobs

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/store"
	"github.com/rs/zerolog"
)

// syncBuffer collects log output from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testOptions(owner string) PoolOptions {
	return PoolOptions{
		Owner:            owner,
		Concurrency:      4,
		LeaseDuration:    3 * time.Second,
		PollInterval:     10 * time.Millisecond,
		BaseBackoff:      time.Millisecond,
		MaxBackoff:       5 * time.Millisecond,
		ShutdownGrace:    5 * time.Second,
		ProgressInterval: 10 * time.Millisecond,
		Logger:           zerolog.Nop(),
	}
}

// startPool runs a pool in the background; the returned stop cancels it
// and waits for Run to return.
func startPool(t *testing.T, p *Pool) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("pool run: %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Error("pool did not stop")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// waitJob waits (generously) until the job reaches a final state.
func waitJob(t *testing.T, st *store.Store, id int64, want store.JobState) store.Job {
	t.Helper()
	return waitJobFunc(t, st, id, func(j store.Job) bool { return j.State == want })
}

func waitJobFunc(t *testing.T, st *store.Store, id int64, ok func(store.Job) bool) store.Job {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		j, err := st.GetJob(context.Background(), id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("get job %d: %v", id, err)
		}
		if err == nil && ok(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d: condition not reached, last state %+v", id, j)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func submit(t *testing.T, q *Queue, spec Spec) store.Job {
	t.Helper()
	j, _, err := q.Submit(context.Background(), spec)
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	return j
}

// eventually waits (generously) for cond: counters and audit entries are
// written just after the job's state, so a test seeing the state may be
// a moment early.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
