package moodlesim

import (
	"bytes"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/magistere/bridge/internal/failure"
)

// FaultSpec describes failures injected into REST and upload calls.
// Rates are probabilities in [0,1]; one draw per call picks at most one of
// 5xx, timeout, reset, reset_after and after_commit (their sum must not
// exceed 1).
type FaultSpec struct {
	Latency     time.Duration // added before every affected call
	Rate5xx     float64       // answer HTTP 503 without running the call
	Timeout     float64       // hang until the client gives up (or TimeoutMax), then drop the connection
	Reset       float64       // close the TCP connection without an answer, before running the call
	ResetAfter  float64       // run the call (writes commit), then close the connection without an answer
	AfterCommit float64       // run the call (writes commit), then answer HTTP 500
	TimeoutMax  time.Duration // cap on a hang (default 30s)
	WritesOnly  bool          // affect only functions that write (and uploads)
	Seed        int64         // seed of the decisions: same seed, same call order, same faults
}

// Enabled reports whether the spec injects anything.
func (f FaultSpec) Enabled() bool {
	return f.Latency > 0 || f.Rate5xx > 0 || f.Timeout > 0 || f.Reset > 0 || f.ResetAfter > 0 || f.AfterCommit > 0
}

// ParseFaults parses the --faults flag, e.g.
// "latency=50ms,5xx=0.2,timeout=0.1,reset=0.05,after_commit=0.1,seed=42,writes".
// Keys: latency, 5xx, timeout, reset (the connection closed before the
// call runs), reset_after (closed once the call ran: a write committed, the
// client cannot know), after_commit, timeout_max, seed, writes (alone or
// =true/false). An empty spec means no faults.
func ParseFaults(spec string) (FaultSpec, error) {
	f := FaultSpec{Seed: 1}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		key, value, hasValue := strings.Cut(part, "=")
		if err := f.set(strings.TrimSpace(key), strings.TrimSpace(value), hasValue); err != nil {
			return FaultSpec{}, failure.Permanent(fmt.Errorf("moodlesim: fault spec %q: %w", part, err))
		}
	}
	sum := f.Rate5xx + f.Timeout + f.Reset + f.ResetAfter + f.AfterCommit
	if sum > 1 {
		return FaultSpec{}, failure.Permanent(fmt.Errorf("moodlesim: fault rates add up to %.3f, more than 1", sum))
	}
	return f, nil
}

func (f *FaultSpec) set(key, value string, hasValue bool) error {
	switch key {
	case "latency", "timeout_max":
		d, err := time.ParseDuration(value)
		if err != nil || d < 0 {
			return fmt.Errorf("want a duration such as 50ms")
		}
		if key == "latency" {
			f.Latency = d
		} else {
			f.TimeoutMax = d
		}
	case "5xx", "timeout", "reset", "reset_after", "after_commit":
		r, err := strconv.ParseFloat(value, 64)
		if err != nil || r < 0 || r > 1 {
			return fmt.Errorf("want a rate between 0 and 1")
		}
		*f.rate(key) = r
	case "seed":
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return fmt.Errorf("want an integer seed")
		}
		f.Seed = n
	case "writes":
		on := true
		if hasValue {
			b, err := strconv.ParseBool(value)
			if err != nil {
				return fmt.Errorf("want true or false")
			}
			on = b
		}
		f.WritesOnly = on
	default:
		return fmt.Errorf("unknown key %q", key)
	}
	return nil
}

func (f *FaultSpec) rate(key string) *float64 {
	switch key {
	case "5xx":
		return &f.Rate5xx
	case "timeout":
		return &f.Timeout
	case "reset":
		return &f.Reset
	case "reset_after":
		return &f.ResetAfter
	}
	return &f.AfterCommit
}

// String renders the spec back in ParseFaults syntax.
func (f FaultSpec) String() string {
	var parts []string
	if f.Latency > 0 {
		parts = append(parts, "latency="+f.Latency.String())
	}
	for _, r := range []struct {
		k string
		v float64
	}{{"5xx", f.Rate5xx}, {"timeout", f.Timeout}, {"reset", f.Reset}, {"reset_after", f.ResetAfter}, {"after_commit", f.AfterCommit}} {
		if r.v > 0 {
			parts = append(parts, r.k+"="+strconv.FormatFloat(r.v, 'g', -1, 64))
		}
	}
	if f.TimeoutMax > 0 {
		parts = append(parts, "timeout_max="+f.TimeoutMax.String())
	}
	if f.WritesOnly {
		parts = append(parts, "writes")
	}
	parts = append(parts, "seed="+strconv.FormatInt(f.Seed, 10))
	return strings.Join(parts, ",")
}

type faultKind string

