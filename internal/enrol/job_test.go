package enrol

import (
	"context"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
)

func TestApplyJobKeepsReportAndIsIdempotent(t *testing.T) {
	env := newSimEnv(t)
	st := storetest.SQLite(t)
	reg := jobs.NewRegistry()
	reg.Register(KindApply, func(ctx context.Context, run *jobs.Run) (any, error) {
		var p JobPayload
		if err := run.Decode(&p); err != nil {
			return nil, err
		}
		return RunApplyJob(ctx, env.client, st, run, p)
	})
	q := jobs.NewQueue(st)
	pool := jobs.NewPool(st, reg, jobs.PoolOptions{PollInterval: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- pool.Run(ctx) }()
	defer func() { cancel(); <-done }()

	file := []byte("Courriel;Nom;Prénom\na.b@ac-a.fr;B;A\nc.d@ac-a.fr;D;C\nbad\n")
	opts := PlanOptions{CourseIDs: []int64{env.course}, Unknown: "create", CreateAuth: "cas"}
	spec := jobs.Spec{Kind: KindApply, Domain: "ac-a", Payload: JobPayload{File: file, Options: opts},
		Key: JobKey("ac-a", FileSHA256(file), opts)}
	job, created, err := q.Submit(context.Background(), spec)
	if err != nil || !created {
		t.Fatalf("submit: %v %v", created, err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for job.State != store.JobSucceeded && time.Now().Before(deadline) {
		if job.State == store.JobFailed {
			t.Fatalf("job failed: %s", job.LastError)
		}
		time.Sleep(20 * time.Millisecond)
		job, _ = st.GetJob(context.Background(), job.ID)
	}
	rep, err := LoadReport(context.Background(), st, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Counts.Total != 3 || rep.Counts.ByStatus[StatusCreated] != 2 || rep.Counts.ByStatus[StatusInvalid] != 1 {
		t.Fatalf("report counts %v", rep.Counts)
	}
	if rep.Rows[2].Line != 4 || rep.Rows[2].Email != "bad" {
		t.Fatalf("row 3: %+v", rep.Rows[2])
	}
	steps, _ := st.Steps(context.Background(), job.ID)
	for _, name := range []string{"plan", PhaseCreate, PhaseEnrol} {
		if _, ok := steps[name]; !ok {
			t.Errorf("no checkpoint %q", name)
		}
	}
	again, created, err := q.Submit(context.Background(), spec)
	if err != nil || created || again.ID != job.ID {
		t.Fatalf("second submit: id %d created %v %v", again.ID, created, err)
	}
}
