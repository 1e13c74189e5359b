package moodle

import (
	"sync"
	"time"

	"github.com/magistere/bridge/internal/failure"
)

// Window is how many bulk calls (account creation, enrolment chunks) a
// client keeps in flight, adapted to what the site takes: a Moodle's PHP
// workers share a few cores, so beyond them a call only waits in line
// (longer latency, same throughput), and a site answering 5xx or timing
// out is overloaded.
//
// The rule is AIMD on latency, as TCP Vegas does it: each kind of call
// (function) keeps its best time per row seen lately (base); a call that
// took r times its base says about limit×(1−1/r) calls were waiting
// rather than running (a call made alone resets the base: the site may
// have got slower, as it does while its user table grows). While fewer than 0.3 wait, the limit grows: doubled
// per round (limit calls finished without queueing) until queueing is
// first seen, by one per round after that. Once 0.7 or more wait, it
// shrinks by one; a retryable error halves it. It stays within [1, Max] and starts
// at Start. After a change, the calls already in flight are not counted:
// they measured the old limit.
type Window struct {
	mu       sync.Mutex
	limit    int
	max      int
	floor    int                // the least the limit goes down to, 1 unless KeepAtLeast raised it
	base     map[string]float64 // seconds per row
	biggest  map[string]int     // largest call (rows) seen per kind
	good     int                // calls without queueing since the last change
	cooldown int                // completions to ignore after a change
	changes  int
	queueing bool // queueing seen once: grow by one, no longer by doubling
}

// NewWindow starts at start calls in flight, bounded by [1, hi].
func NewWindow(start, hi int) *Window {
	hi = max(1, hi)
	return &Window{limit: min(max(1, start), hi), max: hi, floor: 1, base: map[string]float64{}, biggest: map[string]int{}}
}

// KeepAtLeast stops the limit from going below n (at most Max): for a
// caller that holds one call open on purpose while others must run, as a
// test does to finish chunks out of order. Left alone, the floor is 1.
func (w *Window) KeepAtLeast(n int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.floor = min(max(1, n), w.max)
	if w.limit < w.floor {
		w.set(w.floor)
	}
}

// Limit is the number of calls to keep in flight now.
func (w *Window) Limit() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.limit
}

// Max is the window's upper bound (the domain's concurrency).
func (w *Window) Max() int { return w.max }

// Changes counts the limit's changes (for logs and tests).
func (w *Window) Changes() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.changes
}

// baseDrift is how fast a kind's base follows slower calls: the site may
// get slower for good (other load, tables growing: creating 20,000
// accounts on a real Moodle, the last calls took 5 times the first), and
// a base stuck at its best would then read every call as queued. 0.1
// follows such a slowdown (TestWindowOnASiteSlowingDown) and still sees
// the queue of one call too many (TestWindowOnTheCostModel).
const baseDrift = 0.1

// Observe records one finished call of kind (its function) over rows rows.
// err is the call's error: a retryable one (5xx, timeout, lost
// connection) halves the window; others (a row refused) say nothing of
// the load.
func (w *Window) Observe(kind string, rows int, took time.Duration, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		if failure.IsRetryable(err) {
			w.set(max(w.floor, w.limit/2))
		}
		return
	}
	if rows <= 0 || took <= 0 {
		return
	}
	// A short call (a file's last chunk) weighs its fixed cost over few
	// rows: its time per row says nothing of the queue.
	if rows > w.biggest[kind] {
		w.biggest[kind] = rows
	}
	if rows*2 < w.biggest[kind] {
		return
	}
	perRow := took.Seconds() / float64(rows)
	base, seen := w.base[kind]
	switch {
	case !seen || perRow < base:
		base = perRow
	case w.limit == 1 && w.cooldown == 0:
		// Alone, a call waits for nobody of ours: its time is what the site
		// takes now. A site slowing down (its tables growing, other load)
		// must not read as queueing for ever and keep the window at one.
		base = perRow
	default:
		base += (perRow - base) * baseDrift
	}
	w.base[kind] = base
	if w.cooldown > 0 {
		w.cooldown--
		return
	}
	queued := float64(w.limit) * (1 - base/perRow)
	switch {
	case queued >= 0.7:
		// One call less, as TCP Vegas decreases: a real site's calls also
		// slow each other down when they all run (one MariaDB, shared
		// caches), so limit×base/perRow under-counts the calls it runs at
		// once; on the real 2-core site that estimate took 3 calls in
		// flight down to 1 and left a core idle for most of a run.
		w.queueing = true
		w.set(max(w.floor, w.limit-1))
	case queued >= 0.3:
		// about right: hold
	case w.good+1 < w.limit:
		w.good++
	case w.queueing:
		w.set(min(w.max, w.limit+1))
	default:
		w.set(min(w.max, w.limit*2))
	}
}

// set changes the limit and starts a new round.
func (w *Window) set(limit int) {
	w.good = 0
	if limit == w.limit {
		return
	}
	w.cooldown = w.limit // the calls in flight, sent under the old limit
	w.limit = limit
	w.changes++
}
