package jobs

import (
	"math/rand/v2"
	"time"
)

// backoff returns the delay before retry number attempt (1-based) with
// "full jitter": uniform in (0, min(max, base·2^(attempt-1))]. Jitter
// spreads the retries of jobs that failed together (a Moodle going down)
// so they do not hit it again all at once.
func backoff(attempt int, base, maxDelay time.Duration, rnd func() float64) time.Duration {
	return time.Duration(rnd()*float64(backoffCap(attempt, base, maxDelay))) + time.Millisecond
}

// backoffCap is the upper bound of the jittered delay.
func backoffCap(attempt int, base, maxDelay time.Duration) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := base
	for i := 1; i < attempt; i++ {
		if d >= maxDelay/2 {
			return maxDelay
		}
		d *= 2
	}
	return min(d, maxDelay)
}

func defaultRand() float64 { return rand.Float64() }
