package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/metrics"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
)

// metricsRound makes each run of the test count under a kind of its own:
// metrics.Default lives as long as the process (go test -count=N).
var metricsRound atomic.Int32

func TestJobRunsAreCountedByKindDomainAndOutcome(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		kind := fmt.Sprintf("metrics-%s-%d", st.Dialect(), metricsRound.Add(1))
		runs := func(outcome string) float64 {
			return metrics.Default.Value(metrics.JobRuns, map[string]string{"kind": kind, "domain": "ac-m", "outcome": outcome})
		}
		q := NewQueue(st)
		reg := NewRegistry()
		var calls atomic.Int32
		reg.Register(kind, func(ctx context.Context, run *Run) (any, error) {
			var p struct{ Fail bool }
			run.Decode(&p)
			if p.Fail {
				return nil, errors.New("bad csv")
			}
			if calls.Add(1) <= 2 {
				return nil, failure.Retryable(fmt.Errorf("moodle unavailable"))
			}
			return "ok", nil
		})
		p := NewPool(st, reg, testOptions("w"))
		q.OnSubmit(p.Notify)
		startPool(t, p)
		j := submit(t, q, Spec{Kind: kind, Domain: "ac-m", MaxAttempts: 5})
		waitJob(t, st, j.ID, store.JobSucceeded)
		bad := submit(t, q, Spec{Kind: kind, Domain: "ac-m", Payload: map[string]bool{"Fail": true}, MaxAttempts: 5})
		waitJob(t, st, bad.ID, store.JobFailed)
		eventually(t, "runs counted", func() bool { return runs(metrics.OutcomeFailed) == 1 && runs(metrics.OutcomeSucceeded) == 1 })
		if runs(metrics.OutcomeRetried) != 2 {
			t.Fatalf("retried runs %v, want 2", runs(metrics.OutcomeRetried))
		}
		if n := metrics.Default.Value(metrics.JobDuration, map[string]string{"kind": kind, "domain": "ac-m"}); n != 4 {
			t.Fatalf("timed runs %v, want 4", n)
		}
	})
}
