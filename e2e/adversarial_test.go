package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/store"
)

// TestAdversarialReruns is the integrity issue's re-run suite on the real
// Moodle (and, compared, the simulator): mutating commands run again with
// the same arguments (no change at all), with other arguments (refused,
// the difference named, no change), after changes made by hand in Moodle
// (the bridge converges or refuses, it never rewrites them), and a
// `bridge serve` killed (SIGKILL) in the middle of an archive job, then
// restarted: the course ends as the uninterrupted archive of its twin.
func TestAdversarialReruns(t *testing.T) {
	run(t, "adversarial-reruns", func(e *env) *state {
		e.needsContextLocking("academie")
		e.shortLease() // the restarted serve takes the killed one's job over
		client := e.tg.site("academie").client
		parc := e.parcours("academie", "E2E-ADV")
		create := []string{"sessions", "create", "--domain", "academie", "--from", parc, "--name", "Adverse",
			"--start", "2026-09-07", "--end", "2026-10-09", "--participants", "60", "--max", "25"}
		e.ok(create...)
		s1, s2, s3 := parc+"-S1", parc+"-S2", parc+"-S3"
		snap := func() *state {
			st := newState()
			for _, s := range []string{s1, s2, s3} {
				e.snapCourse(st, "academie", s)
			}
			return st
		}
		same := func(what string, before *state) {
			e.t.Helper()
			if d := before.diff(snap()); d != "" {
				e.t.Errorf("[%s] %s changed the sessions:\n%s", e.tg.kind, what, d)
			}
		}

		// sessions create: the same arguments are a no-op; other ones are
		// refused with the difference named.
		first := snap()
		// (The same request answers with its first job: a no-op.)
		if out := e.ok(create...); strings.Contains(out, "(created)") && !strings.Contains(out, "same request as job") {
			e.t.Errorf("[%s] sessions create again created:\n%s", e.tg.kind, out)
		}
		same("sessions create again", first)
		other := append(append([]string{}, create[:len(create)-6]...), "--end", "2026-11-20", "--participants", "60", "--max", "25")
		r := e.bridge(other...)
		if r.code != 1 || !strings.Contains(r.stderr, "session_exists") || !strings.Contains(r.stderr, "2026-11-20") {
			e.t.Errorf("[%s] sessions create with another end: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		same("sessions create with other arguments", first)

		// By hand in Moodle: S2 renamed and hidden. The same command again
		// converges or refuses; either way it leaves the hand's work alone.
		hidden := 0
		if _, err := client.UpdateCourses(e.ctx, []moodle.CourseUpdate{{ID: moodle.Int(e.mustCourse("academie", s2).ID),
			FullName: "Renommée à la main", Visible: &hidden}}); err != nil {
			e.t.Fatal(err)
		}
		manual := snap()
		if r := e.bridge(create...); r.code != 0 && r.code != 1 {
			e.t.Errorf("[%s] sessions create after a hand change: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		same("sessions create after a hand change", manual)

		// enrol --remove-absent: the same file again writes nothing; after
		// someone unenrolled by hand, the file's people are enrolled again
		// and nobody else is touched.
		dom := mailDomain("adv")
		csv := "E-mail;Prénom;Nom;Rôle\n"
		for _, n := range []string{"ana", "ben", "cle", "dan", "eve"} {
			csv += fmt.Sprintf("%s.x@%s;%s;ADV;participant\n", n, dom, strings.ToUpper(n[:1])+n[1:])
		}
		file := e.writeCSV("adv.csv", []byte(csv))
		enrol := []string{"enrol", "--domain", "academie", "--course", s1, "--csv", file, "--unknown", "create", "--remove-absent", "--yes"}
		e.ok(enrol...)
		enrolled := snap()
		counts := e.dbCounts(s1)
		out := e.ok(enrol...)
		for _, what := range []string{"created", "enrolled", "unenrolled", "role_added"} {
			if n := enrolCount(out, what); n != 0 {
				e.t.Errorf("[%s] enrol again: %d %s\n%s", e.tg.kind, n, what, out)
			}
		}
		same("enrol again", enrolled)
		e.sameCounts("enrol again", counts, e.dbCounts(s1))
		ben := e.users("academie", "email", "ben.x@"+dom)
		if len(ben) != 1 {
			e.t.Fatalf("[%s] Ben's account: %d", e.tg.kind, len(ben))
		}
		if err := client.UnenrolUsers(e.ctx, []moodle.Unenrolment{{UserID: moodle.Int(ben[0].ID),
			CourseID: moodle.Int(e.mustCourse("academie", s1).ID)}}); err != nil {
			e.t.Fatal(err)
		}
		out = e.ok(enrol...)
		if enrolCount(out, "enrolled") != 1 || enrolCount(out, "created") != 0 || enrolCount(out, "unenrolled") != 0 {
			e.t.Errorf("[%s] enrol after a hand unenrolment:\n%s", e.tg.kind, out)
		}
		same("enrol after a hand unenrolment", enrolled)

		// attendance mark: again is unchanged; with someone unenrolled by
		// hand in the list, refused and nothing recorded (all or nothing).
		mark := func(who ...string) result {
			var mails []string
			for _, w := range who {
				mails = append(mails, w+".x@"+dom)
			}
			return e.bridge("attendance", "mark", "--domain", "academie", "--course", s1, "--users", strings.Join(mails, ","))
		}
		if r := mark("ana", "cle"); r.code != 0 || strings.Count(r.stdout, "-> Formation terminée") != 2 || strings.Contains(r.stdout, "unchanged") {
			e.t.Errorf("[%s] attendance mark: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		if r := mark("ana", "cle"); r.code != 0 || strings.Count(r.stdout, "(unchanged)") != 2 {
			e.t.Errorf("[%s] attendance mark again: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		dan := e.users("academie", "email", "dan.x@"+dom)
		if err := client.UnenrolUsers(e.ctx, []moodle.Unenrolment{{UserID: moodle.Int(dan[0].ID),
			CourseID: moodle.Int(e.mustCourse("academie", s1).ID)}}); err != nil {
			e.t.Fatal(err)
		}
		if r := mark("eve", "dan"); r.code != 1 || !strings.Contains(r.stderr, "not_participant") {
			e.t.Errorf("[%s] attendance mark of someone unenrolled by hand: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		if marked := e.attendance(e.mustCourse("academie", s1).ID); marked != 2 {
			e.t.Errorf("[%s] %d participants marked after a refused mark, want 2 (Ana, Clé)", e.tg.kind, marked)
		}
		e.ok(enrol...) // Dan back, as the file says
		same("enrol after a hand unenrolment, again", enrolled)

		// archive / unarchive of the hand-hidden S2: unarchive gives back
		// what the hand left (hidden), and again is a no-op.
		e.ok("archive", "--domain", "academie", "--course", s2)
		e.ok("unarchive", "--domain", "academie", "--course", s2)
		same("archive then unarchive", manualWithEnrolments(manual, enrolled, s1))
		if r := e.bridge("unarchive", "--domain", "academie", "--course", s2); r.code != 0 && r.code != 1 {
			e.t.Errorf("[%s] unarchive again: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		same("unarchive again", manualWithEnrolments(manual, enrolled, s1))

		// SIGKILL of `bridge serve` in the middle of S3's archive, then a
		// restart: S3 ends as S1's uninterrupted archive.
		e.ok("archive", "--domain", "academie", "--course", s1)
		killedMidJob := e.archiveKilled(s3)
		st := newState()
		a, b := newState(), newState()
		e.snapCourse(a, "academie", s1)
		e.snapCourse(b, "academie", s3)
		ref := map[string]string{}
		for k, v := range a.facts {
			if !strings.Contains(k, " enrolled ") { // S1 has the file's people
				ref[strings.Replace(k, s1, s3, 1)] = strings.NewReplacer(s1, s3, "1/3", "3/3").Replace(v)
			}
		}
		for k, v := range b.facts {
			if !strings.Contains(k, " enrolled ") && ref[k] != v {
				e.t.Errorf("[%s] after a kill mid-archive, %s = %s; uninterrupted: %s", e.tg.kind, k, v, ref[k])
			}
		}
		if s1State, s3State := e.recordedState("academie", s1), e.recordedState("academie", s3); s1State != s3State || s3State != "session_archivee" {
			e.t.Errorf("[%s] recorded states: uninterrupted %s, killed %s", e.tg.kind, s1State, s3State)
		}
		e.checkFrozen("academie", s3, true)
		if e.tg.kind == "real" && !killedMidJob {
			e.t.Error("[real] the archive job ended before the kill: the kill proved nothing")
		}
		for _, s := range []string{s1, s2, s3} {
			e.snapCourse(st, "academie", s)
			st.set("state "+strings.ReplaceAll(s, tag, ""), "%s", e.recordedState("academie", s))
		}
		return st
	})
}

// manualWithEnrolments is the state after the hand change with S1's
// enrolments as the enrol runs left them.
func manualWithEnrolments(manual, enrolled *state, s1 string) *state {
	out := newState()
	for k, v := range manual.facts {
		out.facts[k] = v
	}
	for k, v := range enrolled.facts {
		if strings.Contains(k, " course "+s1) {
			out.facts[k] = v
		}
	}
	return out
}

// archiveKilled queues course's archive and runs it through killedServe.
func (e *env) archiveKilled(course string) bool {
	e.t.Helper()
	c := e.mustCourse("academie", course)
	payload := fmt.Sprintf(`{"course_id":%d}`, c.ID)
	var sub struct{ ID int64 }
	if err := json.Unmarshal([]byte(e.ok("--format", "json", "jobs", "submit", "--kind", "archive.course", "--domain", "academie",
		"--payload", payload)), &sub); err != nil || sub.ID == 0 {
		e.t.Fatalf("[%s] jobs submit: %v", e.tg.kind, err)
	}
	return e.killedServe(sub.ID)
}

// killedServe runs `bridge serve` until the queued job has its first
// checkpoint, kills it (SIGKILL), and runs another serve until the job
// succeeds. It reports whether the kill came mid-job.
func (e *env) killedServe(job int64) bool {
	e.t.Helper()
	st, err := store.Open(e.ctx, "", e.dir)
	if err != nil {
		e.t.Fatal(err)
	}
	defer st.Close()
	first := e.startServe("serve1")
	mid := false
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		j, err := st.GetJob(e.ctx, job)
		if err != nil {
			e.t.Fatal(err)
		}
		steps, _ := st.Steps(e.ctx, job)
		if j.Finished() {
			break
		}
		if len(steps) > 0 {
			mid = true
			break
		}
	}
	first.Process.Signal(syscall.SIGKILL)
	first.Wait()
	second := e.startServe("serve2")
	defer func() { second.Process.Signal(syscall.SIGTERM); second.Wait() }()
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		j, err := st.GetJob(e.ctx, job)
		if err != nil {
			e.t.Fatal(err)
		}
		switch j.State {
		case store.JobSucceeded:
			return mid
		case store.JobFailed, store.JobCancelled:
			e.t.Fatalf("[%s] job %d after the kill: %s %s", e.tg.kind, job, j.State, j.LastError)
		}
	}
	e.t.Fatalf("[%s] job %d did not finish after the restart", e.tg.kind, job)
	return false
}

// attendance counts the participants marked "Formation terminée" in the
// scenario's store.
func (e *env) attendance(courseID int64) int {
	e.t.Helper()
	st, err := store.Open(e.ctx, "", e.dir)
	if err != nil {
		e.t.Fatal(err)
	}
	defer st.Close()
	marked, err := st.Attendance(e.ctx, "academie", courseID)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(marked)
}

// shortLease makes a killed serve's jobs taken over after 2 s.
func (e *env) shortLease() {
	e.t.Helper()
	f, err := os.OpenFile(e.config, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	defer f.Close()
	fmt.Fprint(f, "jobs:\n  lease_duration: 2s\n")
}

// TestOfferAdversarial: offer request and approve against what exists
// (integrity issue, case 2): a shortname held by an unrelated course is
// refused with that course named, and the course is untouched; the same
// request twice is refused; a deployment whose `bridge serve` is killed
// after its first checkpoint ends, after a restart, with one course.
func TestOfferAdversarial(t *testing.T) {
	run(t, "offer-adversarial", func(e *env) *state {
		e.shortLease()
		orig := e.demoParcours("E2E-OFRADV", "Écrire au cycle 2")
		_, gab := e.gabarit("academie", nm("E2E-OFRADV-GAB"))
		offerID := e.shareOffer(orig)
		before := newState()
		e.snapCourse(before, "academie", nm("E2E-OFRADV-GAB"))
		r := e.bridge("offer", "request", "--offer", fmt.Sprint(offerID), "--target", "academie", "--name", "Écrire (académie)",
			"--shortname", nm("E2E-OFRADV-GAB"))
		if r.code != 1 || !strings.Contains(r.stderr, "shortname_taken") || !strings.Contains(r.stderr, fmt.Sprint(gab)) {
			e.t.Errorf("[%s] request for a taken shortname: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		after := newState()
		e.snapCourse(after, "academie", nm("E2E-OFRADV-GAB"))
		if d := before.diff(after); d != "" {
			e.t.Errorf("[%s] the refused request changed the gabarit:\n%s", e.tg.kind, d)
		}
		short := nm("E2E-OFRADV-AC")
		req := e.requestOffer(offerID, "academie", "Écrire (académie)", short)
		r = e.bridge("offer", "request", "--offer", fmt.Sprint(offerID), "--target", "academie", "--name", "Écrire (académie)", "--shortname", short)
		if r.code != 1 || !(strings.Contains(r.stderr, "already_requested") || strings.Contains(r.stderr, "duplicate_request")) {
			e.t.Errorf("[%s] the same request again: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		out := e.ok("offer", "approve", "--request", req, "--no-wait")
		m := regexp.MustCompile(`job (\d+) offer.deploy`).FindStringSubmatch(out)
		if m == nil {
			e.t.Fatalf("[%s] approve --no-wait: %s", e.tg.kind, out)
		}
		var job int64
		fmt.Sscan(m[1], &job)
		mid := e.killedServe(job)
		if e.tg.kind == "real" && !mid {
			e.t.Error("[real] the deployment ended before the kill: the kill proved nothing")
		}
		if n := e.offerCourseCount("academie", short); n != -1 && n != 1 {
			e.t.Errorf("[real] %d courses %s after a killed deployment", n, short)
		}
		st := newState()
		e.snapCourse(st, "academie", short)
		e.snapCourse(st, "academie", nm("E2E-OFRADV-GAB"))
		st.set("state", "%s", e.recordedState("academie", short))
		st.set("state gabarit", "%s", e.recordedState("academie", nm("E2E-OFRADV-GAB")))
		return st
	})
}

// startServe starts `bridge serve` (its output in the scenario's folder).
func (e *env) startServe(name string) *exec.Cmd {
	e.t.Helper()
	cmd := exec.CommandContext(context.Background(), binPath, "--config", e.config, "serve", "--listen", "127.0.0.1:0")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BRIDGE_") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	cmd.Dir = e.dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		cmd.Process.Kill()
		os.WriteFile(filepath.Join(e.dir, name+".log"), out.Bytes(), 0o600)
	})
	return cmd
}

// TestWorkflowReruns: trash and restore run twice (the second time
// changes nothing, whether it succeeds as a no-op or refuses), and a
// transition asked on a session moved by hand in Moodle is refused as
// drifted, leaving the hand's move alone.
func TestWorkflowReruns(t *testing.T) {
	run(t, "workflow-reruns", func(e *env) *state {
		parc := e.parcours("academie", "E2E-WFRR")
		e.ok("sessions", "create", "--domain", "academie", "--from", parc, "--name", "Reprise",
			"--start", "2027-01-11", "--end", "2027-03-12", "--participants", "10", "--max", "25")
		sess := parc + "-S1"
		snap := func() *state {
			st := newState()
			e.snapCourse(st, "academie", sess)
			st.set("state", "%s", e.recordedState("academie", sess))
			return st
		}
		for _, tr := range []string{"trash", "restore"} {
			e.ok("workflow", "run", tr, "--domain", "academie", "--course", sess)
			done := snap()
			r := e.bridge("workflow", "run", tr, "--domain", "academie", "--course", sess)
			if r.code != 0 && r.code != 1 {
				e.t.Errorf("[%s] %s again: exit %d\n%s%s", e.tg.kind, tr, r.code, r.stdout, r.stderr)
			}
			if d := done.diff(snap()); d != "" {
				e.t.Errorf("[%s] %s again changed the session:\n%s", e.tg.kind, tr, d)
			}
		}
		archive := e.categoryID(e.bootstrap("academie"), "archive")
		if _, err := e.tg.site("academie").client.UpdateCourses(e.ctx, []moodle.CourseUpdate{{ID: moodle.Int(e.mustCourse("academie", sess).ID),
			CategoryID: moodle.Int(archive)}}); err != nil {
			e.t.Fatal(err)
		}
		moved := snap()
		r := e.bridge("workflow", "run", "trash", "--domain", "academie", "--course", sess)
		if r.code != 1 || !strings.Contains(r.stderr, "drifted") {
			e.t.Errorf("[%s] trash of a session moved by hand: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		if d := moved.diff(snap()); d != "" {
			e.t.Errorf("[%s] a refused trash changed the session:\n%s", e.tg.kind, d)
		}
		return moved
	})
}
