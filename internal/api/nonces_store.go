package api

import (
	"context"
	"sync"
	"time"
)

// NonceDB is the store's nonce table (store.Store implements it).
type NonceDB interface {
	RememberAPINonce(ctx context.Context, domain, nonce string, expires time.Time) (bool, error)
	PurgeAPINonces(ctx context.Context) (int64, error)
}

// DBNonceStore is a NonceStore shared by every replica on one database:
// a request replayed to another `bridge serve` is refused too. Expired
// rows are purged at most once per purgeEvery, by whichever request comes.
type DBNonceStore struct {
	db         NonceDB
	purgeEvery time.Duration
	mu         sync.Mutex
	lastPurge  time.Time
}

// NewDBNonceStore wraps db; purgeEvery <= 0 means one minute.
func NewDBNonceStore(db NonceDB, purgeEvery time.Duration) *DBNonceStore {
	if purgeEvery <= 0 {
		purgeEvery = time.Minute
	}
	return &DBNonceStore{db: db, purgeEvery: purgeEvery}
}

// Remember implements NonceStore.
func (s *DBNonceStore) Remember(ctx context.Context, domain, nonce string, expires time.Time) (bool, error) {
	s.maybePurge(ctx)
	return s.db.RememberAPINonce(ctx, domain, nonce, expires)
}

// maybePurge failing only delays the cleanup: the check itself does not
// depend on it (expired rows are freed one by one on reuse).
func (s *DBNonceStore) maybePurge(ctx context.Context) {
	s.mu.Lock()
	due := time.Since(s.lastPurge) >= s.purgeEvery
	if due {
		s.lastPurge = time.Now()
	}
	s.mu.Unlock()
	if due {
		s.db.PurgeAPINonces(ctx)
	}
}
