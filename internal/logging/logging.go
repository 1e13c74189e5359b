// Package logging builds the bridge's zerolog logger: JSON by default, a
// human console format on request, and a last line of defence that scrubs
// known secrets from every line before it is written.
package logging

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// Options chooses the format and level of the logger.
type Options struct {
	Format  string // json (default) or console
	Level   string // debug, info, warn, error
	Secrets []string
}

// New returns a logger writing to w.
func New(w io.Writer, opts Options) zerolog.Logger {
	zerolog.TimeFieldFormat = time.RFC3339Nano
	out := io.Writer(NewScrubber(w, opts.Secrets))
	if opts.Format == "console" {
		out = zerolog.ConsoleWriter{Out: out, TimeFormat: "15:04:05", NoColor: true}
	}
	level, err := zerolog.ParseLevel(strings.ToLower(opts.Level))
	if err != nil || opts.Level == "" {
		level = zerolog.InfoLevel
	}
	return zerolog.New(out).Level(level).With().Timestamp().Logger()
}

// Scrubber replaces secret values in everything written through it. Code
// must not log secrets in the first place; this catches the mistake that a
// review missed (a URL with a token in an upstream error, say).
type Scrubber struct {
	mu      sync.Mutex
	w       io.Writer
	secrets [][]byte
}

// NewScrubber wraps w; every non-empty secret is scrubbed, whatever its
// length (a short one garbles the log a little; a skipped one leaked).
func NewScrubber(w io.Writer, secrets []string) *Scrubber {
	s := &Scrubber{w: w}
	s.Add(secrets...)
	return s
}

// Add registers more secrets (a token read later, say).
func (s *Scrubber) Add(secrets ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sec := range secrets {
		if sec != "" {
			s.secrets = append(s.secrets, []byte(sec))
		}
	}
	// Longest first: a secret that contains another is replaced whole.
	slices.SortFunc(s.secrets, func(a, b []byte) int { return len(b) - len(a) })
}

// Write scrubs p and writes it whole; it reports len(p) so callers that
// check the count are not confused by a shorter scrubbed line.
func (s *Scrubber) Write(p []byte) (int, error) {
	s.mu.Lock()
	out := p
	for _, sec := range s.secrets {
		if bytes.Contains(out, sec) {
			out = bytes.ReplaceAll(out, sec, []byte("********"))
		}
	}
	s.mu.Unlock()
	if _, err := s.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Every returns a function that reports whether an error line for key may
// be logged now: at most once per interval, with the number suppressed in
// between. Background loops use it so a dead database does not flood logs.
func Every(interval time.Duration) func(key string) (ok bool, suppressed int) {
	var mu sync.Mutex
	last := map[string]time.Time{}
	count := map[string]int{}
	return func(key string) (bool, int) {
		mu.Lock()
		defer mu.Unlock()
		now := time.Now()
		if t, seen := last[key]; seen && now.Sub(t) < interval {
			count[key]++
			return false, 0
		}
		n := count[key]
		last[key], count[key] = now, 0
		return true, n
	}
}
