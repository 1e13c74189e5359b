package jobs

import (
	"sync"
	"time"
)

// logLimiter lets an identical error line through at most once per period,
// and counts the lines it held back, so a store outage logs one line per
// period instead of one per poll.
type logLimiter struct {
	mu     sync.Mutex
	period time.Duration
	now    func() time.Time
	seen   map[string]*limitEntry
}

type limitEntry struct {
	last       time.Time
	suppressed int
}

func newLogLimiter(period time.Duration, now func() time.Time) *logLimiter {
	return &logLimiter{period: period, now: now, seen: map[string]*limitEntry{}}
}

// allow reports whether the line keyed by key may be logged now and how
// many identical lines were suppressed since the last one logged.
func (l *logLimiter) allow(key string) (ok bool, suppressed int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	e, found := l.seen[key]
	if found && now.Sub(e.last) < l.period {
		e.suppressed++
		return false, 0
	}
	if !found {
		if len(l.seen) > 1000 { // bound memory if errors embed ever-changing ids
			l.seen = map[string]*limitEntry{}
		}
		e = &limitEntry{}
		l.seen[key] = e
	}
	suppressed, e.suppressed, e.last = e.suppressed, 0, now
	return true, suppressed
}
