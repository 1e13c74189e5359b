package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/moodle"
)

// categoryID finds a bootstrapped category's id by its idnumber key as
// `domains bootstrap` prints it ("category session  id 5 …").
func (e *env) categoryID(out, key string) int64 {
	e.t.Helper()
	m := regexp.MustCompile(`category ` + key + `\s+id (\d+)`).FindStringSubmatch(out)
	if m == nil {
		e.t.Fatalf("[%s] no %s category in:\n%s", e.tg.kind, key, out)
	}
	var id int64
	fmt.Sscan(m[1], &id)
	return id
}

// bootstrap runs `domains bootstrap` on one domain and returns its output.
func (e *env) bootstrap(domain string) string {
	return e.ok("domains", "bootstrap", "--domain", domain)
}

// gabarit bootstraps the domain and makes a gabarit course there by hand,
// as a designer would in Moodle, with one section of content.
func (e *env) gabarit(domain, shortname string) (out string, courseID int64) {
	e.t.Helper()
	out = e.bootstrap(domain)
	cat := e.categoryID(out, "gabarit")
	c := e.course(domain, shortname)
	if c != nil {
		return out, c.ID
	}
	created, err := e.tg.site(domain).client.CreateCourses(e.ctx, []moodle.CourseInput{{
		FullName: "Gabarit " + shortname, ShortName: shortname, CategoryID: moodle.Int(cat),
		StartDate: 1788220800, // 2026-09-01 00:00 Paris
	}})
	if err != nil {
		e.t.Fatalf("[%s] creating gabarit %s: %v", e.tg.kind, shortname, err)
	}
	return out, int64(created[0].ID)
}

