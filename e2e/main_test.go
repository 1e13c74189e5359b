// Package e2e is the end-to-end suite: every workflow driven through the
// real `bridge` binary against real Moodle 4.5 sites (scripts/real-moodle.sh)
// and, scenario by scenario, against moodlesim, whose resulting Moodle state
// must be the same once ids and timestamps are normalised.
//
// It runs when BRIDGE_E2E_ENV names the env file that
// `scripts/real-moodle.sh start` writes (scripts/test.sh sets it). Without
// it the suite says in one line that it did not run, and with CI=true that
// is a failure.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/moodle"
)

var (
	binPath string
	real    *target
	sim     *target
	// tag makes this run's names unique when the sites were not reset
	// (BRIDGE_E2E_NO_RESET, e.g. while a scenario is being written); the
	// state comparison strips it.
	tag string
	// tally counts scenarios for the closing line.
	tally struct {
		sync.Mutex
		passed, failed []string
	}
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	envFile := os.Getenv("BRIDGE_E2E_ENV")
	if envFile == "" {
		msg := "e2e: did not run: no real Moodle sites; start them with scripts/real-moodle.sh start (MOODLE_TREE=DIR for a Moodle 4.5 tree of your own) and set BRIDGE_E2E_ENV=$(RM_WORK)/env, or run scripts/test.sh"
		fmt.Println(msg)
		if os.Getenv("CI") == "true" {
			fmt.Println("e2e: 0 passed, 1 failed")
			return 1
		}
		return 0
	}
	vars, err := readEnv(envFile)
	if err != nil {
		fmt.Println("e2e:", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "bridge-e2e-")
	if err != nil {
		fmt.Println("e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	binPath = filepath.Join(dir, "bridge")
	build := exec.Command("go", "build", "-o", binPath, "../bridge")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Println("e2e: building the bridge binary:", err)
		return 1
	}
	if os.Getenv("BRIDGE_E2E_NO_RESET") != "" {
		tag = fmt.Sprintf("-%x", time.Now().UnixNano()%0xfffff)
	} else {
		// Every run starts from the sites' fresh snapshots, so ids are
		// the same from run to run.
		reset := exec.Command("bash", "../scripts/real-moodle.sh", "reset")
		reset.Env = append(os.Environ(), "RM_WORK="+vars["RM_WORK"])
		if out, err := reset.CombinedOutput(); err != nil {
			fmt.Printf("e2e: resetting the real sites: %v\n%s", err, out)
			return 1
		}
	}
	real, err = realTarget(vars, dir)
	if err != nil {
		fmt.Println("e2e:", err)
		return 1
	}
	simProc, err := startSim(dir, real.siteNames(), real.plainSites())
	if err != nil {
		fmt.Println("e2e:", err)
		return 1
	}
	defer simProc.Process.Kill()
	sim = simTargetFor(simProc.addr, real, dir)

	code := m.Run()
	tally.Lock()
	if code != 0 && len(tally.failed) == 0 {
		// A test that is not a scenario failed:
		// the closing line must not read as a clean run.
		tally.failed = append(tally.failed, "a test outside the scenarios (see --- FAIL above)")
	}
	if len(tally.failed) > 0 {
		fmt.Printf("e2e: failed scenarios: %s\n", strings.Join(tally.failed, ", "))
	}
	fmt.Printf("e2e: %d passed, %d failed\n", len(tally.passed), len(tally.failed))
	tally.Unlock()
	return code
}

func readEnv(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the real-Moodle env file %s: %w (run scripts/real-moodle.sh start)", path, err)
	}
	defer f.Close()
	vars := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			vars[k] = v
		}
	}
	if vars["RM_SITES"] == "" {
		return nil, fmt.Errorf("%s names no sites (RM_SITES)", path)
	}
	return vars, sc.Err()
}

// site is one Moodle site as the tests see it.
type site struct {
	name      string
	url       string
	token     string
	tokenFile string
	dsn       string // real sites only: the site's database
	tree      string // real sites only: the Moodle tree (PHP CLI scripts)
	plugins   bool   // local_bridge and the blocks installed
	client    *moodle.Client
	db        *sql.DB
}

// target is a set of sites: the real ones or their simulated twins.
type target struct {
	kind  string // "real" or "sim"
	sites []*site
	dir   string
}

func (tg *target) site(name string) *site {
	for _, s := range tg.sites {
		if s.name == name {
			return s
		}
	}
	panic("e2e: no site " + name)
}

func (tg *target) siteNames() []string {
	var out []string
	for _, s := range tg.sites {
		out = append(out, s.name)
	}
	return out
}

func (tg *target) plainSites() []string {
	var out []string
	for _, s := range tg.sites {
		if !s.plugins {
			out = append(out, s.name)
		}
	}
	return out
}

func newClient(s *site) (*moodle.Client, error) {
	return moodle.New(moodle.Site{Name: s.name, WWWRoot: s.url, Token: s.token},
		moodle.Options{Timeout: 120 * time.Second, Logger: zerolog.Nop()})
}

func realTarget(vars map[string]string, dir string) (*target, error) {
	tg := &target{kind: "real", dir: dir}
	for _, name := range strings.Split(vars["RM_SITES"], ",") {
		key := "RM_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		s := &site{name: name, url: vars[key+"_URL"], tokenFile: vars[key+"_TOKEN_FILE"], dsn: vars[key+"_DSN"],
			tree: vars[key+"_TREE"], plugins: vars[key+"_PLUGINS"] == "1"}
		tok, err := os.ReadFile(s.tokenFile)
		if err != nil {
			return nil, fmt.Errorf("site %s: token: %w", name, err)
		}
		s.token = strings.TrimSpace(string(tok))
		if s.client, err = newClient(s); err != nil {
			return nil, err
		}
		if s.db, err = sql.Open("mysql", s.dsn+"?parseTime=false&charset=utf8mb4"); err != nil {
			return nil, fmt.Errorf("site %s: database: %w", name, err)
		}
		tg.sites = append(tg.sites, s)
	}
	return tg, nil
}

