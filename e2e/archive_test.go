package e2e

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/magistere/bridge/internal/moodle"
)

// runWith is run with extra YAML under every domain of the configuration
// (e.g. archive_after_days), on the real sites then the simulator.
func runWith(t *testing.T, name, extra string, sc scenario) {
	runIn(t, name, func(t *testing.T, tg *target) *env { return newEnv(t, tg, extra) }, sc)
}

// endedSession makes a parcours and one session of it that ended on
// 2026-10-09 (before today), and returns the session's shortname.
func (e *env) endedSession(domain, base string) string {
	e.t.Helper()
	parc := e.parcours(domain, base)
	e.ok("sessions", "create", "--domain", domain, "--from", parc, "--name", "Archivage "+base,
		"--start", "2026-09-07", "--end", "2026-10-09", "--participants", "10", "--max", "25")
	return parc + "-S1"
}

// frozen says whether the course's context is locked (real sites only:
// freezing is not visible over core web services).
func (e *env) frozen(domain, shortname string) bool {
	e.t.Helper()
	db := e.realDB(domain)
	if db == nil {
		e.t.Fatal("frozen: real sites only")
	}
	return db.count(`SELECT COUNT(*) FROM mdl_context x JOIN mdl_course c ON c.id = x.instanceid
		WHERE x.contextlevel = 50 AND x.locked = 1 AND c.shortname = ?`, shortname) == 1
}

// checkFrozen asserts the freezing on the real site; no-op on the simulator.
func (e *env) checkFrozen(domain, shortname string, want bool) {
	e.t.Helper()
	if e.realDB(domain) == nil {
		return
	}
	if got := e.frozen(domain, shortname); got != want {
		e.t.Errorf("[real] %s %s: context locked %v, want %v", domain, shortname, got, want)
	}
}

// needsContextLocking fails the real half of a scenario when the real site
// has contextlocking off (Moodle's default): the bridge then hides archived
// courses instead of freezing them, where the simulator freezes.
// scripts/real-moodle/setup.php turns it on, as operators must.
func (e *env) needsContextLocking(domain string) {
	e.t.Helper()
	db := e.realDB(domain)
	if db == nil {
		return
	}
	if db.count(`SELECT COUNT(*) FROM mdl_config WHERE name = 'contextlocking' AND value = '1'`) == 0 {
		e.t.Fatalf("[real] %s: contextlocking is off (Moodle's default), archived courses are hidden instead of frozen; "+
			"scripts/real-moodle/setup.php should set_config('contextlocking', 1)", domain)
	}
}

// archivePath is the path of the domain's Archive category.
func (e *env) archivePath(domain string) string {
	e.t.Helper()
	id := e.categoryID(e.bootstrap(domain), "archive")
	_, path := e.categories(domain)
	return path(id)
}

func (e *env) coursePath(domain, shortname string) string {
	e.t.Helper()
	c := e.mustCourse(domain, shortname)
	_, path := e.categories(domain)
	return path(c.CategoryID)
}

func (e *env) recordedState(domain, shortname string) string {
	e.t.Helper()
	return stateWord(e.ok("workflow", "show", "--domain", domain, "--course", shortname))
}

func TestArchiveWithBackup(t *testing.T) {
	run(t, "archive-backup", func(e *env) *state {
		e.needsContextLocking("academie")
		sess := e.endedSession("academie", "E2E-ARCB")
		before := e.mustCourse("academie", sess)
		e.checkFrozen("academie", sess, false)
		out := e.ok("archive", "--domain", "academie", "--course", sess, "--backup")
		if !strings.Contains(out, "frozen true, hidden false") {
			e.t.Errorf("archive output:\n%s", out)
		}
		m := regexp.MustCompile(`backup: (\S+) \((\d+) bytes, sha256 ([0-9a-f]{64})\)`).FindStringSubmatch(out)
		if m == nil {
			e.t.Fatalf("no backup line in:\n%s", out)
		}
		raw, err := os.ReadFile(m[1])
		if err != nil {
			e.t.Fatalf("backup file: %v", err)
		}
		sum := sha256.Sum256(raw)
		if hex.EncodeToString(sum[:]) != m[3] || len(raw) < 100 || !strings.HasPrefix(m[1], filepath.Join(e.dir, "archives", "academie")) {
			e.t.Errorf("backup %s: %d bytes, sha256 %x; the bridge said %s bytes, %s", m[1], len(raw), sum, m[2], m[3])
		}
		after := e.mustCourse("academie", sess)
		if after.ID != before.ID || e.coursePath("academie", sess) != e.archivePath("academie") || after.Visible != 1 {
			e.t.Errorf("archived course: id %d→%d, category %s, visible %d", before.ID, after.ID, e.coursePath("academie", sess), after.Visible)
		}
		e.checkFrozen("academie", sess, true)
		st := newState()
		e.snapCourse(st, "academie", sess)
		st.set("state "+sess, "%s", e.recordedState("academie", sess))
		st.set("backup", "%v", len(raw) > 0)
		return st
	})
}

