package store_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
)

func TestDigestSubscriptions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		if _, err := s.SubscribeDigest(ctx, "ac-a", 0); err == nil {
			t.Fatal("user 0 must be refused")
		}
		for _, u := range []int64{7, 3} {
			if added, err := s.SubscribeDigest(ctx, "ac-a", u); err != nil || !added {
				t.Fatalf("subscribe %d: %v %v", u, added, err)
			}
		}
		if added, err := s.SubscribeDigest(ctx, "ac-a", 7); err != nil || added {
			t.Fatalf("second subscribe: added=%v err=%v, want false, nil", added, err)
		}
		if _, err := s.SubscribeDigest(ctx, "ac-b", 7); err != nil {
			t.Fatal(err)
		}
		subs, err := s.ListDigestSubscribers(ctx, "ac-a")
		if err != nil || len(subs) != 2 || subs[0].UserID != 3 || subs[1].UserID != 7 || subs[0].Domain != "ac-a" || subs[0].CreatedAt.IsZero() {
			t.Fatalf("subscribers = %+v, %v", subs, err)
		}
		if removed, err := s.UnsubscribeDigest(ctx, "ac-a", 7); err != nil || !removed {
			t.Fatalf("unsubscribe: %v %v", removed, err)
		}
		if removed, err := s.UnsubscribeDigest(ctx, "ac-a", 7); err != nil || removed {
			t.Fatalf("second unsubscribe: %v %v", removed, err)
		}
		if on, err := s.DigestSubscribed(ctx, "ac-a", 7); err != nil || on {
			t.Fatalf("subscribed after unsubscribe: %v %v", on, err)
		}
		if on, _ := s.DigestSubscribed(ctx, "ac-a", 3); !on {
			t.Fatal("user 3 must still be subscribed")
		}
		subs, _ = s.ListDigestSubscribers(ctx, "ac-a")
		if len(subs) != 1 || subs[0].UserID != 3 {
			t.Fatalf("after unsubscribe: %+v", subs)
		}
		if subs, _ := s.ListDigestSubscribers(ctx, "ac-b"); len(subs) != 1 || subs[0].UserID != 7 {
			t.Fatalf("ac-b must keep its own subscriber: %+v", subs)
		}
	})
}

func TestDigestLedgerClaimOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := s.ClaimDigest(ctx, "ac-a", 3, "2026-W47")
				if err != nil {
					t.Error(err)
				}
				if ok {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d claims won, want exactly 1", wins.Load())
		}
		if sent, err := s.DigestSent(ctx, "ac-a", 3, "2026-W47"); err != nil || !sent {
			t.Fatalf("sent = %v %v", sent, err)
		}
		if ok, _ := s.ClaimDigest(ctx, "ac-a", 3, "2026-W48"); !ok {
			t.Fatal("another period is another slot")
		}
		if err := s.ReleaseDigest(ctx, "ac-a", 3, "2026-W47"); err != nil {
			t.Fatal(err)
		}
		if sent, _ := s.DigestSent(ctx, "ac-a", 3, "2026-W47"); sent {
			t.Fatal("released slot still recorded")
		}
		if ok, _ := s.ClaimDigest(ctx, "ac-a", 3, "2026-W47"); !ok {
			t.Fatal("a released slot can be claimed again")
		}
	})
}