type simProcess struct {
	*exec.Cmd
	addr string
}

const simToken = "e2e-sim-token-0123456789abcdef"

func startSim(dir string, names, plain []string) (*simProcess, error) {
	var extra []string
	if len(plain) > 0 {
		extra = []string{"--plain-sites", strings.Join(plain, ",")}
	}
	return startSimWith(dir, names, extra...)
}

// startSimWith starts a moodlesim with extra flags (e.g. --cost).
func startSimWith(dir string, names []string, extra ...string) (*simProcess, error) {
	addrFile := filepath.Join(dir, "sim.addr")
	args := append([]string{"moodlesim", "--listen", "127.0.0.1:0", "--token", simToken, "--sites", strings.Join(names, ",")}, extra...)
	cmd := exec.Command(binPath, args...)
	cmd.Env = append(os.Environ(), "BRIDGE_ADDR_FILE="+addrFile)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	for i := 0; i < 300; i++ {
		if b, err := os.ReadFile(addrFile); err == nil && len(b) > 0 {
			return &simProcess{cmd, strings.TrimSpace(string(b))}, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	return nil, fmt.Errorf("moodlesim did not start: %s", out.String())
}

func simTargetFor(addr string, real *target, dir string) *target {
	tg := &target{kind: "sim", dir: dir}
	tokenFile := filepath.Join(dir, "sim.token")
	os.WriteFile(tokenFile, []byte(simToken), 0o600)
	for _, r := range real.sites {
		s := &site{name: r.name, url: "http://" + addr + "/" + r.name, token: simToken, tokenFile: tokenFile, plugins: r.plugins}
		var err error
		if s.client, err = newClient(s); err != nil {
			panic(err)
		}
		tg.sites = append(tg.sites, s)
	}
	return tg
}

// env is one scenario's run on one target: its own bridge store and config.
type env struct {
	t      *testing.T
	tg     *target
	dir    string
	config string
	ctx    context.Context
}

// newEnv writes a bridge configuration for the target's sites with a fresh
// data_dir. extra is appended under every domain (indented YAML).
func newEnv(t *testing.T, tg *target, extra string) *env {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	fmt.Fprintf(&b, "data_dir: %s\nnational: national\nlog_format: console\nlog_level: warn\ndomains:\n", dir)
	zones := map[string]string{"national": "C", "academie": "B"}
	for _, s := range tg.sites {
		zone := zones[s.name]
		if zone == "" {
			zone = "A"
		}
		fmt.Fprintf(&b, "  - name: %s\n    wwwroot: %s\n    token_file: %s\n    zone: %s\n    secret: e2e-secret-%s-0123456789abcdef0123456789\n",
			s.name, s.url, s.tokenFile, zone, s.name)
		if extra != "" {
			b.WriteString(extra)
		}
	}
	cfg := filepath.Join(dir, "bridge.yaml")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, tg: tg, dir: dir, config: cfg, ctx: context.Background()}
}

type result struct {
	code           int
	stdout, stderr string
}

// bridge runs the binary with the scenario's configuration.
func (e *env) bridge(args ...string) result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, append([]string{"--config", e.config}, args...)...)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BRIDGE_") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	cmd.Dir = e.dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("[%s] bridge %v: %v", e.tg.kind, args, err)
	}
	return r
}

// ok runs a command that must succeed and returns its stdout.
func (e *env) ok(args ...string) string {
	e.t.Helper()
	r := e.bridge(args...)
	if r.code != 0 {
		e.t.Fatalf("[%s] bridge %s: exit %d\nstdout:\n%s\nstderr:\n%s", e.tg.kind, strings.Join(args, " "), r.code, tail(r.stdout), tail(r.stderr))
	}
	return r.stdout
}

func tail(s string) string {
	if len(s) > 3000 {
		return "…" + s[len(s)-3000:]
	}
	return s
}

// scenario is one workflow run on a target; it returns the Moodle state
// it produced, which must be the same on the real sites and the simulator.
type scenario func(e *env) *state

// run runs a scenario on the real sites, then on the simulator, and
// compares the states they leave.
func run(t *testing.T, name string, sc scenario) {
	runIn(t, name, func(t *testing.T, tg *target) *env { return newEnv(t, tg, "") }, sc)
}

// runIn is run with each target's environment made by envFor (extra
// configuration, a database on the real site…).
func runIn(t *testing.T, name string, envFor func(*testing.T, *target) *env, sc scenario) {
	ok := t.Run(name, func(t *testing.T) {
		var got [2]*state
		for i, tg := range []*target{real, sim} {
			tg := tg
			passed := t.Run(tg.kind, func(t *testing.T) {
				got[i] = sc(envFor(t, tg))
			})
			if !passed {
				return
			}
		}
		if d := got[0].diff(got[1]); d != "" {
			t.Errorf("the simulator's Moodle state differs from the real site's (real → sim):\n%s", d)
		}
	})
	tally.Lock()
	defer tally.Unlock()
	if ok {
		tally.passed = append(tally.passed, name)
	} else {
		tally.failed = append(tally.failed, name)
	}
}

// nm is a name unique to this run (see tag).
func nm(s string) string { return s + tag }
