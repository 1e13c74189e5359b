// Package demo runs the bridge's whole workflow on an embedded default: a
// Moodle-compatible test server with a national site and two academy
// sites, an embedded SQLite store and the job workers, all in one process.
// Each capability adds a chapter (chapter_<feature>.go); `bridge demo`
// runs them in order and prints each step with its progress.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"time"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/app"
	"github.com/magistere/bridge/internal/config"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodlesim"
	"github.com/magistere/bridge/internal/store"
)

// Site names of the demo fleet.
const (
	National = "national"
	AcademyA = "ac-a"
	AcademyB = "ac-b"
)

// Chapter is one part of the demonstration.
type Chapter struct {
	Order int
	Name  string
	Run   func(e *Env) error
}

var chapters []Chapter

// Register adds a chapter; features call it from an init function.
func Register(c Chapter) { chapters = append(chapters, c) }

// ChapterNames lists the chapters in their running order.
func ChapterNames() []string {
	sorted := append([]Chapter(nil), chapters...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Order < sorted[j].Order })
	names := make([]string, len(sorted))
	for i, c := range sorted {
		names[i] = c.Name
	}
	return names
}

// Env is what a chapter works with.
type Env struct {
	Ctx    context.Context
	App    *app.App
	Sim    *moodlesim.Server
	SimURL string
	OutDir string
	Out    io.Writer
	// State lets chapters hand results to later ones (course ids...).
	State map[string]any

	faults    moodlesim.FaultSpec
	faultRuns int64
}

// Options of a demo run.
type Options struct {
	OutDir string    // "" = a temporary folder, removed at the end
	Out    io.Writer // where steps are printed
	Log    io.Writer // where the bridge's own logs go (nil = discarded)
	Only   []string  // chapter names to run; empty = all
	// Cost makes the test sites take as long as a real Moodle 4.5 (e.g.
	// moodlesim.RealMoodle45); zero runs them at the simulator's speed.
	Cost moodlesim.CostModel
	// Faults are injected by the test sites while the demo waits for a job
	// (set-up and checks run over clean calls), with a new seed per job.
	Faults moodlesim.FaultSpec
	// MaxAttempts and MaxBackoff override the jobs' retry policy when set.
	MaxAttempts int
	MaxBackoff  time.Duration
	// AfterChapter, when set, is called after each chapter succeeded.
	AfterChapter func(name string, e *Env)
}

// Run starts everything in-process and runs every chapter.
func Run(ctx context.Context, opts Options) error {
	outDir, cleanup, err := prepareOutDir(opts.OutDir)
	if err != nil {
		return err
	}
	defer cleanup()
	e, stop, err := start(ctx, outDir, opts)
	if err != nil {
		return err
	}
	defer stop()
	sorted := append([]Chapter(nil), chapters...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Order < sorted[j].Order })
	for _, c := range sorted {
		if len(opts.Only) > 0 && !contains(opts.Only, c.Name) {
			continue
		}
		fmt.Fprintf(e.Out, "\n== %s\n", c.Name)
		if err := c.Run(e); err != nil {
			return fmt.Errorf("demo chapter %q: %w", c.Name, err)
		}
		if opts.AfterChapter != nil {
			opts.AfterChapter(c.Name, e)
		}
	}
	fmt.Fprintf(e.Out, "\ndemo complete: every step succeeded (output in %s)\n", describeOut(opts.OutDir, outDir))
	return nil
}

func describeOut(asked, used string) string {
	if asked == "" {
		return "a temporary folder, now removed; use --out DIR to keep it"
	}
	return used
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func prepareOutDir(dir string) (string, func(), error) {
	if dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", nil, fmt.Errorf("create output folder: %w", err)
		}
		return dir, func() {}, nil
	}
	tmp, err := os.MkdirTemp("", "bridge-demo-")
	if err != nil {
		return "", nil, fmt.Errorf("create temporary folder: %w", err)
	}
	return tmp, func() { os.RemoveAll(tmp) }, nil
}

