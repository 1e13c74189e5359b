package reliability

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/app"
	"github.com/magistere/bridge/internal/archive"
	"github.com/magistere/bridge/internal/demo"
	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/enrol"
	"github.com/magistere/bridge/internal/gaia"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/moodlesim"
	"github.com/magistere/bridge/internal/offer"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/workflow"
)

// The adversarial re-run suite after a crash at each checkpoint. Every
// mutating command is run once uninterrupted, which lists its crash
// points (before and after each step's checkpoint, and before the job's
// completion: jobs.PoolOptions.CrashAt). Then, on a fresh twin, the
// worker dies at each point in turn, writing nothing more; its lease
// expires, another attempt resumes the job, and the end state must equal
// the uninterrupted run's: every course, account, enrolment, role and
// group of the simulated sites, every write counted by the site's ledger
// (no effect twice), and the bridge's record (each course's state and
// trail, the audit entries). A new step of any command is covered
// without touching this file.

// crashEnv is the bridge wired as `bridge serve` (app.Open, every job
// handler) on three simulated sites, with a pool whose worker may die.
type crashEnv struct {
	t     *testing.T
	ctx   context.Context
	sim   *moodlesim.Server
	a     *app.App
	skew  atomic.Int64 // store clock offset: how leases expire after a crash
	mu    sync.Mutex
	seen  []jobs.CrashPoint // the watched job's points, in order
	watch atomic.Int64      // the job whose points are listed or crashed
	// submitting is set while the measured command submits its job: the
	// pool may run it before its id is known, and its first points must
	// not pass unwatched (the crash "was never reached again").
	submitting atomic.Bool
	// crashAt is the point to die at (zero: none), crashed is closed then.
	crashAt jobs.CrashPoint
	armed   bool
	crashed chan struct{}
	wf      *workflow.Service
	arch    *archive.Service
	off     *offer.Service
}

