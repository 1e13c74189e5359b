package moodle

import (
	"maps"
	"sync"
)

// Stats is a snapshot of the HTTP calls a client made, by function
// ("upload.php" and "pluginfile.php" for the files endpoints).
type Stats struct {
	Calls       map[string]int64
	Errors      map[string]int64
	TotalCalls  int64
	TotalErrors int64
}

type statsRecorder struct {
	mu     sync.Mutex
	calls  map[string]int64
	errors map[string]int64
	total  int64
	failed int64
}

func newStatsRecorder() *statsRecorder {
	return &statsRecorder{calls: map[string]int64{}, errors: map[string]int64{}}
}

func (s *statsRecorder) add(function string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[function]++
	s.total++
	if err != nil {
		s.errors[function]++
		s.failed++
	}
}

func (s *statsRecorder) snapshot() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Calls: maps.Clone(s.calls), Errors: maps.Clone(s.errors), TotalCalls: s.total, TotalErrors: s.failed}
}

// Stats returns the calls made so far by function, and the errors.
func (c *Client) Stats() Stats { return c.stats.snapshot() }