const (
	faultNone        faultKind = ""
	fault5xx         faultKind = "5xx"
	faultTimeout     faultKind = "timeout"
	faultReset       faultKind = "reset"
	faultResetAfter  faultKind = "reset_after"
	faultAfterCommit faultKind = "after_commit"
)

type faultInjector struct {
	spec   FaultSpec
	mu     sync.Mutex
	rng    *rand.Rand
	counts map[faultKind]int
}

func newFaultInjector(spec FaultSpec) *faultInjector {
	if spec.TimeoutMax <= 0 {
		spec.TimeoutMax = 30 * time.Second
	}
	return &faultInjector{spec: spec, rng: rand.New(rand.NewSource(spec.Seed)), counts: map[faultKind]int{}}
}

// SetFaults replaces the injected faults from now on (the counts are
// kept): a test sets a scenario up over clean calls, then lets the job
// under test meet the faults, then reads the result cleanly.
func (srv *Server) SetFaults(spec FaultSpec) {
	fi := srv.faults
	if spec.TimeoutMax <= 0 {
		spec.TimeoutMax = 30 * time.Second
	}
	fi.mu.Lock()
	defer fi.mu.Unlock()
	fi.spec = spec
	fi.rng = rand.New(rand.NewSource(spec.Seed))
}

// FaultCounts reports how many faults of each kind were injected.
func (srv *Server) FaultCounts() map[string]int {
	fi := srv.faults
	fi.mu.Lock()
	defer fi.mu.Unlock()
	out := map[string]int{}
	for k, v := range fi.counts {
		out[string(k)] = v
	}
	return out
}

func (fi *faultInjector) draw() faultKind {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	u := fi.rng.Float64()
	s := fi.spec
	kind := faultNone
	switch {
	case u < s.Rate5xx:
		kind = fault5xx
	case u < s.Rate5xx+s.Timeout:
		kind = faultTimeout
	case u < s.Rate5xx+s.Timeout+s.Reset:
		kind = faultReset
	case u < s.Rate5xx+s.Timeout+s.Reset+s.AfterCommit:
		kind = faultAfterCommit
	case u < s.Rate5xx+s.Timeout+s.Reset+s.AfterCommit+s.ResetAfter:
		kind = faultResetAfter
	}
	if kind != faultNone {
		fi.counts[kind]++
	}
	return kind
}

// wrap applies the fault spec around run, which serves the call and says
// whether it was a write and whether it committed.
func (fi *faultInjector) wrap(w http.ResponseWriter, r *http.Request, site *Site, run func(http.ResponseWriter) (bool, bool)) {
	fi.mu.Lock()
	spec := fi.spec
	fi.mu.Unlock()
	if !spec.Enabled() {
		run(w)
		return
	}
	if spec.WritesOnly && !isWriteRequest(r) {
		run(w)
		return
	}
	if spec.Latency > 0 {
		select {
		case <-time.After(spec.Latency):
		case <-r.Context().Done():
			return
		}
	}
	switch fi.draw() {
	case fault5xx:
		http.Error(w, "503 Service Unavailable", http.StatusServiceUnavailable)
	case faultTimeout:
		// Once the body is read, net/http watches the connection and
		// cancels the request context when the client hangs up.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(spec.TimeoutMax):
		}
		dropConnection(w)
	case faultReset:
		dropConnection(w)
	case faultResetAfter:
		// The call runs to its end (a write commits); its answer is
		// thrown away with the connection, as when a proxy or the network
		// fails on the way back.
		run(&bufferedWriter{header: http.Header{}})
		dropConnection(w)
	case faultAfterCommit:
		rec := &bufferedWriter{header: http.Header{}}
		write, committed := run(rec)
		if write && committed {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, "<h1>Internal Server Error</h1>")
			return
		}
		rec.copyTo(w)
	default:
		run(w)
	}
}

// isWriteRequest peeks at wsfunction without consuming the body.
func isWriteRequest(r *http.Request) bool {
	if strings.HasSuffix(r.URL.Path, "/upload.php") {
		return true
	}
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(io.LimitReader(r.Body, postMaxSize+1))
		r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
	}
	name := ""
	for _, p := range append(parseURLEncoded(r.URL.RawQuery), parseURLEncoded(string(body))...) {
		if p.name == "wsfunction" {
			name = p.value
		}
	}
	fn := registry[name]
	return fn != nil && fn.write
}

// dropConnection closes the TCP connection without an HTTP answer; with
// SO_LINGER 0 the client sees a reset.
func dropConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// bufferedWriter holds an answer until the fault decision is final.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.header }
func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
func (b *bufferedWriter) WriteHeader(code int) { b.status = code }

func (b *bufferedWriter) copyTo(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	if b.status == 0 {
		b.status = http.StatusOK
	}
	w.WriteHeader(b.status)
	_, _ = w.Write(b.body.Bytes())
}
