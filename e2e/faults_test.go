package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The fault matrix on the real sites: `bridge moodlesim --proxy` stands in
// front of them and fails a share of the calls (25% 5xx, 10% timeouts,
// 10% fail-after-commit: Moodle commits, the bridge gets a 500, and 10%
// connection resets, half before Moodle runs the call and half after it
// committed); enrol, sessions create, archive, deploy, GAIA sync and
// tracking sync go through it, each command run once (no operator re-run:
// the jobs' own retries must suffice), and the Moodle state they leave
// must be the one a clean run leaves (the simulator's half of the scenario
// runs without faults: the comparison is with a clean run).

// proxyFaults is the matrix. timeout_max bounds a hang: the proxy drops the
// connection after it, as a client timeout would, without waiting the
// bridge's 60 s per call.
const proxyFaults = "5xx=0.25,timeout=0.1,after_commit=0.1,reset=0.05,reset_after=0.05,timeout_max=1s,seed=20"

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

// throughFaults returns an env on the same store as e whose domains (only
// the named ones, if any are named) are reached through a fault proxy
// (real sites only; on the simulator, e itself: the clean run).
func (e *env) throughFaults(faults string, only ...string) *env {
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
		if len(only) == 0 || slices.Contains(only, s.name) {
			cfg = strings.ReplaceAll(cfg, "wwwroot: "+s.url+"\n", "wwwroot: http://"+p.addr+"/"+s.name+"\n")
		}
	}
	path := filepath.Join(e.dir, "bridge-faults.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		e.t.Fatal(err)
	}
	f := *e
	f.config = path
	return &f
}

// okOnce runs a command once through the faults: it must succeed.
func (e *env) okOnce(what string, args ...string) string {
	e.t.Helper()
	start := time.Now()
	out := e.ok(args...)
	e.t.Logf("[%s] %s through the faults: %v", e.tg.kind, what, time.Since(start).Round(100*time.Millisecond))
	return out
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], " | ")
}

func TestFaultProxyEnrolSessionsArchive(t *testing.T) {
	people := 150
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
		f.okOnce(fmt.Sprintf("enrol of %d people", people), "enrol", "--domain", "academie", "--course", course, "--csv", csv,
			"--unknown", "create", "--auth", "manual")
		f.okOnce("sessions create", "sessions", "create", "--domain", "academie", "--from", parc, "--name", "Fautes E2E",
			"--start", "2026-09-07", "--end", "2026-10-09", "--participants", "10", "--max", "25")
		sess := parc + "-S1"
		f.okOnce("archive", "archive", "--domain", "academie", "--course", sess)
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

// TestFaultProxyDeployGaiaTracking: a national parcours deployed to the
// académie (offer approve runs the offer.deploy job), a GAIA sync creating
// and enrolling a session's people, and a tracking sync, each once through
// the faults; set-up (the parcours, its share and request, the GAIA files
// and link, the tracked session) over clean connections.
// faultPeople is the fault scenario's own set of GAIA people: it runs
// before the GAIA scenarios on the same real site.
const faultPeople = "flt"

func TestFaultProxyDeployGaiaTracking(t *testing.T) {
	run(t, "faults-proxy-deploy", func(e *env) *state {
		e.needsContextLocking("academie")
		orig := e.demoParcours("E2E-FLT-OFR", "Écrire au cycle 2")
		e.bootstrap("academie")
		offerID := e.shareOffer(orig)
		short := nm("E2E-FLT-OFR-AC")
		req := e.requestOffer(offerID, "academie", "Écrire au cycle 2 (fautes)", short)
		gsess := e.gaiaSession("E2E-FLT-GAIA")
		e.ok(append([]string{"gaia", "import", "--domain", "academie"}, e.gaiaFixturesOf(faultPeople)...)...)
		e.ok("gaia", "link", "--domain", "academie", "--course", gsess, "--session", "26a0010123/45001/1")
		e.withUnknownUsers("create")
		ts := e.trackedSession("E2E-FLT-TRK", 2)
		f := e.throughFaults(proxyFaults)

		out := f.okOnce("offer approve (deploy)", "offer", "approve", "--request", req)
		if !strings.Contains(out, "offer.deploy succeeded") {
			e.t.Errorf("[%s] approve through the faults: %s", e.tg.kind, out)
		}
		f.okOnce("gaia sync", "gaia", "sync", "--domain", "academie")
		tracking, source := "", "web services"
		if r := f.bridge("tracking", "sync", "--domain", "academie", "--course", ts.short); wsRefused(r) && e.tg.kind == "real" {
			// The bridge's role may not read other users' progress on the
			// real site: the database source, its web-service calls through
			// the faults.
			source = "database"
			tracking = newEnvDB(e.t, e.tg).throughFaults(proxyFaults).okOnce("tracking sync (database)",
				"tracking", "sync", "--domain", "academie", "--course", ts.short)
		} else if r.code != 0 {
			e.t.Fatalf("[%s] tracking sync through the faults: exit %d\n%s", e.tg.kind, r.code, r.stderr)
		} else {
			tracking = r.stdout
		}
		e.t.Logf("[%s] tracking sync from %s: %s", e.tg.kind, source, strings.TrimSpace(tracking))

		if n := e.offerCourseCount("academie", short); n != -1 && n != 1 {
			e.t.Errorf("[real] %d courses %s after a deployment through faults, want 1", n, short)
		}
		if got, want := e.gaiaEnrolled(gsess), gaiaPeopleOf(faultPeople); fmt.Sprint(got) != fmt.Sprint(want) {
			e.t.Errorf("[%s] GAIA session after a sync through faults: %v, want %v", e.tg.kind, got, want)
		}
		if db := e.realDB("academie"); db != nil {
			if n := db.count("SELECT COUNT(*) FROM mdl_user WHERE email LIKE ? AND deleted = 0", "%@"+gaiaMailDomainOf(faultPeople)); n != len(gaiaPeopleOf(faultPeople)) {
				e.t.Errorf("[real] %d GAIA accounts, want %d (no duplicate from a retried creation)", n, len(gaiaPeopleOf(faultPeople)))
			}
		}
		st := newState()
		e.snapCourse(st, "academie", short)
		for i, l := range e.courseContents("academie", e.mustCourse("academie", short).ID) {
			st.set(fmt.Sprintf("academie %s contents %d", short, i), "%s", l)
		}
		e.snapCourse(st, "academie", gsess)
		st.set("gaia "+gsess, "%v", e.gaiaEnrolled(gsess))
		st.set("tracking "+ts.short, "%s", ts.normOut(tracking))
		return st
	})
}
