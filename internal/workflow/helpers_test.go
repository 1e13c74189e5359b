package workflow_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/config"
	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/moodlesim"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
	"github.com/magistere/bridge/internal/workflow"
)

// harness is two academy sites on a simulated Moodle, a SQLite store,
// the workflow service and a worker pool running its jobs.
type harness struct {
	t     *testing.T
	ctx   context.Context
	sim   *moodlesim.Server
	st    *store.Store
	fleet *domains.Fleet
	q     *jobs.Queue
	svc   *workflow.Service
}

func newHarness(t *testing.T) *harness { t.Helper(); return newHarnessWith(t, nil) }

// newHarnessWith lets a test change the configuration (calendar_file…)
// before the fleet is built.
func newHarnessWith(t *testing.T, edit func(*config.Config)) *harness {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	sim := moodlesim.New(moodlesim.Options{Sites: []string{"ac-a", "ac-b"}, Token: "tok"})
	srv := httptest.NewServer(sim.Handler())
	cfg := config.Defaults()
	for _, d := range []struct{ name, zone string }{{"ac-a", "A"}, {"ac-b", "B"}} {
		roles := map[string]string{}
		for k, v := range config.DefaultRoles {
			roles[k] = v
		}
		cfg.Domains = append(cfg.Domains, config.Domain{Name: d.name, WWWRoot: srv.URL + "/" + d.name, Token: "tok", Zone: d.zone,
			MaxInputVars: 5000, Concurrency: 2, Timeout: 10 * time.Second, Roles: roles})
	}
	if edit != nil {
		edit(&cfg)
	}
	fleet, err := domains.NewFleet(&cfg, srv.Client(), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.SQLite(t)
	reg := jobs.NewRegistry()
	q := jobs.NewQueue(st)
	svc := workflow.New(st, fleet, q)
	svc.Register(reg)
	pool := jobs.NewPool(st, reg, jobs.PoolOptions{Concurrency: 2, PollInterval: 20 * time.Millisecond, Logger: zerolog.Nop()})
	q.OnSubmit(pool.Notify)
	done := make(chan struct{})
	go func() { pool.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; srv.Close() })
	return &harness{t: t, ctx: ctx, sim: sim, st: st, fleet: fleet, q: q, svc: svc}
}

func (h *harness) client(domain string) *moodle.Client {
	d, err := h.fleet.Get(domain)
	if err != nil {
		h.t.Fatal(err)
	}
	return d.Client
}

func (h *harness) bootstrap(domain string) *domains.BootstrapReport {
	h.t.Helper()
	d, _ := h.fleet.Get(domain)
	rep, err := domains.Bootstrap(h.ctx, d, h.st)
	if err != nil {
		h.t.Fatalf("bootstrap %s: %v", domain, err)
	}
	return rep
}

func (h *harness) category(domain, key string) int64 {
	h.t.Helper()
	cats, err := h.st.DomainCategories(h.ctx, domain)
	if err != nil || cats[key].CategoryID == 0 {
		h.t.Fatalf("category %s on %s: %+v %v", key, domain, cats, err)
	}
	return cats[key].CategoryID
}

func (h *harness) course(domain string, id int64) moodle.Course {
	h.t.Helper()
	cs, err := h.client(domain).GetCoursesByField(h.ctx, "id", strconv.FormatInt(id, 10))
	if err != nil || len(cs) != 1 {
		h.t.Fatalf("course %d on %s: %v %v", id, domain, cs, err)
	}
	return cs[0]
}

func (h *harness) state(domain string, id int64) store.CourseState {
	h.t.Helper()
	cs, err := h.st.GetCourseState(h.ctx, domain, id)
	if err != nil {
		h.t.Fatalf("state of %d: %v", id, err)
	}
	return cs
}

func (h *harness) createCourse(domain, shortname string, category int64) int64 {
	h.t.Helper()
	out, err := h.client(domain).CreateCourses(h.ctx, []moodle.CourseInput{{FullName: "Cours " + shortname, ShortName: shortname, CategoryID: moodle.Int(category)}})
	if err != nil {
		h.t.Fatal(err)
	}
	return int64(out[0].ID)
}

func (h *harness) createUsers(domain, prefix string, n int) []int64 {
	h.t.Helper()
	in := make([]moodle.UserInput, n)
	for i := range in {
		in[i] = moodle.UserInput{Username: fmt.Sprintf("%s%d", prefix, i), Password: "Passw0rd!x", FirstName: "Prénom", LastName: fmt.Sprintf("Nom%d", i),
			Email: fmt.Sprintf("%s%d@example.org", prefix, i), Auth: "manual"}
	}
	out, err := h.client(domain).CreateUsers(h.ctx, in)
	if err != nil {
		h.t.Fatal(err)
	}
	ids := make([]int64, len(out))
	for i, u := range out {
		ids[i] = int64(u.ID)
	}
	return ids
}

func (h *harness) enrol(domain string, course int64, role int64, users ...int64) {
	h.t.Helper()
	rows := make([]moodle.Enrolment, len(users))
	for i, u := range users {
		rows[i] = moodle.Enrolment{RoleID: moodle.Int(role), UserID: moodle.Int(u), CourseID: moodle.Int(course)}
	}
	if err := h.client(domain).EnrolUsers(h.ctx, rows); err != nil {
		h.t.Fatal(err)
	}
}

// run submits a transition and waits for its job to end.
func (h *harness) run(req workflow.Request) store.Job {
	h.t.Helper()
	if req.RequestedBy == "" {
		req.RequestedBy = "test"
	}
	j, _, err := h.svc.Submit(h.ctx, req)
	if err != nil {
		h.t.Fatalf("submit %s on %d: %v", req.Transition, req.CourseID, err)
	}
	return h.wait(j.ID)
}

func (h *harness) wait(id int64) store.Job {
	h.t.Helper()
	for {
		j, err := h.st.GetJob(h.ctx, id)
		if err != nil {
			h.t.Fatal(err)
		}
		switch j.State {
		case store.JobSucceeded, store.JobFailed, store.JobCancelled:
			return j
		}
		select {
		case <-h.ctx.Done():
			h.t.Fatalf("job %d did not finish: %+v", id, j)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func (h *harness) mustSucceed(j store.Job) store.Job {
	h.t.Helper()
	if j.State != store.JobSucceeded {
		h.t.Fatalf("job %d (%s) %s: %s", j.ID, j.Kind, j.State, j.LastError)
	}
	return j
}

func decode[T any](t *testing.T, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return v
}

func ptr(v int) *int { return &v }