func TestDomainsCheck(t *testing.T) {
	run(t, "domains-check", func(e *env) *state {
		r := e.bridge("domains", "check")
		// sanslb lacks local_bridge: the command says so and fails.
		if r.code != 1 || !strings.Contains(r.stdout, "MISSING local_bridge_freeze_context") {
			e.t.Fatalf("domains check: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		st := newState()
		for _, line := range strings.Split(r.stdout, "\n") {
			if strings.HasPrefix(line, "  ") {
				st.set("check "+strings.TrimSpace(line), "yes")
			} else if name, rest, ok := strings.Cut(line, " ("); ok {
				st.set("check "+name, "%v", strings.Contains(rest, "reachable, Moodle 4.5.5+"))
			}
		}
		if !strings.Contains(e.ok("domains", "check", "--domain", "academie"), "every function the bridge uses is available") {
			e.t.Error("academie: a function is missing from the token's service")
		}
		return st
	})
}

func TestBootstrapTwice(t *testing.T) {
	run(t, "bootstrap-twice", func(e *env) *state {
		first := e.bootstrap("academie")
		second := e.bootstrap("academie")
		if !strings.Contains(second, "academie: 0 categories created, 0 records changed") {
			e.t.Fatalf("second bootstrap changed something:\n%s", second)
		}
		for _, key := range []string{"gabarit", "parcours", "session", "archive", "corbeille"} {
			if e.categoryID(first, key) != e.categoryID(second, key) {
				e.t.Errorf("category %s has another id the second time", key)
			}
		}
		st := newState()
		e.snapCategories(st, "academie")
		return st
	})
}

func TestBootstrapAfterRename(t *testing.T) {
	run(t, "bootstrap-after-rename", func(e *env) *state {
		out := e.bootstrap("national")
		session := e.categoryID(out, "session")
		// An administrator renames the category in Moodle.
		if err := e.tg.site("national").client.UpdateCategories(e.ctx, []moodle.CategoryUpdate{{ID: moodle.Int(session), Name: "Sessions (renommée)"}}); err != nil {
			e.t.Fatal(err)
		}
		again := e.bootstrap("national")
		if !strings.Contains(again, "national: 0 categories created") || e.categoryID(again, "session") != session {
			e.t.Fatalf("bootstrap after a rename made another category:\n%s", again)
		}
		st := newState()
		e.snapCategories(st, "national")
		// Put the name back for the scenarios that follow.
		e.tg.site("national").client.UpdateCategories(e.ctx, []moodle.CategoryUpdate{{ID: moodle.Int(session), Name: "Session de formation"}})
		return st
	})
}

func TestCreateParcours(t *testing.T) {
	run(t, "create-parcours", func(e *env) *state {
		gab := nm("E2E-GAB1")
		e.gabarit("academie", gab)
		parc := nm("E2E-PARC1")
		out := e.ok("workflow", "run", "create-parcours", "--domain", "academie", "--course", gab, "--shortname", parc, "--name", "Parcours lecture")
		if !strings.Contains(out, "succeeded") {
			e.t.Fatalf("create-parcours: %s", out)
		}
		// Again with the same arguments: the same course, nothing new.
		e.ok("workflow", "run", "create-parcours", "--domain", "academie", "--course", gab, "--shortname", parc, "--name", "Parcours lecture")
		show := e.ok("workflow", "show", "--domain", "academie", "--course", parc)
		if !strings.Contains(show, "parcours_construction") {
			e.t.Errorf("workflow show of the new parcours:\n%s", show)
		}
		st := newState()
		e.snapCourse(st, "academie", gab)
		e.snapCourse(st, "academie", parc)
		st.set("state "+parc, "%s", stateWord(show))
		return st
	})
}

// stateWord is the recorded state in `workflow show` output.
func stateWord(show string) string {
	m := regexp.MustCompile(`: ([a-z_]+) \(`).FindStringSubmatch(show)
	if m == nil {
		return "?"
	}
	return m[1]
}

// parcours makes a gabarit and a parcours from it on a domain.
func (e *env) parcours(domain, base string) string {
	gab, parc := nm(base+"-GAB"), nm(base)
	e.gabarit(domain, gab)
	e.ok("workflow", "run", "create-parcours", "--domain", domain, "--course", gab, "--shortname", parc, "--name", "Parcours "+base)
	return parc
}

func TestSessionsCreate(t *testing.T) {
	run(t, "sessions-create", func(e *env) *state {
		parc := e.parcours("academie", "E2E-SESS")
		args := []string{"sessions", "create", "--domain", "academie", "--from", parc, "--name", "Lecture",
			"--start", "2027-01-11", "--end", "2027-03-12", "--participants", "90", "--max", "25"}
		out := e.ok(args...)
		if n := strings.Count(out, "(created)"); n != 4 {
			e.t.Fatalf("90 participants at 25 per session: %d sessions created, want 4\n%s", n, out)
		}
		first := newState()
		for i := 1; i <= 5; i++ {
			e.snapCourse(first, "academie", fmt.Sprintf("%s-S%d", parc, i))
		}
		// The same command again: nothing created, nothing changed.
		e.ok(args...)
		st := newState()
		for i := 1; i <= 5; i++ {
			e.snapCourse(st, "academie", fmt.Sprintf("%s-S%d", parc, i))
		}
		if d := first.diff(st); d != "" {
			e.t.Errorf("the re-run changed the sessions:\n%s", d)
		}
		if e.course("academie", parc+"-S5") != nil {
			e.t.Error("a fifth session exists")
		}
		e.snapCourse(st, "academie", parc)
		return st
	})
}

func TestOpenGuards(t *testing.T) {
	run(t, "open-guards", func(e *env) *state {
		parc := e.parcours("academie", "E2E-OPEN")
		e.ok("sessions", "create", "--domain", "academie", "--from", parc, "--name", "Ouverture",
			"--start", "2027-01-11", "--end", "2027-03-12", "--participants", "10", "--max", "25")
		sess := parc + "-S1"
		// Opening without metadata is refused, and the course is untouched.
		r := e.bridge("workflow", "run", "open", "--domain", "academie", "--course", sess)
		if r.code != 1 || !strings.Contains(r.stderr, "metadata_missing") {
			e.t.Fatalf("open without metadata: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		before := newState()
		e.snapCourse(before, "academie", sess)
		e.ok("workflow", "run", "set-metadata", "--domain", "academie", "--course", sess,
			"--remote-minutes", "180", "--inperson-minutes", "360", "--objectives", "Lire et comprendre")
		// A formateur is required too.
		r = e.bridge("workflow", "run", "open", "--domain", "academie", "--course", sess)
		if r.code == 0 {
			e.t.Fatalf("open without a formateur succeeded:\n%s", r.stdout)
		}
		st := newState()
		e.snapCourse(st, "academie", sess)
		if d := before.diff(st); d != "" {
			e.t.Errorf("a refused open changed the course:\n%s", d)
		}
		st.set("open refused", "%v", r.code != 0)
		show := e.ok("workflow", "show", "--domain", "academie", "--course", sess)
		st.set("state "+sess, "%s", stateWord(show))
		return st
	})
}

// TestSessionsRerunOtherArgs: a re-run with other arguments for sessions
// that exist refuses, names the difference, and changes nothing — not the
// name, not the dates, not the recorded state (integrity issue, case 1).
func TestSessionsRerunOtherArgs(t *testing.T) {
	run(t, "sessions-rerun-other-args", func(e *env) *state {
		parc := e.parcours("academie", "E2E-RERUN")
		e.ok("sessions", "create", "--domain", "academie", "--from", parc, "--name", "Lecture",
			"--start", "2027-01-11", "--end", "2027-03-12", "--participants", "40", "--max", "25")
		before := newState()
		for i := 1; i <= 2; i++ {
			e.snapCourse(before, "academie", fmt.Sprintf("%s-S%d", parc, i))
		}
		stateBefore := stateWord(e.ok("workflow", "show", "--domain", "academie", "--course", parc+"-S1"))
		r := e.bridge("sessions", "create", "--domain", "academie", "--from", parc, "--name", "RENAMED",
			"--start", "2027-05-03", "--end", "2027-06-30", "--participants", "40", "--max", "25")
		if r.code != 1 || !strings.Contains(r.stderr, "session_exists") || !strings.Contains(r.stderr, "start 2027-01-11 (you asked 2027-05-03)") {
			e.t.Fatalf("re-run with other dates: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		after := newState()
		for i := 1; i <= 2; i++ {
			e.snapCourse(after, "academie", fmt.Sprintf("%s-S%d", parc, i))
		}
		if d := before.diff(after); d != "" {
			e.t.Errorf("a refused re-run changed the sessions:\n%s", d)
		}
		if got := stateWord(e.ok("workflow", "show", "--domain", "academie", "--course", parc+"-S1")); got != stateBefore {
			e.t.Errorf("recorded state went from %s to %s", stateBefore, got)
		}
		after.set("refused", "%v", r.code == 1)
		return after
	})
}

// TestDemonstrate: a parcours made by the bridge goes to "Parcours en
// démonstration" once its metadata is complete (integrity issue, case 8);
// twice is a no-op.
func TestDemonstrate(t *testing.T) {
	run(t, "demonstrate", func(e *env) *state {
		parc := e.parcours("national", "E2E-DEMO")
		r := e.bridge("workflow", "run", "demonstrate", "--domain", "national", "--course", parc)
		if r.code != 1 || !strings.Contains(r.stderr, "metadata_missing") {
			e.t.Fatalf("demonstrate without metadata: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		if c := e.mustCourse("national", parc); !strings.Contains(e.catPath("national", c.CategoryID), "Parcours de formation") || strings.Contains(e.catPath("national", c.CategoryID), "démonstration") {
			e.t.Fatalf("a refused demonstrate moved the course to %s", e.catPath("national", c.CategoryID))
		}
		e.ok("workflow", "run", "set-metadata", "--domain", "national", "--course", parc,
			"--remote-minutes", "180", "--inperson-minutes", "0", "--objectives", "Découvrir")
		e.ok("workflow", "run", "demonstrate", "--domain", "national", "--course", parc)
		e.ok("workflow", "run", "demonstrate", "--domain", "national", "--course", parc)
		st := newState()
		e.snapCourse(st, "national", parc)
		show := e.ok("workflow", "show", "--domain", "national", "--course", parc)
		if stateWord(show) != "parcours_demonstration" {
			e.t.Errorf("state after demonstrate:\n%s", show)
		}
		st.set("state", "%s", stateWord(show))
		return st
	})
}

// TestSessionsWrongCategory: sessions asked into the Gabarit category are
// refused and nothing is created (integrity issue, case 12).
func TestSessionsWrongCategory(t *testing.T) {
	run(t, "sessions-wrong-category", func(e *env) *state {
		parc := e.parcours("academie", "E2E-WCAT")
		gabarit := e.categoryID(e.bootstrap("academie"), "gabarit")
		r := e.bridge("sessions", "create", "--domain", "academie", "--from", parc, "--name", "Mauvaise",
			"--start", "2027-01-11", "--end", "2027-03-12", "--category", fmt.Sprint(gabarit))
		if r.code != 1 || !strings.Contains(r.stderr, "wrong_category") {
			e.t.Fatalf("sessions into Gabarit: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		st := newState()
		e.snapCourse(st, "academie", parc+"-S1")
		if st.facts["academie course "+strings.ReplaceAll(parc, tag, "")+"-S1"] != "absent" {
			e.t.Errorf("a session was created: %v", st.lines())
		}
		return st
	})
}

// catPath spells a category id as its path of names.
func (e *env) catPath(domain string, id int64) string {
	_, path := e.categories(domain)
	return path(id)
}

// TestDriftCheck: courses moved or deleted by hand in Moodle are found by
// `workflow check`, transitions on them are refused until it ran with
// --fix, and --fix makes the record follow Moodle, never the reverse
// (integrity issue, case 13).
func TestDriftCheck(t *testing.T) {
	run(t, "drift-check", func(e *env) *state {
		parc := e.parcours("academie", "E2E-DRIFT")
		e.ok("sessions", "create", "--domain", "academie", "--from", parc, "--name", "Dérive",
			"--start", "2027-01-11", "--end", "2027-03-12", "--participants", "40", "--max", "25")
		if out := e.ok("workflow", "check", "--domain", "academie"); !strings.Contains(out, "0 difference(s)") {
			e.t.Fatalf("check before any change:\n%s", out)
		}
		s1, s2 := e.mustCourse("academie", parc+"-S1"), e.mustCourse("academie", parc+"-S2")
		archive := e.categoryID(e.bootstrap("academie"), "archive")
		client := e.tg.site("academie").client
		// By hand in Moodle: S1 moved into Archive, S2 deleted.
		if _, err := client.UpdateCourses(e.ctx, []moodle.CourseUpdate{{ID: moodle.Int(s1.ID), CategoryID: moodle.Int(archive)}}); err != nil {
			e.t.Fatal(err)
		}
		if _, err := client.DeleteCourses(e.ctx, []moodle.Int{moodle.Int(s2.ID)}); err != nil {
			e.t.Fatal(err)
		}
		r := e.bridge("workflow", "check", "--domain", "academie")
		if r.code != 1 || !strings.Contains(r.stdout, "2 difference(s)") ||
			!strings.Contains(r.stdout, "state is session_preparation in the record, session_archivee in Moodle") ||
			!strings.Contains(r.stdout, "exists is yes in the record, deleted in Moodle") {
			e.t.Fatalf("check after hand changes: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		// The bridge does not act on a drifted course.
		r = e.bridge("workflow", "run", "set-metadata", "--domain", "academie", "--course", parc+"-S1", "--objectives", "x")
		if r.code != 1 || !strings.Contains(r.stderr, "drifted") {
			e.t.Fatalf("set-metadata on a drifted course: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		before := newState()
		e.snapCourse(before, "academie", parc+"-S1")
		out := e.ok("workflow", "check", "--domain", "academie", "--fix")
		if !strings.Contains(out, "2 difference(s) between the record and Moodle, 2 reconciled") {
			e.t.Fatalf("check --fix:\n%s", out)
		}
		after := newState()
		e.snapCourse(after, "academie", parc+"-S1")
		if d := before.diff(after); d != "" {
			e.t.Errorf("check --fix changed Moodle:\n%s", d)
		}
		if out := e.ok("workflow", "check", "--domain", "academie"); !strings.Contains(out, "0 difference(s)") {
			e.t.Errorf("check after --fix:\n%s", out)
		}
		st := after
		st.set("state S1", "%s", stateWord(e.ok("workflow", "show", "--domain", "academie", "--course", fmt.Sprint(s1.ID))))
		if st.facts["state S1"] != "session_archivee" {
			e.t.Errorf("S1 recorded as %s after --fix", st.facts["state S1"])
		}
		e.snapCourse(st, "academie", parc+"-S2")
		return st
	})
}

// TestEnrolIntoGabaritRefused: a gabarit is not taught: enrolling into it
// is refused and changes nothing (integrity issue, case 12).
func TestEnrolIntoGabaritRefused(t *testing.T) {
	run(t, "enrol-into-gabarit-refused", func(e *env) *state {
		gab := nm("E2E-GAB-ENROL")
		e.gabarit("academie", gab)
		csv := filepath.Join(e.dir, "people.csv")
		if err := os.WriteFile(csv, []byte("Nom;Prénom;Mail\nDUPONT;Jean;"+nm("jean.gab")+"@ac-test.fr\n"), 0o600); err != nil {
			e.t.Fatal(err)
		}
		r := e.bridge("enrol", "--domain", "academie", "--course", gab, "--csv", csv, "--unknown", "create")
		if r.code != 1 || !strings.Contains(r.stderr, "not_enrollable") || !strings.Contains(r.stderr, "gabarit") {
			e.t.Fatalf("enrol into a gabarit: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		st := newState()
		e.snapCourse(st, "academie", gab)
		if n := len(e.users("academie", "email", nm("jean.gab")+"@ac-test.fr")); n != 0 {
			e.t.Errorf("an account was created: %d", n)
		}
		return st
	})
}