func newCrashEnv(t *testing.T, crashAt *jobs.CrashPoint) *crashEnv {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	sim := moodlesim.New(moodlesim.Options{Sites: []string{demo.National, demo.AcademyA, demo.AcademyB}, Token: "tok"})
	srv := httptest.NewServer(sim.Handler())
	cfg := demo.Config(t.TempDir(), srv.URL, "tok")
	for i := range cfg.Domains {
		cfg.Domains[i].ArchiveAfterDays = 7
		cfg.Domains[i].TrashRetentionDays = 30
	}
	a, err := app.Open(ctx, cfg, zerolog.Nop(), app.Options{HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	e := &crashEnv{t: t, ctx: ctx, sim: sim, a: a, crashed: make(chan struct{})}
	if crashAt != nil {
		e.crashAt, e.armed = *crashAt, true
	}
	a.Store.SetClock(func() time.Time { return time.Now().Add(time.Duration(e.skew.Load())) })
	pool := jobs.NewPool(a.Store, a.Registry, jobs.PoolOptions{Concurrency: 2, PollInterval: 10 * time.Millisecond,
		BaseBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, Logger: zerolog.Nop(), CrashAt: e.hook})
	a.Queue.OnSubmit(pool.Notify)
	done := make(chan struct{})
	go func() { pool.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; a.Close(); srv.Close() })
	e.wf = workflow.New(a.Store, a.Fleet, a.Queue)
	e.arch = archive.New(a.Store, a.Fleet, a.Queue, cfg.DataDir)
	e.arch.PollEvery = 5 * time.Millisecond
	e.off = offer.New(a.Store, a.Fleet, a.Queue, cfg.DataDir)
	e.off.PollEvery = 5 * time.Millisecond
	for _, dom := range []string{demo.National, demo.AcademyA} {
		d, _ := a.Fleet.Get(dom)
		if _, err := domains.Bootstrap(ctx, d, a.Store); err != nil {
			t.Fatalf("bootstrap %s: %v", dom, err)
		}
	}
	return e
}

// hook lists the watched job's crash points and dies once at crashAt.
func (e *crashEnv) hook(j store.Job, at jobs.CrashPoint) bool {
	for e.submitting.Load() && e.watch.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	if j.ID != e.watch.Load() {
		return false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seen = append(e.seen, at)
	if e.armed && at == e.crashAt {
		e.armed = false
		close(e.crashed)
		return true
	}
	return false
}

// runJob waits for a job the command submitted; when it is the watched
// one and the worker died, the lease is made to expire (the store's
// clock jumps past it) so that another attempt rescues the job.
func (e *crashEnv) runJob(j store.Job, err error) store.Job {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("submit: %v", err)
	}
	for {
		got, err := e.a.Store.GetJob(e.ctx, j.ID)
		if err != nil {
			e.t.Fatal(err)
		}
		switch got.State {
		case store.JobSucceeded:
			return got
		case store.JobFailed, store.JobCancelled:
			e.t.Fatalf("job %d (%s) %s: %s", got.ID, got.Kind, got.State, got.LastError)
		}
		select {
		case <-e.crashed:
			e.crashed = make(chan struct{}) // once
			e.skew.Add(int64(2 * time.Minute))
		case <-e.ctx.Done():
			e.t.Fatalf("job %d did not finish: %+v", j.ID, got)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// command is the measured job: submitted, watched, run to its end.
func (e *crashEnv) command(submit func() (store.Job, error)) store.Job {
	e.t.Helper()
	e.submitting.Store(true)
	j, err := submit()
	if err == nil {
		e.watch.Store(j.ID)
	}
	e.submitting.Store(false)
	return e.runJob(j, err)
}

func (e *crashEnv) client(dom string) *moodle.Client {
	d, err := e.a.Fleet.Get(dom)
	if err != nil {
		e.t.Fatal(err)
	}
	return d.Client
}

func (e *crashEnv) category(dom, key string) int64 {
	cats, err := e.a.Store.DomainCategories(e.ctx, dom)
	if err != nil || cats[key].CategoryID == 0 {
		e.t.Fatalf("category %s of %s: %v", key, dom, err)
	}
	return cats[key].CategoryID
}

func (e *crashEnv) createCourse(dom, short string, category int64) int64 {
	// Fixed dates: Moodle's default start is tomorrow, which changes at midnight.
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC).Unix()
	created, err := e.client(dom).CreateCourses(e.ctx, []moodle.CourseInput{{FullName: "Cours " + short, ShortName: short,
		CategoryID: moodle.Int(category), Summary: "<p>" + short + "</p>", StartDate: start, EndDate: start + 300*24*3600}})
	if err != nil {
		e.t.Fatal(err)
	}
	return int64(created[0].ID)
}

func (e *crashEnv) createUsers(dom, prefix string, n int) []int64 {
	in := make([]moodle.UserInput, n)
	for i := range in {
		in[i] = moodle.UserInput{Username: fmt.Sprintf("%s%d", prefix, i), Password: "Passw0rd!x", FirstName: "Prénom",
			LastName: fmt.Sprintf("Nom%d", i), Email: fmt.Sprintf("%s%d@example.org", prefix, i), Auth: "manual"}
	}
	out, err := e.client(dom).CreateUsers(e.ctx, in)
	if err != nil {
		e.t.Fatal(err)
	}
	ids := make([]int64, len(out))
	for i, u := range out {
		ids[i] = int64(u.ID)
	}
	return ids
}

func (e *crashEnv) transition(tr string, dom string, course int64, p workflow.Params) (store.Job, error) {
	j, _, err := e.wf.Submit(e.ctx, workflow.Request{Transition: tr, Domain: dom, CourseID: course, Params: p, RequestedBy: "crash-suite"})
	return j, err
}

func resultOf[T any](t *testing.T, j store.Job) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(j.Result, &v); err != nil {
		t.Fatalf("job %d result %s: %v", j.ID, j.Result, err)
	}
	return v
}

// world is what a scenario made before its command: ids by name.
type world map[string]int64

// parcours: a gabarit, a parcours made from it, formateurs.
func (e *crashEnv) parcours() world {
	w := world{}
	forms := e.createUsers(demo.AcademyA, "form", 2)
	w["formateur"], w["formateur2"] = forms[0], forms[1]
	w["gabarit"] = e.createCourse(demo.AcademyA, "GAB", e.category(demo.AcademyA, domains.CatGabarit))
	j := e.runJob(e.transition(workflow.CreateParcours, demo.AcademyA, w["gabarit"],
		workflow.Params{Name: "Parcours lecture", ShortName: "PARC", CreatorID: w["formateur"]}))
	w["parcours"] = resultOf[workflow.Copied](e.t, j).CourseID
	return w
}

// sessions: parcours with two sessions, metadata set, participants enrolled.
func (e *crashEnv) sessions() world {
	w := e.parcours()
	j := e.runJob(e.transition(workflow.CreateSessions, demo.AcademyA, w["parcours"], sessionParams(w)))
	res := resultOf[workflow.SessionsResult](e.t, j)
	w["s1"], w["s2"] = res.Sessions[0].CourseID, res.Sessions[1].CourseID
	parts := e.createUsers(demo.AcademyA, "part", 3)
	for _, s := range []int64{w["s1"], w["s2"]} {
		e.runJob(e.transition(workflow.SetMetadata, demo.AcademyA, s, workflow.Params{InPersonMinutes: intp(180), Objectives: "Lire"}))
		var rows []moodle.Enrolment
		for _, u := range parts {
			rows = append(rows, moodle.Enrolment{RoleID: 5, UserID: moodle.Int(u), CourseID: moodle.Int(s)})
		}
		if err := e.client(demo.AcademyA).EnrolUsers(e.ctx, rows); err != nil {
			e.t.Fatal(err)
		}
	}
	return w
}

func sessionParams(w world) workflow.Params {
	return workflow.Params{Name: "Lire au CP", Start: "2027-01-11", End: "2027-02-12", Participants: 30, Max: 20,
		Formateurs: []int64{w["formateur2"]}, CreatorID: w["formateur"], RemoteMinutes: intp(360)}
}

func intp(v int) *int { return &v }

// crashCase is one mutating command: what exists before it, and the job
// it submits.
type crashCase struct {
	name    string
	setup   func(e *crashEnv) world
	command func(e *crashEnv, w world) (store.Job, error)
}

var crashCases = []crashCase{
	{name: "workflow create-parcours", setup: func(e *crashEnv) world {
		w := world{"formateur": e.createUsers(demo.AcademyA, "form", 1)[0]}
		w["gabarit"] = e.createCourse(demo.AcademyA, "GAB", e.category(demo.AcademyA, domains.CatGabarit))
		return w
	}, command: func(e *crashEnv, w world) (store.Job, error) {
		return e.transition(workflow.CreateParcours, demo.AcademyA, w["gabarit"],
			workflow.Params{Name: "Parcours lecture", ShortName: "PARC", CreatorID: w["formateur"]})
	}},
	{name: "sessions create", setup: (*crashEnv).parcours, command: func(e *crashEnv, w world) (store.Job, error) {
		return e.transition(workflow.CreateSessions, demo.AcademyA, w["parcours"], sessionParams(w))
	}},
	{name: "workflow set-metadata", setup: (*crashEnv).parcours, command: func(e *crashEnv, w world) (store.Job, error) {
		return e.transition(workflow.SetMetadata, demo.AcademyA, w["parcours"],
			workflow.Params{RemoteMinutes: intp(120), InPersonMinutes: intp(60), Objectives: "Lire"})
	}},
	{name: "workflow demonstrate", setup: func(e *crashEnv) world {
		w := e.parcours()
		e.runJob(e.transition(workflow.SetMetadata, demo.AcademyA, w["parcours"],
			workflow.Params{RemoteMinutes: intp(120), InPersonMinutes: intp(60), Objectives: "Lire"}))
		return w
	}, command: func(e *crashEnv, w world) (store.Job, error) {
		return e.transition(workflow.Demonstrate, demo.AcademyA, w["parcours"], workflow.Params{})
	}},
	{name: "workflow open", setup: (*crashEnv).sessions, command: func(e *crashEnv, w world) (store.Job, error) {
		return e.transition(workflow.Open, demo.AcademyA, w["s1"], workflow.Params{})
	}},
	{name: "workflow open-self-enrolment", setup: (*crashEnv).sessions, command: func(e *crashEnv, w world) (store.Job, error) {
		return e.transition(workflow.OpenSelfEnrolment, demo.AcademyA, w["s1"], workflow.Params{Offer: "local"})
	}},
	{name: "workflow duplicate", setup: (*crashEnv).sessions, command: func(e *crashEnv, w world) (store.Job, error) {
		return e.transition(workflow.Duplicate, demo.AcademyA, w["s1"], workflow.Params{Name: "Copie", ShortName: "COPIE", WithUsers: true})
	}},
	{name: "workflow trash", setup: (*crashEnv).sessions, command: func(e *crashEnv, w world) (store.Job, error) {
		return e.transition(workflow.Trash, demo.AcademyA, w["s2"], workflow.Params{})
	}},
	{name: "workflow restore", setup: func(e *crashEnv) world {
		w := e.sessions()
		e.runJob(e.transition(workflow.Trash, demo.AcademyA, w["s2"], workflow.Params{}))
		return w
	}, command: func(e *crashEnv, w world) (store.Job, error) {
		return e.transition(workflow.Restore, demo.AcademyA, w["s2"], workflow.Params{})
	}},
	{name: "archive", setup: func(e *crashEnv) world {
		w := e.sessions()
		e.runJob(e.transition(workflow.Open, demo.AcademyA, w["s1"], workflow.Params{}))
		return w
	}, command: func(e *crashEnv, w world) (store.Job, error) {
		j, _, err := e.arch.Submit(e.ctx, archive.Request{Domain: demo.AcademyA, CourseID: w["s1"], Backup: true, Notify: true, RequestedBy: "crash-suite"})
		return j, err
	}},
	{name: "unarchive", setup: func(e *crashEnv) world {
		w := e.sessions()
		e.runJob(e.transition(workflow.Open, demo.AcademyA, w["s1"], workflow.Params{}))
		j, _, err := e.arch.Submit(e.ctx, archive.Request{Domain: demo.AcademyA, CourseID: w["s1"], RequestedBy: "crash-suite"})
		e.runJob(j, err)
		return w
	}, command: func(e *crashEnv, w world) (store.Job, error) {
		j, _, err := e.arch.SubmitUnarchive(e.ctx, archive.UnarchiveRequest{Domain: demo.AcademyA, CourseID: w["s1"], RequestedBy: "crash-suite"})
		return j, err
	}},
	{name: "archive auto", setup: func(e *crashEnv) world {
		w := e.sessions()
		e.runJob(e.transition(workflow.Open, demo.AcademyA, w["s1"], workflow.Params{}))
		// Ended on a fixed day (the end state is compared to the second).
		end := time.Date(2026, 1, 16, 23, 59, 59, 0, time.UTC).Unix()
		start := end - 7*24*3600
		for _, s := range []int64{w["s1"], w["s2"]} {
			if _, err := e.client(demo.AcademyA).UpdateCourses(e.ctx, []moodle.CourseUpdate{{ID: moodle.Int(s), StartDate: &start, EndDate: &end}}); err != nil {
				e.t.Fatal(err)
			}
		}
		return w
	}, command: func(e *crashEnv, w world) (store.Job, error) {
		list, err := e.arch.AutoCandidates(e.ctx, demo.AcademyA)
		if err != nil || len(list) != 2 {
			e.t.Fatalf("auto candidates = %+v, %v; want the 2 sessions", list, err)
		}
		j, _, err := e.arch.SubmitBatch(e.ctx, archive.KindAuto, archive.BatchPayload{Domain: demo.AcademyA, Courses: list,
			Backup: true, Notify: true}, "crash-suite")
		return j, err
	}},
	{name: "offer approve and deploy", setup: func(e *crashEnv) world {
		w := world{}
		w["source"] = e.createCourse(demo.National, "NAT", e.category(demo.National, domains.CatDemonstration))
		remote, inperson := 180, 360
		if err := e.a.Store.SetCourseMetadata(e.ctx, demo.National, w["source"], store.CourseMetadata{RemoteMinutes: &remote,
			InPersonMinutes: &inperson, Objectives: "Écrire"}); err != nil {
			e.t.Fatal(err)
		}
		j, err := e.off.SubmitShare(e.ctx, offer.ShareRequest{Domain: demo.National, CourseID: w["source"], RequestedBy: "dgesco",
			Indexing: offer.Indexing{Origin: "DGESCO", Publics: []string{"Professeurs des écoles"}}})
		e.runJob(j, err)
		o, err := e.a.Store.OfferByCourse(e.ctx, store.OfferParcours, demo.National, w["source"])
		if err != nil {
			e.t.Fatal(err)
		}
		req, err := e.off.Request(e.ctx, offer.RequestInput{OfferID: o.ID, TargetDomain: demo.AcademyA, RequestedBy: "formateur",
			RequesterUserID: 2, Name: "Écrire (ac-a)", ShortName: "AC-A-ECR"})
		if err != nil {
			e.t.Fatal(err)
		}
		w["request"] = req.ID
		return w
	}, command: func(e *crashEnv, w world) (store.Job, error) {
		_, j, err := e.off.Approve(e.ctx, w["request"], "gestionnaire")
		return j, err
	}},
	{name: "enrol", setup: (*crashEnv).sessions, command: func(e *crashEnv, w world) (store.Job, error) {
		var b strings.Builder
		b.WriteString("Nom;Prénom;Courriel\n")
		for i := 0; i < 6; i++ {
			fmt.Fprintf(&b, "CSV%d;Prénom;csv%d@ac-a.fr\n", i, i)
		}
		file := []byte(b.String())
		p := enrol.JobPayload{File: file, Options: enrol.PlanOptions{CourseIDs: []int64{w["s1"], w["s2"]}, MaxPerSession: 4, Unknown: "create"}}
		j, _, err := e.a.Queue.Submit(e.ctx, jobs.Spec{Kind: enrol.KindApply, Domain: demo.AcademyA, Payload: p,
			Key: enrol.JobKey(demo.AcademyA, enrol.FileSHA256(file), p.Options), RequestedBy: "crash-suite"})
		return j, err
	}},
	{name: "retention run", setup: func(e *crashEnv) world {
		w := e.sessions()
		e.runJob(e.transition(workflow.Trash, demo.AcademyA, w["s2"], workflow.Params{}))
		return w
	}, command: func(e *crashEnv, w world) (store.Job, error) {
		e.arch.SetClock(func() time.Time { return time.Now().Add(31 * 24 * time.Hour) })
		list, err := e.arch.RetentionCandidates(e.ctx, demo.AcademyA)
		if err != nil || len(list) != 1 {
			e.t.Fatalf("retention candidates = %+v, %v; want the trashed session", list, err)
		}
		j, _, err := e.arch.SubmitBatch(e.ctx, archive.KindRetention, archive.BatchPayload{Domain: demo.AcademyA, Courses: list}, "crash-suite")
		return j, err
	}},
	{name: "gaia sync", setup: func(e *crashEnv) world {
		w := e.sessions()
		for _, name := range []string{"formations_ac-a_2026.csv", "intervenants_ac-a_2026.csv", "stagiaires_ac-a_2026.csv"} {
			data, err := os.ReadFile(filepath.Join("..", "gaia", "testdata", name))
			if err != nil {
				e.t.Fatal(err)
			}
			f, err := gaia.Parse(name, data, "")
			if err != nil {
				e.t.Fatal(err)
			}
			if _, err := gaia.Import(e.ctx, e.a.Store, demo.AcademyA, f); err != nil {
				e.t.Fatal(err)
			}
		}
		if err := e.a.Store.LinkGaiaSession(e.ctx, store.GaiaLink{Domain: demo.AcademyA, CourseID: w["s1"],
			SessionKey: "26A0010123/45001/1", LinkedBy: "crash-suite"}); err != nil {
			e.t.Fatal(err)
		}
		return w
	}, command: func(e *crashEnv, w world) (store.Job, error) {
		j, _, err := e.a.Queue.Submit(e.ctx, jobs.Spec{Kind: gaia.KindSync, Domain: demo.AcademyA,
			Payload: gaia.SyncPayload{Domain: demo.AcademyA}, Key: "gaia-sync:crash-suite", RequestedBy: "crash-suite"})
		return j, err
	}},
}

// TestCrashAtEachCheckpointConverges runs every command uninterrupted,
// then crashed at each of its points, and compares the end states.
func TestCrashAtEachCheckpointConverges(t *testing.T) {
	for _, c := range crashCases {
		t.Run(c.name, func(t *testing.T) {
			ref := newCrashEnv(t, nil)
			w := c.setup(ref)
			ref.command(func() (store.Job, error) { return c.command(ref, w) })
			want := ref.snapshot(w)
			points := append([]jobs.CrashPoint(nil), ref.seen...)
			if len(points) < 2 {
				t.Fatalf("%d crash points: the job ran no checkpointed step", len(points))
			}
			if !crashLong() && len(points) > 6 {
				points = spread(points, 6)
			}
			for _, at := range points {
				e := newCrashEnv(t, &at)
				w := c.setup(e)
				e.command(func() (store.Job, error) { return c.command(e, w) })
				if e.armed {
					t.Fatalf("crash %s: the point was never reached again", at)
				}
				if diff := compare(want, e.snapshot(w)); diff != "" {
					t.Errorf("crash %s: the end state differs from an uninterrupted run:\n%s", at, diff)
				}
			}
			t.Logf("%d crash points: %v", len(points), points)
		})
	}
}

// crashLong: every point of every command (CI); otherwise at most 6 per
// command, spread over the job, first and last included.
func crashLong() bool { return os.Getenv("BRIDGE_LONG_TESTS") != "" }

func spread(points []jobs.CrashPoint, n int) []jobs.CrashPoint {
	out := make([]jobs.CrashPoint, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, points[i*(len(points)-1)/(n-1)])
	}
	return out
}

// snapshot is the end state, without ids nor times: every site's
// lasting state (its message count included: a notice recorded before a
// crash is not sent again, package notice) and write ledger, and the
// bridge's record of each course, by shortname.
func (e *crashEnv) snapshot(w world) []string {
	var out []string
	names := map[string]string{} // "dom/course id" -> shortname
	for _, dom := range []string{demo.National, demo.AcademyA, demo.AcademyB} {
		site := e.sim.Site(dom)
		for _, l := range site.Snapshot() {
			out = append(out, dom+" moodle "+l)
		}
		for k, n := range site.Writes() {
			out = append(out, fmt.Sprintf("%s ledger %s x%d", dom, k, n))
		}
		states, err := e.a.Store.ListCourseStates(e.ctx, dom)
		if err != nil {
			e.t.Fatal(err)
		}
		// Purged courses have no state any more, but their trail stays.
		purges, err := e.a.Store.ListPurges(e.ctx, dom)
		if err != nil {
			e.t.Fatal(err)
		}
		purged := map[int64]string{}
		for _, p := range purges {
			purged[p.CourseID] = p.ShortName
			states = append(states, store.CourseState{Domain: dom, CourseID: p.CourseID, State: "purged"})
		}
		for _, cs := range states {
			short := site.ShortnameOf(int(cs.CourseID))
			if n, ok := purged[cs.CourseID]; ok {
				short = n
			}
			names[fmt.Sprintf("%s/%d", dom, cs.CourseID)] = short
			out = append(out, fmt.Sprintf("%s state %s: %s %s origin=%s/%s visible=%v", dom, short, cs.State, cs.Variant,
				cs.OriginState, cs.OriginVariant, cs.OriginVisible))
			trail, err := e.a.Store.ListTransitions(e.ctx, dom, cs.CourseID)
			if err != nil {
				e.t.Fatal(err)
			}
			for i, tr := range trail {
				out = append(out, fmt.Sprintf("%s trail %s #%d: %s %s -> %s", dom, short, i, tr.Transition, tr.From, tr.To))
			}
			// The archive record goes with the state change (one transaction).
			recs, err := e.a.Store.ListArchiveRecords(e.ctx, dom, cs.CourseID)
			if err != nil {
				e.t.Fatal(err)
			}
			for i, r := range recs {
				out = append(out, fmt.Sprintf("%s archive %s #%d: from %s, active=%v notified=%d", dom, short, i, r.PrevState, r.Active(), r.Notified))
			}
		}
	}
	audit, err := e.a.Store.ListAudit(e.ctx, store.AuditFilter{Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	course := regexp.MustCompile(`^course:(\d+)$`)
	for _, a := range audit {
		target := a.Target
		if m := course.FindStringSubmatch(target); m != nil {
			if n, ok := names[a.Domain+"/"+m[1]]; ok {
				target = "course:" + n
			}
		}
		out = append(out, fmt.Sprintf("audit %s %s %s %s", a.Domain, a.Action, target, a.Outcome))
	}
	sort.Strings(out)
	return out
}

// compare lists the lines only one side has.
func compare(want, got []string) string {
	count := map[string]int{}
	for _, l := range want {
		count[l]++
	}
	for _, l := range got {
		count[l]--
	}
	var diff []string
	for l, n := range count {
		switch {
		case n > 0:
			diff = append(diff, fmt.Sprintf("  missing (x%d): %s", n, l))
		case n < 0:
			diff = append(diff, fmt.Sprintf("  extra   (x%d): %s", -n, l))
		}
	}
	sort.Strings(diff)
	return strings.Join(diff, "\n")
}
