package api

import (
	"context"
	"testing"
	"time"
)

func TestRateLimiterRefillsOverTheMinute(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	l := NewRateLimiter(60, func() time.Time { return now })
	for i := 0; i < 60; i++ {
		if ok, _ := l.Allow("ac-a"); !ok {
			t.Fatalf("request %d refused within the burst", i)
		}
	}
	ok, retry := l.Allow("ac-a")
	if ok || retry <= 0 || retry > time.Second {
		t.Fatalf("61st: ok=%v retry=%v, want refused with retry <= 1s", ok, retry)
	}
	if ok, _ := l.Allow("ac-b"); !ok {
		t.Fatal("another domain shares the bucket")
	}
	now = now.Add(time.Second) // one token back at 60/min
	if ok, _ := l.Allow("ac-a"); !ok {
		t.Fatal("no token after a second")
	}
	if ok, _ := l.Allow("ac-a"); ok {
		t.Fatal("two tokens after a second")
	}
	if ok, _ := NewRateLimiter(0, nil).Allow("x"); !ok {
		t.Fatal("0 must mean unlimited")
	}
}

type fakeNonceDB struct {
	seen   map[string]bool
	purged int
}

func (f *fakeNonceDB) RememberAPINonce(_ context.Context, d, n string, _ time.Time) (bool, error) {
	if f.seen[d+n] {
		return false, nil
	}
	f.seen[d+n] = true
	return true, nil
}

func (f *fakeNonceDB) PurgeAPINonces(context.Context) (int64, error) { f.purged++; return 0, nil }

func TestDBNonceStorePurgesAtMostOncePerPeriod(t *testing.T) {
	db := &fakeNonceDB{seen: map[string]bool{}}
	s := NewDBNonceStore(db, time.Hour)
	ctx := context.Background()
	if fresh, _ := s.Remember(ctx, "ac-a", "n1", time.Now()); !fresh {
		t.Fatal("first use refused")
	}
	if fresh, _ := s.Remember(ctx, "ac-a", "n1", time.Now()); fresh {
		t.Fatal("replay accepted")
	}
	if db.purged != 1 {
		t.Fatalf("purged %d times, want 1", db.purged)
	}
}
