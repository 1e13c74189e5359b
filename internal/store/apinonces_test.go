package store_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
)

func TestAPINoncesRefuseReplayUntilExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		now := time.UnixMilli(1_800_000_000_000)
		s.SetClock(func() time.Time { return now })
		exp := now.Add(10 * time.Minute)
		fresh, err := s.RememberAPINonce(ctx, "ac-a", "ABCDEF0123456789abcdef0123456789", exp)
		if err != nil || !fresh {
			t.Fatalf("first use: fresh=%v err=%v", fresh, err)
		}
		// Case does not make a new nonce; another domain's identical nonce is independent.
		if fresh, err = s.RememberAPINonce(ctx, "ac-a", "abcdef0123456789abcdef0123456789", exp); err != nil || fresh {
			t.Fatalf("replay: fresh=%v err=%v", fresh, err)
		}
		if fresh, err = s.RememberAPINonce(ctx, "ac-b", "abcdef0123456789abcdef0123456789", exp); err != nil || !fresh {
			t.Fatalf("other domain: fresh=%v err=%v", fresh, err)
		}
		now = exp // expired: the pair may be used again, and purge sees nothing left live
		if fresh, err = s.RememberAPINonce(ctx, "ac-a", "abcdef0123456789abcdef0123456789", now.Add(time.Minute)); err != nil || !fresh {
			t.Fatalf("after expiry: fresh=%v err=%v", fresh, err)
		}
		n, err := s.PurgeAPINonces(ctx)
		if err != nil || n != 1 { // ac-b's expired; ac-a's was renewed
			t.Fatalf("purge = %d, %v; want 1", n, err)
		}
	})
}

func TestAPINoncesOneWinnerUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				fresh, err := s.RememberAPINonce(ctx, "ac-a", "00112233445566778899aabbccddeeff", s.Now().Add(time.Hour))
				if err != nil {
					t.Error(err)
				}
				if fresh {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d requests accepted the same nonce, want 1", wins.Load())
		}
	})
}
