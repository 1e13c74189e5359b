package archive_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/archive"
	"github.com/magistere/bridge/internal/config"
	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/moodlesim"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
	"github.com/magistere/bridge/internal/workflow"
)

const dom = "ac-a"

// harness is one academy on a simulated Moodle, a SQLite store, the
// archive and workflow services and a worker pool running their jobs.
type harness struct {
	t       *testing.T
	ctx     context.Context
	sim     *moodlesim.Server
	st      *store.Store
	fleet   *domains.Fleet
	q       *jobs.Queue
	svc     *archive.Service
	wf      *workflow.Service
	dataDir string
	now     atomic.Pointer[time.Time]
}

type harnessOptions struct {
	release      string
	archiveAfter int
	trashDays    int
	// archiveBackup and archiveNotify are the domain's archive_backup
	// and archive_notify.
	archiveBackup, archiveNotify bool
	faults                       moodlesim.FaultSpec
}

func newHarness(t *testing.T, o harnessOptions) *harness {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	sim := moodlesim.New(moodlesim.Options{Sites: []string{dom, "ac-b"}, Token: "tok", Release: o.release, Faults: o.faults})
	srv := httptest.NewServer(sim.Handler())
	cfg := config.Defaults()
	roles := map[string]string{}
	for k, v := range config.DefaultRoles {
		roles[k] = v
	}
	cfg.Domains = append(cfg.Domains, config.Domain{Name: dom, WWWRoot: srv.URL + "/" + dom, Token: "tok", Zone: "A",
		MaxInputVars: 5000, Concurrency: 2, Timeout: 10 * time.Second, Roles: roles,
		ArchiveAfterDays: o.archiveAfter, TrashRetentionDays: o.trashDays, ArchiveBackup: o.archiveBackup, ArchiveNotify: o.archiveNotify})
	fleet, err := domains.NewFleet(&cfg, srv.Client(), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.SQLite(t)
	reg := jobs.NewRegistry()
	q := jobs.NewQueue(st)
	h := &harness{t: t, ctx: ctx, sim: sim, st: st, fleet: fleet, q: q, dataDir: t.TempDir()}
	start := time.Now()
	h.now.Store(&start)
	h.svc = archive.New(st, fleet, q, h.dataDir)
	h.svc.PollEvery = 5 * time.Millisecond
	h.svc.SetClock(func() time.Time { return *h.now.Load() })
	h.svc.Register(reg)
	h.wf = workflow.New(st, fleet, q)
	h.wf.Register(reg)
	pool := jobs.NewPool(st, reg, jobs.PoolOptions{Concurrency: 2, PollInterval: 20 * time.Millisecond, Logger: zerolog.Nop(),
		BaseBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	q.OnSubmit(pool.Notify)
	done := make(chan struct{})
	go func() { pool.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; srv.Close() })
	d, _ := fleet.Get(dom)
	var err2 error
	for i := 0; i < 10; i++ { // under injected faults, bootstrap is re-run like an operator would
		if _, err2 = domains.Bootstrap(ctx, d, st); err2 == nil {
			break
		}
	}
	if err2 != nil {
		t.Fatalf("bootstrap: %v", err2)
	}
	return h
}

func (h *harness) advance(d time.Duration) {
	next := h.now.Load().Add(d)
	h.now.Store(&next)
}

func (h *harness) client() *moodle.Client {
	d, err := h.fleet.Get(dom)
	if err != nil {
		h.t.Fatal(err)
	}
	return d.Client
}

func (h *harness) category(key string) int64 {
	h.t.Helper()
	cats, err := h.st.DomainCategories(h.ctx, dom)
	if err != nil || cats[key].CategoryID == 0 {
		h.t.Fatalf("category %s: %+v %v", key, cats, err)
	}
	return cats[key].CategoryID
}

func (h *harness) subCategory(parent int64, name string) int64 {
	h.t.Helper()
	out, err := h.client().CreateCategories(h.ctx, []moodle.CategoryInput{{Name: name, Parent: moodle.Int(parent)}})
	if err != nil {
		h.t.Fatal(err)
	}
	return int64(out[0].ID)
}

func (h *harness) course(id int64) moodle.Course {
	h.t.Helper()
	cs, err := h.client().GetCoursesByField(h.ctx, "id", strconv.FormatInt(id, 10))
	if err != nil || len(cs) != 1 {
		h.t.Fatalf("course %d: %v %v", id, cs, err)
	}
	return cs[0]
}

func (h *harness) exists(id int64) bool {
	h.t.Helper()
	cs, err := h.client().GetCourses(h.ctx, []moodle.Int{moodle.Int(id)})
	if err != nil {
		h.t.Fatal(err)
	}
	return len(cs) == 1
}

// frozen probes read-only-ness the way a participant would meet it: a
// frozen course refuses any update (nopermissions).
func (h *harness) frozen(id int64) bool {
	h.t.Helper()
	c := h.course(id)
	w, err := h.client().UpdateCourses(h.ctx, []moodle.CourseUpdate{{ID: c.ID, FullName: c.FullName}})
	return err != nil || len(w) > 0
}

// session creates a session course with a recorded state and end date,
// and n enrolled participants.
func (h *harness) session(shortname string, state string, visible bool, end time.Time, participants int) int64 {
	h.t.Helper()
	v := 0
	if visible {
		v = 1
	}
	in := moodle.CourseInput{FullName: "Session " + shortname, ShortName: shortname, CategoryID: moodle.Int(h.category(domains.CatSession)),
		Visible: &v}
	if !end.IsZero() {
		in.StartDate = end.Add(-14 * 24 * time.Hour).Unix()
		in.EndDate = end.Unix()
	}
	out, err := h.client().CreateCourses(h.ctx, []moodle.CourseInput{in})
	if err != nil {
		h.t.Fatal(err)
	}
	id := int64(out[0].ID)
	if err := h.st.PutCourseState(h.ctx, store.CourseState{Domain: dom, CourseID: id, State: state}); err != nil {
		h.t.Fatal(err)
	}
	if participants > 0 {
		users := make([]moodle.UserInput, participants)
		for i := range users {
			name := strings.ToLower(shortname) + "-u" + strconv.Itoa(i)
			users[i] = moodle.UserInput{Username: name, Password: "Passw0rd!x", FirstName: "P", LastName: name, Email: name + "@example.org", Auth: "manual"}
		}
		created, err := h.client().CreateUsers(h.ctx, users)
		if err != nil {
			h.t.Fatal(err)
		}
		rows := make([]moodle.Enrolment, len(created))
		for i, u := range created {
			rows[i] = moodle.Enrolment{RoleID: 5, UserID: u.ID, CourseID: moodle.Int(id)}
		}
		if err := h.client().EnrolUsers(h.ctx, rows); err != nil {
			h.t.Fatal(err)
		}
	}
	return id
}

func (h *harness) wait(id int64) store.Job {
	h.t.Helper()
	for {
		j, err := h.st.GetJob(h.ctx, id)
		if err != nil {
			h.t.Fatal(err)
		}
		if j.Finished() {
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
	j = h.wait(j.ID)
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

type fixedAttendance int

func (n fixedAttendance) AttendanceCount(context.Context, string, int64) (int, error) {
	return int(n), nil
}
