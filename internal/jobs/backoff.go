package jobs

import (
	"math/rand/v2"
	"time"

	"github.com/magistere/bridge/internal/failure"
)

// backoff returns the delay before retry number attempt (1-based) with
// "full jitter" (failure.Backoff): uniform in (0, min(max,
// base·2^(attempt-1))]. Jitter spreads the retries of jobs that failed
// together (a Moodle going down) so they do not hit it again all at once.
func backoff(attempt int, base, maxDelay time.Duration, rnd func() float64) time.Duration {
	return failure.Backoff(attempt, base, maxDelay, rnd)
}

// backoffCap is the upper bound of the jittered delay.
func backoffCap(attempt int, base, maxDelay time.Duration) time.Duration {
	return failure.BackoffCap(attempt, base, maxDelay)
}

func defaultRand() float64 { return rand.Float64() }
