// Package reliability holds the measurements and fault tests that back the
// bridge's two promises: it is faster than doing things one by one, and it
// never loses or doubles anything.
//
// The code here drives in-process components (the moodle client, the
// enrolment planner, the simulator) the way the daemon does. The tests that
// drive real binaries (SIGKILL of `bridge serve`, fault-injecting
// `bridge moodlesim`, a private MariaDB restarted mid-run) live in
// bridge/reliability_*_test.go, next to the helpers that build and start the
// binary. scripts/bench.sh runs the benchmarks of both and prints one table
// (bench/results.md keeps the last one, with the machine and the date).
//
// The suite, and what each part proves:
//   - TestKillDuringCSVEnrolment, TestKillDuringSessionCreation,
//     TestKillDuringDeploy (bridge/): SIGKILL of `bridge serve` at seeded
//     points (8 + 6 + 6 in CI), restart, finish; the site then equals an
//     uninterrupted run on a twin site of the same simulator.
//   - TestFaultyMoodleCSVEnrolment, TestFaultyMoodleSessions: 20% 503, 10%
//     hangs, 10% "committed then 500"; the work completes exactly once and
//     the token is absent from the serve and moodlesim logs.
//   - TestPermanentErrorsFailFast, TestRelease29: bad token and missing
//     functions fail on the first attempt, with a message naming them.
//   - TestCrashAtEachCheckpointConverges (here, on the simulator): every
//     mutating command (workflow transitions, sessions create, archive,
//     unarchive, archive auto, retention, offer approve/deploy, CSV
//     enrolment, GAIA sync) dies
//     at each of its checkpoints (jobs.PoolOptions.CrashAt, listed by an
//     uninterrupted run, so a new step is covered on its own), is rescued
//     when its lease expires, and must end as the uninterrupted run did:
//     the sites, their write ledgers and the bridge's record.
//   - TestStoreDatabaseRestartMidRun: a private mariadbd killed and
//     restarted under a running `bridge serve`; every job finishes.
//   - Fuzz targets with seed corpora run by `go test`: internal/enrol
//     FuzzReader, internal/api FuzzVerify, internal/moodle
//     FuzzEncodeDecodeParams, FuzzDecodeFormNeverPanics, FuzzDecodeAnswer.
//     Explore with e.g. go test ./internal/moodle -run '^$' -fuzz FuzzDecodeAnswer -fuzztime 1m
//
// BRIDGE_LONG_TESTS=1 (set by scripts/test.sh when CI=true) runs every
// kill point, crash point and fault seed; without it one run of each
// scenario and at most 6 crash points per command.
package reliability

import (
	"runtime"
	"sync"
	"time"
)

// PeakMeter samples the Go heap in use while a measured run goes on and
// keeps its maximum: runtime.MemStats only reports the current value.
type PeakMeter struct {
	stop chan struct{}
	done sync.WaitGroup
	mu   sync.Mutex
	peak uint64
}

// StartPeakMeter starts sampling every interval (at least 1ms).
func StartPeakMeter(interval time.Duration) *PeakMeter {
	m := &PeakMeter{stop: make(chan struct{})}
	m.sample()
	m.done.Add(1)
	go m.loop(max(interval, time.Millisecond))
	return m
}

func (m *PeakMeter) loop(interval time.Duration) {
	defer m.done.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
			m.sample()
		}
	}
}

func (m *PeakMeter) sample() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.mu.Lock()
	m.peak = max(m.peak, ms.HeapInuse)
	m.mu.Unlock()
}

// Stop ends sampling and returns the peak heap in use, in bytes.
func (m *PeakMeter) Stop() uint64 {
	m.sample()
	close(m.stop)
	m.done.Wait()
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.peak
}
