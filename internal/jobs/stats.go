package jobs

import "sync"

// KindStats counts what happened to the jobs of one kind in this process.
type KindStats struct {
	Started   uint64 // handler calls
	Succeeded uint64
	Failed    uint64 // for good
	Retried   uint64 // scheduled for a later attempt
	Released  uint64 // given back at shutdown
	Cancelled uint64 // stopped because an operator cancelled the job
	LeaseLost uint64 // stopped because another worker took the job over
	Fenced    uint64 // writes refused because the job was leased again (the worker stopped at once)
	TakenOver uint64 // jobs this pool leased after their previous worker's lease expired
	Panicked  uint64 // handler panics (also counted in Failed or Retried)
}

// Stats is a snapshot of a pool's counters, for metrics.
type Stats struct {
	Running    int                  // handlers running now
	LoopErrors uint64               // failed polls (store unreachable...)
	Kinds      map[string]KindStats // by job kind
}

type counters struct {
	mu         sync.Mutex
	loopErrors uint64
	kinds      map[string]*KindStats
}

func (c *counters) add(kind string, f func(*KindStats)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.kinds == nil {
		c.kinds = map[string]*KindStats{}
	}
	k := c.kinds[kind]
	if k == nil {
		k = &KindStats{}
		c.kinds[kind] = k
	}
	f(k)
}

func (c *counters) loopError() {
	c.mu.Lock()
	c.loopErrors++
	c.mu.Unlock()
}

func (c *counters) snapshot(running int) Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := Stats{Running: running, LoopErrors: c.loopErrors, Kinds: make(map[string]KindStats, len(c.kinds))}
	for k, v := range c.kinds {
		s.Kinds[k] = *v
	}
	return s
}
