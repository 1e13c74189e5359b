package api

import (
	"sync"
	"time"
)

// RateLimiter is a token bucket per domain: perMinute requests a minute,
// with bursts up to perMinute. It is per process: with N replicas behind a
// balancer a domain gets up to N times the rate, which still protects each
// replica and the domain's Moodle from a runaway block.
type RateLimiter struct {
	mu        sync.Mutex
	perMinute int
	now       func() time.Time
	buckets   map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// NewRateLimiter returns a limiter; perMinute <= 0 allows everything.
func NewRateLimiter(perMinute int, now func() time.Time) *RateLimiter {
	if now == nil {
		now = time.Now
	}
	return &RateLimiter{perMinute: perMinute, now: now, buckets: map[string]*bucket{}}
}

// Allow takes one token of domain's bucket; when empty it reports how long
// until the next token.
func (l *RateLimiter) Allow(domain string) (bool, time.Duration) {
	if l.perMinute <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[domain]
	if !ok {
		b = &bucket{tokens: float64(l.perMinute), at: now}
		l.buckets[domain] = b
	}
	perSec := float64(l.perMinute) / 60
	if elapsed := now.Sub(b.at).Seconds(); elapsed > 0 {
		b.tokens = min(float64(l.perMinute), b.tokens+elapsed*perSec)
	}
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / perSec * float64(time.Second))
}