// start boots the test sites on a loopback port, the store and the workers.
func start(ctx context.Context, outDir string, opts Options) (*Env, func(), error) {
	token := os.Getenv("BRIDGE_DEMO_TOKEN") // lets tests grep the logs for it
	if token == "" {
		token = randomToken()
	}
	sim := moodlesim.New(moodlesim.Options{Sites: []string{National, AcademyA, AcademyB}, Token: token, Cost: opts.Cost})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, fmt.Errorf("listen for the test sites: %w", err)
	}
	srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	simURL := "http://" + ln.Addr().String()

	cfg := Config(outDir, simURL, token)
	if opts.MaxAttempts > 0 {
		cfg.Jobs.MaxAttempts = opts.MaxAttempts
	}
	if opts.MaxBackoff > 0 {
		cfg.Jobs.MaxBackoff = opts.MaxBackoff
	}
	logOut := opts.Log
	if logOut == nil {
		logOut = io.Discard
	}
	log := zerolog.New(logOut).With().Timestamp().Logger()
	a, err := app.Open(ctx, cfg, log, app.Options{PollEvery: 50 * time.Millisecond})
	if err != nil {
		srv.Close()
		return nil, nil, err
	}
	a.StartWorkers(ctx)
	out := opts.Out
	if out == nil {
		out = io.Discard
	}
	e := &Env{Ctx: ctx, App: a, Sim: sim, SimURL: simURL, OutDir: outDir, Out: out, State: map[string]any{}, faults: opts.Faults}
	stop := func() {
		a.Close() // ends the workers first
		srv.Close()
	}
	return e, stop, nil
}

// Config is the demo's configuration: three domains on the test server.
func Config(outDir, simURL, token string) *config.Config {
	cfg := config.Defaults()
	cfg.DataDir = outDir
	cfg.National = National
	cfg.Jobs.Workers = 4
	for _, d := range []struct{ name, zone string }{{National, "C"}, {AcademyA, "A"}, {AcademyB, "B"}} {
		cfg.Domains = append(cfg.Domains, config.Domain{
			Name: d.name, WWWRoot: simURL + "/" + d.name, Token: token, Secret: demoSecret(d.name),
			Zone: d.zone, MaxInputVars: 5000, Concurrency: 4, Timeout: 30 * time.Second,
			Unknown: "create", CreateAuth: "manual", Roles: copyRoles(),
		})
	}
	return &cfg
}

// demoSecret is a fresh random secret per run and domain, as long and as
// distinct as `config check` wants them.
func demoSecret(domain string) string {
	b := make([]byte, 32)
	rand.Read(b)
	return "demo-secret-" + domain + "-" + hex.EncodeToString(b)
}

func copyRoles() map[string]string {
	m := map[string]string{}
	for k, v := range config.DefaultRoles {
		m[k] = v
	}
	return m
}

func randomToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Step prints one step of a chapter.
func (e *Env) Step(format string, args ...any) {
	fmt.Fprintf(e.Out, "  - %s\n", fmt.Sprintf(format, args...))
}

// RunJob submits a job and waits for it, printing its progress as it
// changes. It fails when the job does not succeed.
func (e *Env) RunJob(spec jobs.Spec) (store.Job, error) {
	if spec.RequestedBy == "" {
		spec.RequestedBy = "demo"
	}
	j, _, err := e.App.Queue.Submit(e.Ctx, spec)
	if err != nil {
		return j, err
	}
	return e.WaitJob(j.ID)
}

// WaitJob waits for a job to end (jobs.Wait), printing progress lines;
// five minutes at most.
func (e *Env) WaitJob(id int64) (store.Job, error) {
	if e.faults.Enabled() {
		spec := e.faults
		e.faultRuns++
		spec.Seed += e.faultRuns
		e.Sim.SetFaults(spec)
		defer e.Sim.SetFaults(moodlesim.FaultSpec{})
	}
	ctx, cancel := context.WithTimeout(e.Ctx, 5*time.Minute)
	defer cancel()
	last := ""
	return jobs.Wait(ctx, e.App.Store, id, nil, func(j store.Job) {
		if line := progressLine(j); line != "" && line != last {
			fmt.Fprintf(e.Out, "      %s\n", line)
			last = line
		}
	})
}

func progressLine(j store.Job) string {
	if j.ProgressTotal == 0 && j.ProgressMessage == "" {
		return ""
	}
	bar := ""
	if j.ProgressTotal > 0 {
		bar = fmt.Sprintf("%s %d/%d ", jobs.ProgressBar(j.ProgressDone, j.ProgressTotal, 20), j.ProgressDone, j.ProgressTotal)
	}
	return bar + j.ProgressMessage
}
