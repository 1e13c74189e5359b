package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/store"
)

// handlerSets bind job kinds to handlers. Each feature adds its set from
// its own file (handlers_<feature>.go) with an init function, so features
// do not edit one shared list.
var handlerSets = []func(a *App){
	func(a *App) { a.Registry.Register(KindDiagnosticRecord, a.diagnosticRecord) },
}

func registerHandlers(a *App) {
	for _, set := range handlerSets {
		set(a)
	}
}

// KindDiagnosticRecord is a job that records its own execution in the audit
// trail. Operators use it to check that a replica set processes jobs
// (`bridge jobs submit diagnostic.record`); the multi-replica test counts
// its executions.
const KindDiagnosticRecord = "diagnostic.record"

type diagnosticPayload struct {
	SleepMS int `json:"sleep_ms"`
}

func (a *App) diagnosticRecord(ctx context.Context, run *jobs.Run) (any, error) {
	var p diagnosticPayload
	if err := run.Decode(&p); err != nil {
		return nil, err
	}
	// The execution record is this job's effect: written only while this
	// worker still holds the job (a worker frozen past its lease and taken
	// over stops here).
	if err := run.CheckLease(ctx); err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	if _, err := a.Store.RecordAudit(ctx, store.AuditEntry{
		Actor: "worker:" + a.Pool.Owner(), Action: "diagnostic.executed", Target: fmt.Sprintf("job:%d", run.ID()),
		JobID: run.ID(), Outcome: "ok", Detail: fmt.Sprintf("host=%s pid=%d attempt=%d", host, os.Getpid(), run.Attempt()),
	}); err != nil {
		return nil, err
	}
	if p.SleepMS > 0 {
		select {
		case <-time.After(time.Duration(p.SleepMS) * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return json.RawMessage(fmt.Sprintf(`{"pid":%d}`, os.Getpid())), nil
}
