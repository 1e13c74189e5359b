package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/moodle"
)

// gaiaMailDomain replaces the fixtures' @ac-a.fr so the people are new on
// every run that does not reset the sites.
func gaiaMailDomain() string { return gaiaMailDomainOf("") }

// gaiaMailDomainOf is the mail domain of a set of GAIA people: a scenario
// that runs before the GAIA ones on the same real site (the sites are reset
// once per run, not per scenario) uses a set of its own, or the accounts it
// creates would already exist when gaia-import-link-sync expects none.
func gaiaMailDomainOf(set string) string { return nm("gaia"+set+"-ac-a") + ".fr" }

// gaiaFixtures copies internal/gaia/testdata's three Windows-1252 files
// into the scenario's folder with their e-mails and NUMEN rewritten, keeping their
// names (the kind comes from the name), and returns their paths.
func (e *env) gaiaFixtures() []string { return e.gaiaFixturesOf("") }

// gaiaFixturesOf is gaiaFixtures for a set of people of its own (see
// gaiaMailDomainOf): other e-mails and other NUMEN.
func (e *env) gaiaFixturesOf(set string) []string {
	e.t.Helper()
	var paths []string
	for _, name := range []string{"formations_ac-a_2026.csv", "intervenants_ac-a_2026.csv", "stagiaires_ac-a_2026.csv"} {
		raw, err := os.ReadFile(filepath.Join("..", "internal", "gaia", "testdata", name))
		if err != nil {
			e.t.Fatal(err)
		}
		raw = bytes.ReplaceAll(raw, []byte("@ac-a.fr"), []byte("@"+gaiaMailDomainOf(set)))
		// The formateurs' NUMEN becomes their account's idnumber, which
		// the enrolment matches before the e-mail: new ones too.
		for _, numen := range []string{"12E3456789ABC", "98Z7654321XYZ"} {
			raw = bytes.ReplaceAll(raw, []byte(numen), []byte(nm(numen)+set))
		}
		p := filepath.Join(e.dir, name)
		if err := os.WriteFile(p, raw, 0o600); err != nil {
			e.t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// gaiaPeople are session 26A0010123/45001/1's valid people in the
// fixtures (lower-cased e-mail → Moodle role): the Stagiaires file's
// other lines are a duplicate, an invalid e-mail, a short line and a
// missing module.
func gaiaPeople() map[string]string { return gaiaPeopleOf("") }

// gaiaPeopleOf is gaiaPeople for a set of people of its own.
func gaiaPeopleOf(set string) map[string]string {
	d := "@" + gaiaMailDomainOf(set)
	return map[string]string{
		"helene.lefevre" + d:   "student",
		"francois.muller" + d:  "student",
		"zoe.garcon" + d:       "student",
		"noel.daude" + d:       "editingteacher",
		"berenice.ferrand" + d: "editingteacher",
	}
}

// gaiaSession makes a session course on academie (parcours, then one
// session) and returns its shortname.
func (e *env) gaiaSession(base string) string {
	e.t.Helper()
	parc := e.parcours("academie", base)
	e.ok("sessions", "create", "--domain", "academie", "--from", parc, "--name", "GAIA",
		"--start", "2027-01-11", "--end", "2027-03-12", "--participants", "10", "--max", "25")
	return parc + "-S1"
}

// withUnknownUsers sets every domain's unknown_users policy in the
// scenario's configuration (GAIA people usually have no account yet).
func (e *env) withUnknownUsers(policy string) {
	e.t.Helper()
	raw, err := os.ReadFile(e.config)
	if err != nil {
		e.t.Fatal(err)
	}
	raw = regexp.MustCompile(`(?m)^    unknown_users: .*\n`).ReplaceAll(raw, nil)
	raw = regexp.MustCompile(`(?m)^(    zone: .*\n)`).ReplaceAll(raw, []byte("${1}    unknown_users: "+policy+"\n"))
	if err := os.WriteFile(e.config, raw, 0o600); err != nil {
		e.t.Fatal(err)
	}
}

// gaiaEnrolled maps the course's enrolled e-mails (lower-cased) to roles.
func (e *env) gaiaEnrolled(short string) map[string]string {
	e.t.Helper()
	out := map[string]string{}
	for _, u := range e.enrolled("academie", e.mustCourse("academie", short).ID) {
		var roles []string
		for _, r := range u.Roles {
			roles = append(roles, r.ShortName)
		}
		out[strings.ToLower(u.Email)] = strings.Join(roles, ",")
	}
	return out
}

var syncLine = regexp.MustCompile(`course \d+ ← GAIA (\S+): (\d+) participant\(s\), (\d+) formateur\(s\), (\d+) change\(s\)`)

func TestGaiaImportLinkSync(t *testing.T) {
	run(t, "gaia-import-link-sync", func(e *env) *state {
		sess := e.gaiaSession("E2E-GAIA1")
		files := e.gaiaFixtures()
		out := e.ok(append([]string{"gaia", "import", "--domain", "academie"}, files...)...)
		for _, want := range []string{"formations, 2 row(s)", "intervenants, 3 row(s)", "stagiaires, 4 row(s)"} {
			if !strings.Contains(out, want) {
				e.t.Errorf("[%s] import: no %q in:\n%s", e.tg.kind, want, out)
			}
		}
		// Importing the same files again skips them.
		again := e.ok(append([]string{"gaia", "import", "--domain", "academie"}, files...)...)
		if strings.Count(again, "skipped, already imported") != 3 {
			e.t.Errorf("[%s] second import:\n%s", e.tg.kind, again)
		}
		out = e.ok("gaia", "link", "--domain", "academie", "--course", sess, "--session", "26a0010123/45001/1")
		if !strings.Contains(out, "linked to GAIA session 26A0010123/45001/1") {
			e.t.Errorf("[%s] link: %s", e.tg.kind, out)
		}

		// With the default policy (reject unknown people) nobody has an
		// account: the sync enrols no one and says so.
		r := e.bridge("gaia", "sync", "--domain", "academie")
		if r.code != 0 || strings.Count(r.stdout, "not enrolled:") != 5 {
			e.t.Errorf("[%s] sync rejecting unknown people: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		if got := e.gaiaEnrolled(sess); len(got) != 0 {
			e.t.Errorf("[%s] enrolled after a rejecting sync: %v", e.tg.kind, got)
		}

		e.withUnknownUsers("create")
		out = e.ok("gaia", "sync", "--domain", "academie")
		m := syncLine.FindStringSubmatch(out)
		if m == nil || m[1] != "26A0010123/45001/1" || m[2] != "3" || m[3] != "2" || m[4] != "5" {
			e.t.Errorf("[%s] sync: %s", e.tg.kind, out)
		}
		want := gaiaPeople()
		got := e.gaiaEnrolled(sess)
		for mail, role := range want {
			if got[mail] != role {
				e.t.Errorf("[%s] %s: role %q, want %q", e.tg.kind, mail, got[mail], role)
			}
		}
		if len(got) != len(want) {
			e.t.Errorf("[%s] enrolled %v, want %v", e.tg.kind, got, want)
		}
		if db := e.realDB("academie"); db != nil {
			n := db.count(`SELECT COUNT(*) FROM mdl_user_enrolments ue JOIN mdl_enrol en ON en.id = ue.enrolid
				JOIN mdl_course c ON c.id = en.courseid WHERE c.shortname = ?`, sess)
			if n != 5 {
				e.t.Errorf("[real] %d enrolments in %s, want 5", n, sess)
			}
			n = db.count(`SELECT COUNT(*) FROM mdl_role_assignments ra JOIN mdl_context cx ON cx.id = ra.contextid AND cx.contextlevel = 50
				JOIN mdl_course c ON c.id = cx.instanceid JOIN mdl_role r ON r.id = ra.roleid
				WHERE c.shortname = ? AND r.shortname = 'editingteacher'`, sess)
			if n != 2 {
				e.t.Errorf("[real] %d editingteacher assignments in %s, want 2", n, sess)
			}
		}
		st := newState()
		e.snapCourse(st, "academie", sess)
		var mails []string
		for mail := range want {
			mails = append(mails, mail)
		}
		e.snapUsers(st, "academie", mails...)
		return st
	})
}

func TestGaiaSyncTwice(t *testing.T) {
	run(t, "gaia-sync-twice", func(e *env) *state {
		sess := e.gaiaSession("E2E-GAIA2")
		e.withUnknownUsers("create")
		e.ok(append([]string{"gaia", "import", "--domain", "academie"}, e.gaiaFixtures()...)...)
		e.ok("gaia", "link", "--domain", "academie", "--course", sess, "--session", "26A0010123/45001/1")
		e.ok("gaia", "sync", "--domain", "academie")
		before := newState()
		e.snapCourse(before, "academie", sess)
		var nUsers int
		if db := e.realDB("academie"); db != nil {
			nUsers = db.count("SELECT COUNT(*) FROM mdl_user WHERE email LIKE ?", "%@"+gaiaMailDomain())
		}
		// Again, and once more after the dry run: nothing to change.
		dry := e.ok("gaia", "sync", "--domain", "academie", "--dry-run")
		out := e.ok("gaia", "sync", "--domain", "academie")
		for _, o := range []string{dry, out} {
			if m := syncLine.FindStringSubmatch(o); m == nil || m[4] != "0" {
				e.t.Errorf("[%s] sync again: %s", e.tg.kind, o)
			}
		}
		after := newState()
		e.snapCourse(after, "academie", sess)
		if d := before.diff(after); d != "" {
			e.t.Errorf("[%s] the second sync changed the course:\n%s", e.tg.kind, d)
		}
		if db := e.realDB("academie"); db != nil {
			if n := db.count("SELECT COUNT(*) FROM mdl_user WHERE email LIKE ?", "%@"+gaiaMailDomain()); n != nUsers || n != 5 {
				e.t.Errorf("[real] %d accounts after the second sync, %d before, want 5", n, nUsers)
			}
		}
		// A manager unenrols a participant by hand in Moodle (from the
		// GAIA enrolment instance she came through): the next sync enrols
		// her again, as participant, and changes nothing else.
		course := e.mustCourse("academie", sess)
		zoe := "zoe.garcon@" + gaiaMailDomain()
		var zoeID int64
		for _, u := range e.enrolled("academie", course.ID) {
			if strings.EqualFold(u.Email, zoe) {
				zoeID = u.ID
			}
		}
		if zoeID == 0 {
			e.t.Fatalf("[%s] %s not enrolled after the sync", e.tg.kind, zoe)
		}
		if err := e.tg.site("academie").client.Call(e.ctx, "local_bridge_named_enrolment", moodle.Params{"courseid": course.ID,
			"name": "GAIA 26A0010123/45001/1", "create": 0, "unenrol": []int64{zoeID}}, nil); err != nil {
			e.t.Fatalf("[%s] unenrolling %s by hand: %v", e.tg.kind, zoe, err)
		}
		if _, ok := e.gaiaEnrolled(sess)[zoe]; ok {
			e.t.Fatalf("[%s] %s still enrolled after the manual unenrolment", e.tg.kind, zoe)
		}
		out = e.ok("gaia", "sync", "--domain", "academie")
		if m := syncLine.FindStringSubmatch(out); m == nil || m[4] != "1" {
			e.t.Errorf("[%s] sync after a manual unenrolment: %s", e.tg.kind, out)
		}
		if got := e.gaiaEnrolled(sess)[zoe]; got != "student" {
			e.t.Errorf("[%s] %s after the sync: %q, want student", e.tg.kind, zoe, got)
		}
		again := newState()
		e.snapCourse(again, "academie", sess)
		if d := after.diff(again); d != "" {
			e.t.Errorf("[%s] the course differs from before the manual unenrolment:\n%s", e.tg.kind, d)
		}
		return again
	})
}

func TestGaiaLinkRefused(t *testing.T) {
	run(t, "gaia-link-refused", func(e *env) *state {
		sess := e.gaiaSession("E2E-GAIA3")
		st := newState()
		// Linking before any import is refused.
		r := e.bridge("gaia", "link", "--domain", "academie", "--course", sess, "--session", "26A0010123/45001/1")
		if r.code != 1 || !strings.Contains(r.stderr, "import the files first") {
			e.t.Errorf("[%s] link before import: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		e.ok(append([]string{"gaia", "import", "--domain", "academie"}, e.gaiaFixtures()...)...)
		// A course id that does not exist in Moodle, and a shortname
		// nobody has: refused, nothing recorded.
		for i, course := range []string{"987654", nm("E2E-GAIA-NONE")} {
			r = e.bridge("gaia", "link", "--domain", "academie", "--course", course, "--session", "26A0010123/45001/1")
			if r.code == 0 || !strings.Contains(r.stderr, course) {
				e.t.Errorf("[%s] link to missing course %s: exit %d\n%s%s", e.tg.kind, course, r.code, r.stdout, r.stderr)
			}
			st.set(fmt.Sprintf("link missing course %d", i), "refused=%v", r.code != 0)
		}
		// A session GAIA does not list.
		r = e.bridge("gaia", "link", "--domain", "academie", "--course", sess, "--session", "26A0010123/45001/9")
		if r.code != 1 {
			e.t.Errorf("[%s] link to an unknown session: exit %d\n%s", e.tg.kind, r.code, r.stdout)
		}
		status := e.ok("gaia", "status", "--domain", "academie")
		if strings.Contains(status, "← GAIA") {
			e.t.Errorf("[%s] refused links were recorded:\n%s", e.tg.kind, status)
		}
		// Nothing to sync, nobody enrolled.
		out := e.ok("gaia", "sync", "--domain", "academie")
		if !strings.Contains(out, "0 linked course(s)") {
			e.t.Errorf("[%s] sync with no link: %s", e.tg.kind, out)
		}
		if got := e.gaiaEnrolled(sess); len(got) != 0 {
			e.t.Errorf("[%s] enrolled without a link: %v", e.tg.kind, got)
		}
		e.snapCourse(st, "academie", sess)
		return st
	})
}

func TestGaiaDeletedCourse(t *testing.T) {
	run(t, "gaia-deleted-course", func(e *env) *state {
		parc := e.parcours("academie", "E2E-GAIA4")
		e.ok("sessions", "create", "--domain", "academie", "--from", parc, "--name", "GAIA",
			"--start", "2027-01-11", "--end", "2027-03-12", "--participants", "30", "--max", "25")
		s1, s2 := parc+"-S1", parc+"-S2"
		e.withUnknownUsers("create")
		e.ok(append([]string{"gaia", "import", "--domain", "academie"}, e.gaiaFixtures()...)...)
		e.ok("gaia", "link", "--domain", "academie", "--course", s1, "--session", "26A0010123/45001/1")
		e.ok("gaia", "link", "--domain", "academie", "--course", s2, "--session", "26A0010123/45001/2")
		// The first session is deleted in Moodle by hand, its link left
		// behind: the sync still enrols the second session's people.
		id1 := e.mustCourse("academie", s1).ID
		if _, err := e.tg.site("academie").client.DeleteCourses(e.ctx, []moodle.Int{moodle.Int(id1)}); err != nil {
			e.t.Fatalf("[%s] deleting %s by hand: %v", e.tg.kind, s1, err)
		}
		out := e.ok("gaia", "sync", "--domain", "academie")
		if !strings.Contains(out, "course no longer exists in Moodle") {
			e.t.Errorf("[%s] sync with a deleted course: %s", e.tg.kind, out)
		}
		d := "@" + gaiaMailDomain()
		want := map[string]string{"coeur.oeuvrard" + d: "student", "berenice.ferrand" + d: "editingteacher"}
		got := e.gaiaEnrolled(s2)
		if len(got) != len(want) {
			e.t.Errorf("[%s] %s enrolled %v, want %v", e.tg.kind, s2, got, want)
		}
		for mail, role := range want {
			if got[mail] != role {
				e.t.Errorf("[%s] %s in %s: %q, want %q", e.tg.kind, mail, s2, got[mail], role)
			}
		}
		if db := e.realDB("academie"); db != nil {
			if n := db.count("SELECT COUNT(*) FROM mdl_course WHERE id = ?", id1); n != 0 {
				e.t.Errorf("[real] the deleted course %d is back", id1)
			}
		}
		st := newState()
		e.snapCourse(st, "academie", s1)
		e.snapCourse(st, "academie", s2)
		return st
	})
}
