package jobs

import (
	"context"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
)

func TestBackoffCapDoublesUpToMax(t *testing.T) {
	base, maxD := time.Second, 10*time.Second
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second}
	for i, w := range want {
		if got := backoffCap(i+1, base, maxD); got != w {
			t.Errorf("attempt %d: cap %v, want %v", i+1, got, w)
		}
	}
	if got := backoffCap(1000, base, maxD); got != maxD {
		t.Errorf("attempt 1000 overflowed: %v", got)
	}
}

func TestBackoffFullJitter(t *testing.T) {
	base, maxD := time.Second, time.Minute
	if got := backoff(3, base, maxD, func() float64 { return 0 }); got != time.Millisecond {
		t.Errorf("rand 0: %v", got)
	}
	if got := backoff(3, base, maxD, func() float64 { return 0.5 }); got != 2*time.Second+time.Millisecond {
		t.Errorf("rand 0.5: %v", got)
	}
	for i := 0; i < 1000; i++ {
		if got := backoff(4, base, maxD, defaultRand); got <= 0 || got > 8*time.Second+time.Millisecond {
			t.Fatalf("out of bounds: %v", got)
		}
	}
}

func TestLogLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newLogLimiter(30*time.Second, func() time.Time { return now })
	if ok, _ := l.allow("db down"); !ok {
		t.Fatal("first line held back")
	}
	for i := 0; i < 5; i++ {
		if ok, _ := l.allow("db down"); ok {
			t.Fatal("repeat within period logged")
		}
	}
	if ok, _ := l.allow("other error"); !ok {
		t.Fatal("a different error must be logged")
	}
	now = now.Add(31 * time.Second)
	ok, suppressed := l.allow("db down")
	if !ok || suppressed != 5 {
		t.Fatalf("after period: ok=%v suppressed=%d, want true 5", ok, suppressed)
	}
}

func TestRegistry(t *testing.T) {
	r := NewRegistry()
	h := func(ctx context.Context, run *Run) (any, error) { return nil, nil }
	r.Register("b", h)
	r.Register("a", h)
	if got := r.Kinds(); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Fatalf("kinds %v", got)
	}
	if _, ok := r.Lookup("c"); ok {
		t.Fatal("unknown kind found")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("duplicate registration did not panic")
		}
	}()
	r.Register("a", h)
}

func TestDefaultOwnerIsUnique(t *testing.T) {
	a, b := DefaultOwner(), DefaultOwner()
	if a == b || a == "" {
		t.Fatalf("owners %q %q", a, b)
	}
}

func TestQueueDefaultMaxAttempts(t *testing.T) {
	st := storetest.SQLite(t)
	q := NewQueue(st)
	ctx := context.Background()
	j, _, err := q.Submit(ctx, Spec{Kind: "k"})
	if err != nil || j.MaxAttempts != store.DefaultMaxAttempts {
		t.Fatalf("no default set: %d %v", j.MaxAttempts, err)
	}
	q.SetDefaultMaxAttempts(12)
	j, _, err = q.Submit(ctx, Spec{Kind: "k"})
	if err != nil || j.MaxAttempts != 12 {
		t.Fatalf("configured default: %d %v", j.MaxAttempts, err)
	}
	j, _, err = q.Submit(ctx, Spec{Kind: "k", MaxAttempts: 3})
	if err != nil || j.MaxAttempts != 3 {
		t.Fatalf("spec's own attempts: %d %v", j.MaxAttempts, err)
	}
}