// archiveTwice archives a session twice with the same arguments: the second
// time is a success that changes nothing.
func archiveTwice(e *env, domain, base string, args ...string) *state {
	sess := e.endedSession(domain, base)
	cmd := append([]string{"archive", "--domain", domain, "--course", sess}, args...)
	e.ok(cmd...)
	first := newState()
	e.snapCourse(first, domain, sess)
	state1 := e.recordedState(domain, sess)
	r := e.bridge(cmd...)
	if r.code != 0 {
		e.t.Fatalf("[%s] archiving again: exit %d (want a no-op success)\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
	}
	again := newState()
	e.snapCourse(again, domain, sess)
	if d := first.diff(again); d != "" {
		e.t.Errorf("archiving again changed the course:\n%s", d)
	}
	if s := e.recordedState(domain, sess); s != state1 || s != "session_archivee" {
		e.t.Errorf("recorded state %s after archiving again (was %s)", s, state1)
	}
	if p := e.coursePath(domain, sess); p != e.archivePath(domain) {
		e.t.Errorf("archived course in %s", p)
	}
	// Asking for another archiving (other access) is refused, clearly,
	// and changes nothing either.
	other := append([]string{"archive", "--domain", domain, "--course", sess}, "--access", "readonly")
	if len(args) == 0 {
		other[len(other)-1] = "none"
	}
	r2 := e.bridge(other...)
	if r2.code != 1 || !strings.Contains(r2.stderr, "already_archived") {
		e.t.Errorf("[%s] archiving an archived course otherwise: exit %d\n%s%s", e.tg.kind, r2.code, r2.stdout, r2.stderr)
	}
	third := newState()
	e.snapCourse(third, domain, sess)
	if d := first.diff(third); d != "" {
		e.t.Errorf("a refused archive changed the course:\n%s", d)
	}
	first.set("state "+sess, "%s", state1)
	first.set("again", "exit %d", r.code)
	return first
}

func TestArchiveTwice(t *testing.T) {
	run(t, "archive-twice", func(e *env) *state {
		e.needsContextLocking("academie")
		st := archiveTwice(e, "academie", "E2E-ARC2")
		e.checkFrozen("academie", nm("E2E-ARC2")+"-S1", true)
		return st
	})
}

func TestArchiveTwiceNoLocalBridge(t *testing.T) {
	run(t, "archive-twice-sanslb", func(e *env) *state {
		st := archiveTwice(e, "sanslb", "E2E-ARCN", "--access", "none")
		sess := nm("E2E-ARCN") + "-S1"
		if c := e.mustCourse("sanslb", sess); c.Visible != 0 {
			e.t.Errorf("--access none on sanslb: course visible %d", c.Visible)
		}
		// The site cannot freeze: the context is left alone.
		e.checkFrozen("sanslb", sess, false)
		return st
	})
}

func TestUnarchive(t *testing.T) {
	run(t, "unarchive", func(e *env) *state {
		e.needsContextLocking("academie")
		sess := e.endedSession("academie", "E2E-UNAR")
		before := newState()
		e.snapCourse(before, "academie", sess)
		prevPath := e.coursePath("academie", sess)
		prevState := e.recordedState("academie", sess)
		e.ok("archive", "--domain", "academie", "--course", sess)
		e.checkFrozen("academie", sess, true)
		// The dry run restores nothing.
		dry := e.ok("unarchive", "--domain", "academie", "--course", sess, "--dry-run")
		if !strings.Contains(dry, "dry run: unarchive") || e.coursePath("academie", sess) != e.archivePath("academie") {
			e.t.Errorf("unarchive --dry-run:\n%s", dry)
		}
		e.checkFrozen("academie", sess, true)
		e.ok("unarchive", "--domain", "academie", "--course", sess)
		after := newState()
		e.snapCourse(after, "academie", sess)
		if d := before.diff(after); d != "" {
			e.t.Errorf("unarchive did not restore the course:\n%s", d)
		}
		if p := e.coursePath("academie", sess); p != prevPath {
			e.t.Errorf("unarchived course in %s, want %s", p, prevPath)
		}
		e.checkFrozen("academie", sess, false)
		if s := e.recordedState("academie", sess); s != prevState {
			e.t.Errorf("recorded state after unarchive %s, want %s", s, prevState)
		}
		// Unarchiving again is refused: nothing to undo.
		r := e.bridge("unarchive", "--domain", "academie", "--course", sess)
		if r.code == 0 {
			e.t.Errorf("unarchiving a course that is not archived succeeded:\n%s", r.stdout)
		}
		// And it can be archived again.
		e.ok("archive", "--domain", "academie", "--course", sess, "--access", "none")
		if c := e.mustCourse("academie", sess); c.Visible != 0 || e.coursePath("academie", sess) != e.archivePath("academie") {
			e.t.Errorf("archived again with --access none: visible %d in %s", c.Visible, e.coursePath("academie", sess))
		}
		after.set("state "+sess, "%s", prevState)
		after.set("unarchive again", "refused=%v", r.code != 0)
		rearchived := newState()
		e.snapCourse(rearchived, "academie", sess)
		for k, v := range rearchived.facts {
			after.facts["rearchived "+k] = v
		}
		return after
	})
}

func TestArchiveDryRun(t *testing.T) {
	run(t, "archive-dry-run", func(e *env) *state {
		sess := e.endedSession("academie", "E2E-ARCD")
		before := newState()
		e.snapCourse(before, "academie", sess)
		stateBefore := e.recordedState("academie", sess)
		out := e.ok("archive", "--domain", "academie", "--course", sess, "--dry-run", "--backup", "--access", "none")
		if !strings.Contains(out, "dry run: archive course") || !strings.Contains(out, "backup: true") {
			e.t.Errorf("archive --dry-run output:\n%s", out)
		}
		after := newState()
		e.snapCourse(after, "academie", sess)
		if d := before.diff(after); d != "" {
			e.t.Errorf("archive --dry-run changed the course:\n%s", d)
		}
		if s := e.recordedState("academie", sess); s != stateBefore {
			e.t.Errorf("archive --dry-run changed the recorded state %s → %s", stateBefore, s)
		}
		if _, err := os.Stat(filepath.Join(e.dir, "archives")); err == nil {
			e.t.Errorf("archive --dry-run wrote a backup folder")
		}
		e.checkFrozen("academie", sess, false)
		// An unarchive dry run on a course never archived is refused.
		if r := e.bridge("unarchive", "--domain", "academie", "--course", sess, "--dry-run"); r.code == 0 {
			e.t.Errorf("unarchive --dry-run of a course never archived succeeded:\n%s", r.stdout)
		}
		after.set("state "+sess, "%s", stateBefore)
		return after
	})
}

func TestArchiveAuto(t *testing.T) {
	runWith(t, "archive-auto", "    archive_after_days: 30\n", func(e *env) *state {
		e.needsContextLocking("academie")
		sess := e.endedSession("academie", "E2E-AUTO")
		parc := strings.TrimSuffix(sess, "-S1")
		// A second session of the same parcours that has not ended.
		e.ok("sessions", "create", "--domain", "academie", "--from", parc, "--name", "Future", "--pattern", "{parcours}-F{n}",
			"--start", "2027-01-11", "--end", "2027-03-12", "--participants", "10", "--max", "25")
		future := parc + "-F1"
		before := newState()
		e.snapCourse(before, "academie", sess)
		e.snapCourse(before, "academie", future)
		out := e.ok("archive", "auto", "--dry-run")
		if !strings.Contains(out, "would archive 1 course(s)") || !strings.Contains(out, sess+" ") || strings.Contains(out, future) ||
			strings.Contains(out, parc+" ") {
			e.t.Errorf("archive auto --dry-run should list %s only:\n%s", sess, out)
		}
		if !strings.Contains(out, "since 2026-10-0") || !strings.Contains(out, "due 2026-11-0") {
			e.t.Errorf("archive auto --dry-run dates:\n%s", out)
		}
		after := newState()
		e.snapCourse(after, "academie", sess)
		e.snapCourse(after, "academie", future)
		if d := before.diff(after); d != "" {
			e.t.Errorf("archive auto --dry-run changed courses:\n%s", d)
		}
		// Not on a terminal and without --yes: refused, nothing archived.
		if r := e.bridge("archive", "auto", "--domain", "academie"); r.code != 2 || !strings.Contains(r.stderr, "--yes") {
			e.t.Errorf("archive auto without --yes: exit %d\n%s", r.code, r.stderr)
		}
		refused := newState()
		e.snapCourse(refused, "academie", sess)
		e.snapCourse(refused, "academie", future)
		if d := before.diff(refused); d != "" {
			e.t.Errorf("archive auto without --yes changed the course:\n%s", d)
		}
		// For real, on that domain: only the ended session is archived.
		done := e.ok("archive", "auto", "--domain", "academie", "--yes")
		if !strings.Contains(done, "1 course(s) listed, 1 done") {
			e.t.Errorf("archive auto:\n%s", done)
		}
		if e.coursePath("academie", sess) != e.archivePath("academie") || e.coursePath("academie", future) == e.archivePath("academie") {
			e.t.Errorf("archive auto: %s in %s, %s in %s", sess, e.coursePath("academie", sess), future, e.coursePath("academie", future))
		}
		e.checkFrozen("academie", sess, true)
		e.checkFrozen("academie", future, false)
		// Nothing is left to archive.
		if again := e.ok("archive", "auto", "--dry-run"); !strings.Contains(again, "would archive 0 course(s)") {
			e.t.Errorf("archive auto --dry-run after the run:\n%s", again)
		}
		// Reopened on purpose: automatic archiving leaves it, and says so
		// (integrity issue, case 7).
		e.ok("unarchive", "--domain", "academie", "--course", sess)
		dry := e.ok("archive", "auto", "--dry-run")
		if !strings.Contains(dry, "would archive 0 course(s)") || !strings.Contains(dry, "reopened by unarchive") {
			e.t.Errorf("archive auto --dry-run after an unarchive:\n%s", dry)
		}
		e.ok("archive", "auto", "--domain", "academie", "--yes")
		if e.coursePath("academie", sess) == e.archivePath("academie") {
			e.t.Errorf("archive auto archived %s again after it was reopened", sess)
		}
		st := newState()
		e.snapCourse(st, "academie", sess)
		e.snapCourse(st, "academie", future)
		st.set("state "+sess, "%s", e.recordedState("academie", sess))
		st.set("state "+future, "%s", e.recordedState("academie", future))
		return st
	})
}

// backdateTrash moves the course's trash trail entries days into the past
// in the scenario's store (the bridge's clock cannot be changed from the
// command line).
func (e *env) backdateTrash(days int) {
	e.t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(e.dir, "bridge.db"))
	if err != nil {
		e.t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(`UPDATE course_transitions SET at = at - ? WHERE to_state = 'corbeille'`, int64(days)*86400000)
	if err != nil {
		e.t.Fatalf("backdating the trash: %v", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		e.t.Fatal("backdating the trash: no trash transition in the store")
	}
}

func TestRetention(t *testing.T) {
	runWith(t, "retention", "    trash_retention_days: 7\n", func(e *env) *state {
		sess := e.endedSession("academie", "E2E-RETN")
		e.ok("workflow", "run", "trash", "--domain", "academie", "--course", sess)
		trashed := newState()
		e.snapCourse(trashed, "academie", sess)
		// Just trashed: not due yet.
		if out := e.ok("retention", "run", "--dry-run"); !strings.Contains(out, "would back up and delete 0 course(s)") {
			e.t.Errorf("retention run --dry-run right after trashing:\n%s", out)
		}
		e.backdateTrash(8)
		out := e.ok("retention", "run", "--dry-run", "--domain", "academie")
		if !strings.Contains(out, "would back up and delete 1 course(s)") || !strings.Contains(out, sess+" ") {
			e.t.Errorf("retention run --dry-run 8 days after trashing:\n%s", out)
		}
		after := newState()
		e.snapCourse(after, "academie", sess)
		if d := trashed.diff(after); d != "" {
			e.t.Errorf("retention run --dry-run changed the course:\n%s", d)
		}
		if e.recordedState("academie", sess) != "corbeille" {
			e.t.Errorf("state after retention dry run: %s", e.recordedState("academie", sess))
		}
		// For real: a verified backup, then the course is deleted.
		done := e.ok("retention", "run", "--domain", "academie", "--yes")
		m := regexp.MustCompile(`deleted, backup (\S+) \(sha256 ([0-9a-f]{64})\)`).FindStringSubmatch(done)
		if m == nil {
			e.t.Fatalf("retention run:\n%s", done)
		}
		raw, err := os.ReadFile(m[1])
		if sum := sha256.Sum256(raw); err != nil || hex.EncodeToString(sum[:]) != m[2] {
			e.t.Errorf("retention backup %s: %v, sha256 %x, want %s", m[1], err, sum, m[2])
		}
		if db := e.realDB("academie"); db != nil {
			if n := db.count(`SELECT COUNT(*) FROM mdl_course WHERE shortname = ?`, sess); n != 0 {
				e.t.Errorf("[real] %s still in mdl_course after retention", sess)
			}
		}
		st := newState()
		e.snapCourse(st, "academie", sess)
		for k, v := range trashed.facts {
			st.facts["trashed "+k] = v
		}
		return st
	})
}

// TestUnarchiveRunningSession: a session that was open with self-enrolment
// (session_en_cours) comes back open after unarchiving, in the category it
// was opened into.
func TestUnarchiveRunningSession(t *testing.T) {
	run(t, "unarchive-running", func(e *env) *state {
		e.needsContextLocking("academie")
		parc := e.parcours("academie", "E2E-UNRUN")
		name := strings.ToLower(nm("e2e-form-unrun"))
		_, err := e.tg.site("academie").client.CreateUsers(e.ctx, []moodle.UserInput{{Username: name, Password: "Passw0rd!x",
			FirstName: "Forma", LastName: "Teur", Email: name + "@example.org", Auth: "manual"}})
		if err != nil {
			e.t.Fatalf("[%s] creating a formateur: %v", e.tg.kind, err)
		}
		// Names, not ids: the formateur by e-mail, the category by name.
		e.ok("sessions", "create", "--domain", "academie", "--from", parc, "--name", "En cours",
			"--start", "2026-09-07", "--end", "2026-10-09", "--participants", "10", "--max", "25",
			"--formateurs", name+"@example.org", "--category", "Session de formation")
		sess := parc + "-S1"
		e.ok("workflow", "run", "set-metadata", "--domain", "academie", "--course", sess,
			"--remote-minutes", "180", "--inperson-minutes", "360", "--objectives", "Lire et comprendre")
		// Opened with self-enrolment: no participant needed yet.
		e.ok("workflow", "run", "open-self-enrolment", "--domain", "academie", "--course", sess, "--offer", "local")
		if s := e.recordedState("academie", sess); s != "session_en_cours" {
			e.t.Fatalf("state after open: %s", s)
		}
		before := newState()
		e.snapCourse(before, "academie", sess)
		e.ok("archive", "--domain", "academie", "--course", sess)
		e.checkFrozen("academie", sess, true)
		out := e.ok("unarchive", "--domain", "academie", "--course", sess)
		if !strings.Contains(out, "state session_en_cours") {
			e.t.Errorf("unarchive output:\n%s", out)
		}
		after := newState()
		e.snapCourse(after, "academie", sess)
		if d := before.diff(after); d != "" {
			e.t.Errorf("unarchive did not restore the open session:\n%s", d)
		}
		e.checkFrozen("academie", sess, false)
		if s := e.recordedState("academie", sess); s != "session_en_cours" {
			e.t.Errorf("recorded state after unarchive: %s, want session_en_cours (as before archiving)", s)
		}
		after.set("state "+sess, "%s", e.recordedState("academie", sess))
		return after
	})
}
