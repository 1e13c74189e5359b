package failure

import (
	"math/rand/v2"
	"time"
)

// Backoff returns the delay before retry number attempt (1-based) with
// "full jitter": uniform in (0, min(max, base·2^(attempt-1))]. Jitter
// spreads the retries of callers that failed together (a Moodle going
// down) so they do not hit it again all at once. rnd draws in [0,1); nil
// uses math/rand. The job queue (package jobs) and the Moodle client's
// read retries share it.
func Backoff(attempt int, base, maxDelay time.Duration, rnd func() float64) time.Duration {
	if rnd == nil {
		rnd = rand.Float64
	}
	return time.Duration(rnd()*float64(BackoffCap(attempt, base, maxDelay))) + time.Millisecond
}

// BackoffCap is the upper bound of Backoff's jittered delay.
func BackoffCap(attempt int, base, maxDelay time.Duration) time.Duration {
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
