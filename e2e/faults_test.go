package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The fault matrix on the real sites: `bridge moodlesim --proxy` stands in
// front of them and fails a share of the calls (25% 5xx, 10% timeouts,
// 10% fail-after-commit: Moodle commits, the bridge gets a 500); enrol,
// sessions create and archive go through it, and the Moodle state they
// leave must be the one a clean run leaves (the simulator's half of the
// scenario runs without faults: the comparison is with a clean run).

// proxyFaults is the matrix. timeout_max bounds a hang: the proxy drops the
// connection after it, as a client timeout would, without waiting the
// bridge's 60 s per call.
const proxyFaults = "5xx=0.25,timeout=0.1,after_commit=0.1,timeout_max=3s,seed=20"

// maxReruns is how many times an operator re-runs a failed command (4,
// or BRIDGE_E2E_FAULT_RERUNS; 0 demands that every command succeeds at its
// first run). A run that needs reruns is logged; the state must still come
// out exact.
func maxReruns() int {
	if n, err := strconv.Atoi(os.Getenv("BRIDGE_E2E_FAULT_RERUNS")); err == nil && n >= 0 {
		return n
	}
	return 4
}

// faultProxy is a running `bridge moodlesim --proxy`.
type faultProxy struct {
	cmd  *exec.Cmd
	addr string
	out  *bytes.Buffer
}

// startFaultProxy runs the real binary as a proxy in front of the target's
// sites, each under /<name>/.
func startFaultProxy(t *testing.T, tg *target, faults string) *faultProxy {
	t.Helper()
	var targets []string
	for _, s := range tg.sites {
		targets = append(targets, s.name+"="+s.url)
	}
	addrFile := filepath.Join(t.TempDir(), "proxy.addr")
	cmd := exec.Command(binPath, "moodlesim", "--proxy", strings.Join(targets, ","), "--listen", "127.0.0.1:0", "--faults", faults)
	cmd.Env = append(os.Environ(), "BRIDGE_ADDR_FILE="+addrFile)
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{cmd: cmd, out: out}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		t.Logf("fault proxy: %s", strings.TrimSpace(out.String()))
	})
	for range 300 {
		if b, err := os.ReadFile(addrFile); err == nil && len(b) > 0 {
			p.addr = strings.TrimSpace(string(b))
			return p
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the fault proxy did not start: %s", out.String())
	return nil
}

// throughFaults returns an env on the same store as e whose domains are
// reached through a fault proxy (real sites only; on the simulator, e
// itself: the clean run).
func (e *env) throughFaults(faults string) *env {
	e.t.Helper()
	if e.tg.kind != "real" {
		return e
	}
	p := startFaultProxy(e.t, e.tg, faults)
	raw, err := os.ReadFile(e.config)
	if err != nil {
		e.t.Fatal(err)
	}
	cfg := string(raw)
	for _, s := range e.tg.sites {
		cfg = strings.ReplaceAll(cfg, "wwwroot: "+s.url+"\n", "wwwroot: http://"+p.addr+"/"+s.name+"\n")
	}
	path := filepath.Join(e.dir, "bridge-faults.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		e.t.Fatal(err)
	}
	f := *e
	f.config = path
	return &f
}

// okRerun runs a command until it succeeds, at most 1+maxReruns times, and
// returns its stdout and how many runs it took.
func (e *env) okRerun(args ...string) (string, int) {
	e.t.Helper()
	for attempt := 1; ; attempt++ {
		r := e.bridge(args...)
		if r.code == 0 {
			if attempt > 1 {
				e.t.Logf("[%s] bridge %s: succeeded at run %d", e.tg.kind, args[0], attempt)
			}
			return r.stdout, attempt
		}
		e.t.Logf("[%s] bridge %s: run %d failed (exit %d): %s", e.tg.kind, strings.Join(args[:min(2, len(args))], " "), attempt, r.code, lastLines(r.stderr, 4))
		if attempt > maxReruns() {
			e.t.Fatalf("[%s] bridge %s still fails after %d runs\nstdout:\n%s\nstderr:\n%s", e.tg.kind, strings.Join(args, " "), attempt, tail(r.stdout), tail(r.stderr))
		}
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], " | ")
}

func TestFaultProxyEnrolSessionsArchive(t *testing.T) {
	people := 300
	run(t, "faults-proxy", func(e *env) *state {
		e.needsContextLocking("academie")
		// Set-up over clean connections: a session course to enrol into
		// and a parcours to make sessions of.
		course := e.enrolCourse("E2E-FLT-ENR")
		parc := e.parcours("academie", "E2E-FLT")
		f := e.throughFaults(proxyFaults)

		var b strings.Builder
		b.WriteString("Nom;Prénom;Mail;Fonction\n")
		var emails []string
		dom := mailDomain("faults")
		for i := range people {
			email := fmt.Sprintf("p%03d@%s", i, dom)
			emails = append(emails, email)
			fmt.Fprintf(&b, "FAUTE%03d;Personne%03d;%s;Professeur\n", i, i, email)
		}
		csv := e.writeCSV("faults.csv", []byte(b.String()))
		start := time.Now()
		_, runs := f.okRerun("enrol", "--domain", "academie", "--course", course, "--csv", csv, "--unknown", "create", "--auth", "manual")
		e.t.Logf("[%s] enrol of %d people: %d run(s), %v", e.tg.kind, people, runs, time.Since(start).Round(time.Second))

		start = time.Now()
		_, runs = f.okRerun("sessions", "create", "--domain", "academie", "--from", parc, "--name", "Fautes E2E",
			"--start", "2026-09-07", "--end", "2026-10-09", "--participants", "10", "--max", "25")
		e.t.Logf("[%s] sessions create: %d run(s), %v", e.tg.kind, runs, time.Since(start).Round(time.Second))
		sess := parc + "-S1"

		start = time.Now()
		_, runs = f.okRerun("archive", "--domain", "academie", "--course", sess)
		e.t.Logf("[%s] archive: %d run(s), %v", e.tg.kind, runs, time.Since(start).Round(time.Second))
		e.checkFrozen("academie", sess, true)

		want := map[string]string{}
		for _, m := range emails {
			want[m] = "student|"
		}
		e.wantEnrolled(course, want)
		if db := e.realDB("academie"); db != nil {
			if n := db.count("SELECT COUNT(*) FROM mdl_user WHERE email LIKE ? AND deleted = 0", "%@"+dom); n != people {
				e.t.Errorf("[real] %d accounts under @%s, want %d (no duplicate from a retried creation)", n, dom, people)
			}
			if n := db.count("SELECT COUNT(*) FROM mdl_course WHERE shortname LIKE ?", parc+"-S%"); n != 1 {
				e.t.Errorf("[real] %d session courses of %s, want 1", n, parc)
			}
		}
		st := newState()
		e.snapCourse(st, "academie", course)
		e.snapUsers(st, "academie", emails...)
		e.snapCourse(st, "academie", sess)
		st.set("state "+sess, "%s", e.recordedState("academie", sess))
		return st
	})
}
