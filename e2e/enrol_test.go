package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/magistere/bridge/internal/moodle"
)

// Scenarios of `bridge enrol`: CSV files of every encoding and delimiter
// enrolled into a session course of the academie, with the operator's
// usual mistakes (the same file twice, a dry run, a half-bad file).

// enrolCourse bootstraps the academie and makes a session course there by
// hand, as an admin would, to enrol files into.
func (e *env) enrolCourse(base string) string {
	e.t.Helper()
	return e.enrolCourses(base)[0]
}

// enrolCourses is enrolCourse for several courses, bootstrapping once.
func (e *env) enrolCourses(bases ...string) []string {
	e.t.Helper()
	var out []string
	var in []moodle.CourseInput
	for _, base := range bases {
		short := nm(base)
		out = append(out, short)
		if e.course("academie", short) == nil {
			in = append(in, moodle.CourseInput{FullName: "Session " + base, ShortName: short,
				StartDate: 1799625600}) // 2027-01-11 Paris
		}
	}
	if len(in) == 0 {
		return out
	}
	cat := e.categoryID(e.bootstrap("academie"), "session")
	for i := range in {
		in[i].CategoryID = moodle.Int(cat)
	}
	if _, err := e.tg.site("academie").client.CreateCourses(e.ctx, in); err != nil {
		e.t.Fatalf("[%s] creating courses %v: %v", e.tg.kind, bases, err)
	}
	return out
}

// mailDomain is a mail domain unique to the scenario and the run; the
// state comparison strips the run's tag from it.
func mailDomain(key string) string { return nm("e2e-"+key) + ".fr" }

// writeCSV writes a file into the scenario's directory.
func (e *env) writeCSV(name string, data []byte) string {
	e.t.Helper()
	p := filepath.Join(e.dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// fixture reads a file of internal/enrol/testdata as text (decoding it
// from enc) with every e-mail's domain replaced by dom.
func fixture(t *testing.T, name, dom string, from []string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "internal", "enrol", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, f := range from {
		s = strings.ReplaceAll(s, "@"+f, "@"+dom)
	}
	return s
}

func cp1252(t *testing.T, s string) []byte {
	t.Helper()
	b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("cp1252: %v", err)
	}
	return b
}

func utf16(t *testing.T, s string, order unicode.Endianness) []byte {
	t.Helper()
	b, err := unicode.UTF16(order, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("utf16: %v", err)
	}
	return b
}

// enrolArgs is `enrol` on the academie with the given course and file.
func enrolArgs(course, csv string, more ...string) []string {
	return append([]string{"enrol", "--domain", "academie", "--course", course, "--csv", csv}, more...)
}

// enrolledOf is enrolledUsernames by shortname, with the run's tag
// stripped from usernames.
func (e *env) enrolledOf(short string) map[string]string {
	e.t.Helper()
	return e.enrolledUsernames("academie", e.mustCourse("academie", short).ID)
}

// wantEnrolled checks a course's enrolments exactly: username →
// "roles|groups".
func (e *env) wantEnrolled(short string, want map[string]string) {
	e.t.Helper()
	got := e.enrolledOf(short)
	var diffs []string
	for u, rg := range want {
		if got[u] != rg {
			diffs = append(diffs, fmt.Sprintf("%s: got %q, want %q", u, got[u], rg))
		}
	}
	for u, rg := range got {
		if _, ok := want[u]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: enrolled (%q) but should not be", u, rg))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		e.t.Errorf("[%s] enrolments of %s:\n  %s", e.tg.kind, short, strings.Join(diffs, "\n  "))
	}
}

// count of a status in the counts table `enrol` prints.
func enrolCount(out, status string) int {
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 && f[0] == status {
			var n int
			fmt.Sscan(f[1], &n)
			return n
		}
	}
	return 0
}

// dbCounts are row counts of the real site's tables that enrolling touches
// (nil on the simulator).
func (e *env) dbCounts(short string) map[string]int {
	db := e.realDB("academie")
	if db == nil {
		return nil
	}
	c := e.mustCourse("academie", short)
	return map[string]int{
		"user": db.count("SELECT COUNT(*) FROM mdl_user"),
		"user_enrolments": db.count(`SELECT COUNT(*) FROM mdl_user_enrolments ue JOIN mdl_enrol en ON en.id = ue.enrolid
			WHERE en.courseid = ?`, c.ID),
		"role_assignments": db.count(`SELECT COUNT(*) FROM mdl_role_assignments ra JOIN mdl_context cx ON cx.id = ra.contextid
			WHERE cx.contextlevel = 50 AND cx.instanceid = ?`, c.ID),
		"groups":  db.count("SELECT COUNT(*) FROM mdl_groups WHERE courseid = ?", c.ID),
		"members": db.count("SELECT COUNT(*) FROM mdl_groups_members gm JOIN mdl_groups g ON g.id = gm.groupid WHERE g.courseid = ?", c.ID),
	}
}

func (e *env) sameCounts(what string, before, after map[string]int) {
	e.t.Helper()
	for k, v := range before {
		if after[k] != v {
			e.t.Errorf("[real] %s: mdl_%s went from %d to %d rows", what, k, v, after[k])
		}
	}
}

// gaiaFile is a GAIA/Mailexport export ("NOM PRÉNOM" in one column,
// Windows-1252, CRLF, semicolons) of people under dom.
func gaiaFile(dom string) string {
	return "Nom;Mail;Fonction;Grade\r\n" +
		"BRET LAURENCE;Laurence.Bret@" + dom + ";ENS;P ECOLE CN\r\n" +
		"ÉMERENCIENNE YOLAINE;Yolaine.Emerencienne@" + dom + ";ENS;P ECOLE CN\r\n" +
		"GRANDISSON HIPON FRANÇOISE;Francoise.Grandisson@" + dom + ";ENS;P ECOLE HC\r\n" +
		"JEAN-MARIE MAGALIE;Magalie.Jean-Marie@" + dom + ";ENS;P ECOLE CN\r\n" +
		"LÉON LÆTITIA;Laetitia.Leon@" + dom + ";ENS;PROF CERTIFIE\r\n"
}

func gaiaEmails(dom string) []string {
	var out []string
	for _, l := range []string{"laurence.bret", "yolaine.emerencienne", "francoise.grandisson", "magalie.jean-marie", "laetitia.leon"} {
		out = append(out, l+"@"+dom)
	}
	return out
}

func TestEnrolCreateGaia(t *testing.T) {
	run(t, "enrol-create-gaia", func(e *env) *state {
		course := e.enrolCourse("E2E-ENR-GAIA")
		dom := mailDomain("gaia")
		csv := e.writeCSV("mailexport.csv", cp1252(e.t, gaiaFile(dom)))
		out := e.ok(enrolArgs(course, csv, "--unknown", "create")...)
		if n := enrolCount(out, "created"); n != 5 {
			e.t.Errorf("[%s] 5 accounts to create, the table says %d:\n%s", e.tg.kind, n, out)
		}
		emails := gaiaEmails(dom)
		users := e.users("academie", "email", emails...)
		names := map[string]string{}
		for _, u := range users {
			names[strings.ToLower(u.Email)] = u.FirstName + " / " + u.LastName
			if u.Auth != "manual" {
				e.t.Errorf("[%s] %s: auth %s, want the domain's create_auth (manual)", e.tg.kind, u.Email, u.Auth)
			}
		}
		for email, want := range map[string]string{
			emails[0]: "LAURENCE / BRET",
			emails[1]: "YOLAINE / ÉMERENCIENNE",
			emails[2]: "FRANÇOISE / GRANDISSON HIPON",
			emails[3]: "MAGALIE / JEAN-MARIE",
			emails[4]: "LÆTITIA / LÉON",
		} {
			if names[email] != want {
				e.t.Errorf("[%s] account of %s: names %q, want %q", e.tg.kind, email, names[email], want)
			}
		}
		want := map[string]string{}
		for _, m := range emails {
			want[m] = "student|"
		}
		e.wantEnrolled(course, want)
		if db := e.realDB("academie"); db != nil {
			// The accents are stored as UTF-8 in Moodle's database, not as
			// the file's Windows-1252 bytes.
			if n := db.count("SELECT COUNT(*) FROM mdl_user WHERE email = ? AND firstname = ? AND lastname = ? AND deleted = 0",
				emails[4], "LÆTITIA", "LÉON"); n != 1 {
				e.t.Errorf("[real] mdl_user has %d row(s) LÆTITIA LÉON for %s", n, emails[4])
			}
			if n := db.count("SELECT COUNT(*) FROM mdl_user WHERE email LIKE ?", "%@"+dom); n != 5 {
				e.t.Errorf("[real] %d accounts under @%s, want 5", n, dom)
			}
		}
		st := newState()
		e.snapCourse(st, "academie", course)
		e.snapUsers(st, "academie", emails...)
		return st
	})
}

func TestEnrolTwice(t *testing.T) {
	run(t, "enrol-twice", func(e *env) *state {
		course := e.enrolCourse("E2E-ENR-TWICE")
		dom := mailDomain("twice")
		text := gaiaFile(dom)
		csv := e.writeCSV("mailexport.csv", cp1252(e.t, text))
		e.ok(enrolArgs(course, csv, "--unknown", "create")...)
		first := e.enrolledOf(course)
		before := e.dbCounts(course)
		// The same file again: nothing to do.
		r := e.bridge(enrolArgs(course, csv, "--unknown", "create")...)
		if r.code != 0 || !strings.Contains(r.stderr, "nothing to do") || enrolCount(r.stdout, "already_enrolled") != 5 {
			e.t.Errorf("[%s] the same file again: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		// The same people saved again as UTF-8 by a spreadsheet, with the
		// e-mails in capitals: still nothing to do, no second account.
		again := e.writeCSV("mailexport-utf8.csv", []byte("\uFEFF"+strings.ReplaceAll(text, "@"+dom, "@"+strings.ToUpper(dom))))
		r = e.bridge(enrolArgs(course, again, "--unknown", "create")...)
		if r.code != 0 || !strings.Contains(r.stderr, "nothing to do") {
			e.t.Errorf("[%s] the file re-saved as UTF-8: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		if got := e.enrolledOf(course); fmt.Sprint(got) != fmt.Sprint(first) {
			e.t.Errorf("[%s] enrolments changed on the rerun: %v → %v", e.tg.kind, first, got)
		}
		if n := len(e.users("academie", "email", gaiaEmails(dom)...)); n != 5 {
			e.t.Errorf("[%s] %d accounts for 5 people after three runs", e.tg.kind, n)
		}
		e.sameCounts("the same file twice", before, e.dbCounts(course))
		st := newState()
		e.snapCourse(st, "academie", course)
		e.snapUsers(st, "academie", gaiaEmails(dom)...)
		return st
	})
}

func TestEnrolDryRun(t *testing.T) {
	run(t, "enrol-dry-run", func(e *env) *state {
		course := e.enrolCourse("E2E-ENR-DRY")
		dom := mailDomain("dry")
		csv := e.writeCSV("mailexport.csv", cp1252(e.t, gaiaFile(dom)))
		before := e.dbCounts(course)
		report := filepath.Join(e.dir, "dry.json")
		out := e.ok(enrolArgs(course, csv, "--unknown", "create", "--dry-run", "--group", "Groupe sec", "--report", report)...)
		if !strings.HasPrefix(out, "dry run") || enrolCount(out, "will_create") != 5 {
			e.t.Errorf("[%s] dry run output:\n%s", e.tg.kind, out)
		}
		var rep struct {
			DryRun bool `json:"dry_run"`
			Rows   []struct {
				Status string `json:"status"`
			} `json:"rows"`
		}
		if b, err := os.ReadFile(report); err != nil || json.Unmarshal(b, &rep) != nil || !rep.DryRun || len(rep.Rows) != 5 {
			e.t.Errorf("[%s] dry-run JSON report: %v %+v", e.tg.kind, err, rep)
		}
		if n := len(e.users("academie", "email", gaiaEmails(dom)...)); n != 0 {
			e.t.Errorf("[%s] the dry run created %d accounts", e.tg.kind, n)
		}
		e.wantEnrolled(course, map[string]string{})
		e.sameCounts("a dry run", before, e.dbCounts(course))
		// Without --unknown create (the domain rejects unknown people):
		// every row is unknown, exit 1, and still nothing happens.
		r := e.bridge(enrolArgs(course, csv)...)
		if r.code != 1 || enrolCount(r.stdout, "unknown") != 5 {
			e.t.Errorf("[%s] unknown people rejected: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		e.sameCounts("rejected unknown people", before, e.dbCounts(course))
		st := newState()
		e.snapCourse(st, "academie", course)
		e.snapUsers(st, "academie", gaiaEmails(dom)...)
		return st
	})
}

func TestEnrolGroup(t *testing.T) {
	run(t, "enrol-group", func(e *env) *state {
		course := e.enrolCourse("E2E-ENR-GRP")
		dom := mailDomain("grp")
		file := "Courriel;Prénom;Nom\nann.a@" + dom + ";Ann;ALPHA\nbob.b@" + dom + ";Bob;BETA\n"
		csv := e.writeCSV("g1.csv", []byte(file))
		e.ok(enrolArgs(course, csv, "--unknown", "create", "--group", "Groupe du mardi")...)
		// Cid came in through another file, into another group; listed in
		// the next file, he only gets the group added.
		e.ok(enrolArgs(course, e.writeCSV("c.csv", []byte("Courriel;Prénom;Nom\ncid.c@"+dom+";Cid;GAMMA\n")),
			"--unknown", "create", "--group", "Autre groupe")...)
		file2 := file + "cid.c@" + dom + ";Cid;GAMMA\ndan.d@" + dom + ";Dan;DELTA\n"
		csv2 := e.writeCSV("g2.csv", []byte(file2))
		out := e.ok(enrolArgs(course, csv2, "--unknown", "create", "--group", "Groupe du mardi")...)
		if enrolCount(out, "created") != 1 {
			e.t.Errorf("[%s] second file: one account to create:\n%s", e.tg.kind, out)
		}
		// And the whole file once more: nothing to do, no second group.
		r := e.bridge(enrolArgs(course, csv2, "--unknown", "create", "--group", "Groupe du mardi")...)
		if r.code != 0 || !strings.Contains(r.stderr, "nothing to do") {
			e.t.Errorf("[%s] third run: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		u := func(l string) string { return l + "@" + dom }
		e.wantEnrolled(course, map[string]string{
			u("ann.a"): "student|Groupe du mardi",
			u("bob.b"): "student|Groupe du mardi",
			u("cid.c"): "student|Autre groupe,Groupe du mardi",
			u("dan.d"): "student|Groupe du mardi",
		})
		if db := e.realDB("academie"); db != nil {
			c := e.mustCourse("academie", course)
			if n := db.count("SELECT COUNT(*) FROM mdl_groups WHERE courseid = ? AND name = ?", c.ID, "Groupe du mardi"); n != 1 {
				e.t.Errorf("[real] %d groups named Groupe du mardi, want 1", n)
			}
			if n := db.count("SELECT COUNT(*) FROM mdl_groups_members gm JOIN mdl_groups g ON g.id = gm.groupid WHERE g.courseid = ?", c.ID); n != 5 {
				e.t.Errorf("[real] %d group memberships, want 5", n)
			}
		}
		st := newState()
		e.snapCourse(st, "academie", course)
		return st
	})
}

func TestEnrolRoles(t *testing.T) {
	run(t, "enrol-roles", func(e *env) *state {
		course := e.enrolCourse("E2E-ENR-ROLE")
		dom := mailDomain("role")
		u := func(l string) string { return l + "@" + dom }
		withRoles := "E-mail;Prénom;Nom;Rôle\n" +
			u("pia.p") + ";Pia;PART;participant\n" +
			u("fab.f") + ";Fab;FORM;formateur\n" +
			u("tom.t") + ";Tom;TUT;tuteur\n"
		e.ok(enrolArgs(course, e.writeCSV("roles.csv", []byte(withRoles)), "--unknown", "create")...)
		// A list without a Rôle column, --role formateur: Pia becomes a
		// formateur too (she keeps participant), Ned is a new formateur.
		noRoles := "E-mail;Prénom;Nom\n" + u("pia.p") + ";Pia;PART\n" + u("ned.n") + ";Ned;NEW\n"
		out := e.ok(enrolArgs(course, e.writeCSV("formateurs.csv", []byte(noRoles)), "--unknown", "create", "--role", "formateur")...)
		if enrolCount(out, "role_added") != 1 || enrolCount(out, "created") != 1 {
			e.t.Errorf("[%s] --role formateur:\n%s", e.tg.kind, out)
		}
		// An unknown role is a usage error and changes nothing.
		if r := e.bridge(enrolArgs(course, e.writeCSV("x.csv", []byte(noRoles)), "--role", "directeur")...); r.code != 2 {
			e.t.Errorf("[%s] --role directeur: exit %d, want 2\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		e.wantEnrolled(course, map[string]string{
			u("pia.p"): "editingteacher,student|",
			u("fab.f"): "editingteacher|",
			u("tom.t"): "teacher|",
			u("ned.n"): "editingteacher|",
		})
		if db := e.realDB("academie"); db != nil {
			c := e.mustCourse("academie", course)
			if n := db.count(`SELECT COUNT(*) FROM mdl_role_assignments ra JOIN mdl_context cx ON cx.id = ra.contextid
				JOIN mdl_role r ON r.id = ra.roleid WHERE cx.contextlevel = 50 AND cx.instanceid = ? AND r.shortname = 'editingteacher'`, c.ID); n != 3 {
				e.t.Errorf("[real] %d editingteacher assignments, want 3", n)
			}
		}
		st := newState()
		e.snapCourse(st, "academie", course)
		return st
	})
}

func TestEnrolRemoveAbsent(t *testing.T) {
	run(t, "enrol-remove-absent", func(e *env) *state {
		course := e.enrolCourse("E2E-ENR-ABS")
		dom := mailDomain("abs")
		u := func(l string) string { return l + "@" + dom }
		head := "E-mail;Prénom;Nom;Rôle\n"
		line := map[string]string{
			"ana": u("ana.a") + ";Ana;UN;participant\n",
			"ben": u("ben.b") + ";Ben;DEUX;participant\n",
			"cle": u("cle.c") + ";Clé;TROIS;participant\n",
			"fo":  u("fo.f") + ";Fo;FORM;formateur\n",
		}
		full := head + line["ana"] + line["ben"] + line["cle"] + line["fo"]
		e.ok(enrolArgs(course, e.writeCSV("full.csv", []byte(full)), "--unknown", "create")...)
		// Hal was enrolled by hand in Moodle, as a student and a tuteur:
		// absent from every file, but holding another role, he stays.
		cl := e.tg.site("academie").client
		hal, err := cl.CreateUsers(e.ctx, []moodle.UserInput{{Username: nm("e2e-hal"), FirstName: "Hal", LastName: "MAIN",
			Email: u("hal.h"), Auth: "manual", CreatePassword: 1}})
		if err != nil {
			e.t.Fatalf("[%s] creating Hal by hand: %v", e.tg.kind, err)
		}
		cid := moodle.Int(e.mustCourse("academie", course).ID)
		for _, role := range []int64{5, 4} { // student, teacher on a stock site
			if err := cl.EnrolUsers(e.ctx, []moodle.Enrolment{{RoleID: moodle.Int(role), UserID: hal[0].ID, CourseID: cid}}); err != nil {
				e.t.Fatalf("[%s] enrolling Hal by hand: %v", e.tg.kind, err)
			}
		}
		// Next week's file lacks Ben, and the formateur (another role).
		short := head + line["ana"] + line["cle"]
		csv := e.writeCSV("short.csv", []byte(short))
		before := e.dbCounts(course)
		// Without --yes: refused, nothing changes.
		if r := e.bridge(enrolArgs(course, csv, "--remove-absent")...); r.code != 2 || !strings.Contains(r.stderr, "--yes") {
			e.t.Errorf("[%s] --remove-absent without --yes: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		// A mistyped e-mail: Ana would be "absent", so nobody is removed,
		// and the dry run lists who would go, held.
		typo := e.writeCSV("typo.csv", []byte(strings.Replace(short, "ana.a@", "anna.a@", 1)))
		r := e.bridge(enrolArgs(course, typo, "--remove-absent", "--yes", "--max-remove-percent", "60")...)
		if r.code != 1 || !strings.Contains(r.stderr, "line(s) 2") || enrolCount(r.stdout, "removal_held") != 2 {
			e.t.Errorf("[%s] --remove-absent with a mistyped e-mail: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		e.sameCounts("--remove-absent with a typo", before, e.dbCounts(course))
		// One of four students is more than the default 20%: held.
		r = e.bridge(enrolArgs(course, csv, "--remove-absent", "--yes")...)
		if r.code != 1 || !strings.Contains(r.stderr, "1 of the 4") || enrolCount(r.stdout, "removal_held") != 1 {
			e.t.Errorf("[%s] --remove-absent beyond 20%%: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		e.sameCounts("--remove-absent beyond the share", before, e.dbCounts(course))
		// The dry run names Ben only.
		out := e.ok(enrolArgs(course, csv, "--remove-absent", "--yes", "--dry-run", "--max-remove-percent", "30")...)
		if enrolCount(out, "will_unenrol") != 1 {
			e.t.Errorf("[%s] dry run of --remove-absent:\n%s", e.tg.kind, out)
		}
		e.sameCounts("--remove-absent refused or dry", before, e.dbCounts(course))
		out = e.ok(enrolArgs(course, csv, "--remove-absent", "--yes", "--max-remove-percent", "30")...)
		if enrolCount(out, "unenrolled") != 1 {
			e.t.Errorf("[%s] --remove-absent --yes:\n%s", e.tg.kind, out)
		}
		e.wantEnrolled(course, map[string]string{
			u("ana.a"):    "student|",
			u("cle.c"):    "student|",
			u("fo.f"):     "editingteacher|",
			nm("e2e-hal"): "student,teacher|",
		})
		if n := len(e.users("academie", "email", u("ben.b"))); n != 1 {
			e.t.Errorf("[%s] Ben's account: %d, want it kept", e.tg.kind, n)
		}
		if before != nil {
			after := e.dbCounts(course)
			if after["user_enrolments"] != before["user_enrolments"]-1 || after["user"] != before["user"] {
				e.t.Errorf("[real] --remove-absent: %v → %v", before, after)
			}
		}
		// Again: nobody else goes.
		r = e.bridge(enrolArgs(course, csv, "--remove-absent", "--yes")...)
		if r.code != 0 || !strings.Contains(r.stderr, "nothing to do") {
			e.t.Errorf("[%s] --remove-absent again: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		st := newState()
		e.snapCourse(st, "academie", course)
		e.snapUsers(st, "academie", u("ana.a"), u("ben.b"), u("cle.c"), u("fo.f"), u("hal.h"))
		return st
	})
}

func TestEnrolHalfBad(t *testing.T) {
	run(t, "enrol-half-bad", func(e *env) *state {
		course := e.enrolCourse("E2E-ENR-BAD")
		dom := mailDomain("bad")
		u := func(l string) string { return l + "@" + dom }
		file := "E-mail;Prénom;Nom\n" +
			u("ok.un") + ";Ok;UN\n" +
			"pas-une-adresse@;Mal;FORMÉE\n" +
			u("ok.deux") + ";Ok;DEUX\n"
		report := filepath.Join(e.dir, "report.csv")
		r := e.bridge(enrolArgs(course, e.writeCSV("half.csv", []byte(file)), "--unknown", "create", "--report", report)...)
		if r.code != 1 || enrolCount(r.stdout, "invalid") != 1 || enrolCount(r.stdout, "created") != 2 {
			e.t.Errorf("[%s] half-bad file: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		rep, err := os.ReadFile(report)
		if err != nil {
			e.t.Fatal(err)
		}
		var badLines []string
		for _, l := range strings.Split(string(rep), "\n") {
			if strings.Contains(l, ";invalid;") {
				badLines = append(badLines, l)
			}
		}
		if len(badLines) != 1 || !strings.HasPrefix(badLines[0], "3;pas-une-adresse@") {
			e.t.Errorf("[%s] the report should name line 3 as invalid:\n%s", e.tg.kind, rep)
		}
		e.wantEnrolled(course, map[string]string{u("ok.un"): "student|", u("ok.deux"): "student|"})
		// The operator corrects the line and sends the file again: only
		// that person is new.
		fixed := strings.Replace(file, "pas-une-adresse@;", u("mal.formee")+";", 1)
		out := e.ok(enrolArgs(course, e.writeCSV("fixed.csv", []byte(fixed)), "--unknown", "create")...)
		if enrolCount(out, "created") != 1 || enrolCount(out, "already_enrolled") != 2 {
			e.t.Errorf("[%s] the corrected file:\n%s", e.tg.kind, out)
		}
		e.wantEnrolled(course, map[string]string{u("ok.un"): "student|", u("ok.deux"): "student|", u("mal.formee"): "student|"})
		if db := e.realDB("academie"); db != nil {
			if n := db.count("SELECT COUNT(*) FROM mdl_user WHERE email LIKE 'pas-une-adresse%'"); n != 0 {
				e.t.Errorf("[real] an account was made for the invalid line")
			}
		}
		st := newState()
		e.snapCourse(st, "academie", course)
		e.snapUsers(st, "academie", u("ok.un"), u("ok.deux"), u("mal.formee"))
		return st
	})
}

func TestEnrolEncodings(t *testing.T) {
	run(t, "enrol-encodings", func(e *env) *state {
		// One file, seven ways: each into its own course, all must end
		// with the same enrolments (and the accounts made only once).
		dom := mailDomain("enc")
		text := fixture(e.t, "enc_utf8.csv", dom, []string{"ac-paris.fr"})
		crlf := strings.ReplaceAll(text, "\n", "\r\n")
		variants := []struct {
			name string
			data []byte
		}{
			{"utf8.csv", []byte(text)},
			{"utf8_bom.csv", []byte(fixture(e.t, "enc_utf8_bom.csv", dom, []string{"ac-paris.fr"}))},
			{"utf16le.csv", utf16(e.t, crlf, unicode.LittleEndian)},
			{"utf16be.csv", utf16(e.t, text, unicode.BigEndian)},
			{"cp1252.csv", cp1252(e.t, crlf)},
			{"tab.tsv", []byte(strings.ReplaceAll(text, ";", "\t"))},
			{"pipe.csv", []byte(strings.ReplaceAll(text, ";", "|"))},
		}
		var bases []string
		for k := range variants {
			bases = append(bases, fmt.Sprintf("E2E-ENR-ENC%d", k+1))
		}
		courses := e.enrolCourses(bases...)
		st := newState()
		var ref map[string]string
		for k, v := range variants {
			course := courses[k]
			r := e.bridge(enrolArgs(course, e.writeCSV(v.name, v.data), "--unknown", "create")...)
			if r.code != 0 {
				e.t.Errorf("[%s] %s: exit %d\n%s%s", e.tg.kind, v.name, r.code, r.stdout, r.stderr)
				continue
			}
			if k == 0 && enrolCount(r.stdout, "created") != 2 || k > 0 && enrolCount(r.stdout, "enrolled") != 2 {
				e.t.Errorf("[%s] %s:\n%s", e.tg.kind, v.name, r.stdout)
			}
			got := e.enrolledOf(course)
			if ref == nil {
				ref = got
			} else if fmt.Sprint(got) != fmt.Sprint(ref) {
				e.t.Errorf("[%s] %s enrolled %v, the UTF-8 file %v", e.tg.kind, v.name, got, ref)
			}
			e.snapCourse(st, "academie", course)
		}
		emails := []string{"emerencienne.dupont@" + dom, "laetitia.martin@" + dom}
		e.wantEnrolled(courses[0], map[string]string{
			emails[0]: "student|G1",
			emails[1]: "editingteacher|G2",
		})
		users := e.users("academie", "email", emails...)
		if len(users) != 2 {
			e.t.Fatalf("[%s] %d accounts, want 2", e.tg.kind, len(users))
		}
		for _, us := range users {
			if n := us.FirstName + " " + us.LastName; n != "Émerencienne DUPONT" && n != "Lætitia MARTIN" {
				e.t.Errorf("[%s] account %s named %q", e.tg.kind, us.Email, n)
			}
		}
		e.snapUsers(st, "academie", emails...)
		return st
	})
}

func TestEnrolAfterHandChanges(t *testing.T) {
	run(t, "enrol-after-hand-changes", func(e *env) *state {
		course := e.enrolCourse("E2E-ENR-HAND")
		dom := mailDomain("hand")
		u := func(l string) string { return l + "@" + dom }
		file := "E-mail;Prénom;Nom\n" + u("una.u") + ";Una;UN\n" + u("dos.d") + ";Dos;DEUX\n" + u("tres.t") + ";Tres;TROIS\n"
		csv := e.writeCSV("list.csv", []byte(file))
		e.ok(enrolArgs(course, csv, "--unknown", "create", "--group", "G1")...)
		// In Moodle, an admin unenrols Una and suspends Dos's account.
		cl := e.tg.site("academie").client
		cid := moodle.Int(e.mustCourse("academie", course).ID)
		ids := map[string]moodle.Int{}
		for _, us := range e.users("academie", "email", u("una.u"), u("dos.d")) {
			ids[strings.ToLower(us.Email)] = moodle.Int(us.ID)
		}
		if err := cl.UnenrolUsers(e.ctx, []moodle.Unenrolment{{UserID: ids[u("una.u")], CourseID: cid}}); err != nil {
			e.t.Fatalf("[%s] unenrolling by hand: %v", e.tg.kind, err)
		}
		if err := cl.Call(e.ctx, "core_user_update_users", moodle.Params{"users": []map[string]any{{"id": ids[u("dos.d")], "suspended": 1}}}, nil); err != nil {
			e.t.Fatalf("[%s] suspending by hand: %v", e.tg.kind, err)
		}
		// The same file again: Una comes back (in G1), Dos is reported as
		// suspended and the command fails, Tres is untouched.
		r := e.bridge(enrolArgs(course, csv, "--unknown", "create", "--group", "G1")...)
		if r.code != 1 || enrolCount(r.stdout, "enrolled") != 1 || enrolCount(r.stdout, "suspended") != 1 ||
			enrolCount(r.stdout, "already_enrolled") != 1 || enrolCount(r.stdout, "created") != 0 {
			e.t.Errorf("[%s] rerun after hand changes: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		e.wantEnrolled(course, map[string]string{u("una.u"): "student|G1", u("dos.d"): "student|G1", u("tres.t"): "student|G1"})
		if n := len(e.users("academie", "email", u("una.u"))); n != 1 {
			e.t.Errorf("[%s] Una has %d accounts, want her old one only", e.tg.kind, n)
		}
		st := newState()
		e.snapCourse(st, "academie", course)
		e.snapUsers(st, "academie", u("una.u"), u("dos.d"), u("tres.t"))
		return st
	})
}

func TestEnrolDirtyFixture(t *testing.T) {
	run(t, "enrol-dirty-fixture", func(e *env) *state {
		course := e.enrolCourse("E2E-ENR-DIRTY")
		dom := mailDomain("dirty")
		// A spreadsheet export with a title line, blank lines, a duplicate,
		// bad e-mails, short and long lines, formulas, quoted cells
		// spanning lines and an unterminated quote.
		text := fixture(e.t, "dirty.csv", dom, []string{"ac-lyon.fr", "AC-LYON.fr"})
		csv := e.writeCSV("dirty.csv", []byte(text))
		report := filepath.Join(e.dir, "dirty.json")
		r := e.bridge(enrolArgs(course, csv, "--unknown", "create", "--report", report)...)
		if r.code != 1 || enrolCount(r.stdout, "created") != 9 || enrolCount(r.stdout, "invalid") != 5 ||
			enrolCount(r.stdout, "duplicate") != 1 {
			e.t.Errorf("[%s] dirty.csv: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		var rep struct {
			Rows []struct {
				Line   int    `json:"line"`
				Status string `json:"status"`
			} `json:"rows"`
		}
		b, err := os.ReadFile(report)
		if err != nil || json.Unmarshal(b, &rep) != nil {
			e.t.Fatalf("[%s] report: %v\n%s", e.tg.kind, err, b)
		}
		var bad []int
		for _, row := range rep.Rows {
			if row.Status == "invalid" {
				bad = append(bad, row.Line)
			}
		}
		if fmt.Sprint(bad) != "[7 8 9 12 19]" {
			e.t.Errorf("[%s] invalid lines %v, want [7 8 9 12 19]", e.tg.kind, bad)
		}
		u := func(l string) string { return l + "@" + dom }
		enrolled := e.enrolledOf(course)
		for _, l := range []string{"jean.dupont", "court", "trop", "formule", "cite", "apres", "sans-role", "ouvert", "suivant"} {
			if !strings.HasPrefix(enrolled[u(l)], "student|") {
				e.t.Errorf("[%s] %s not enrolled as a student: %q", e.tg.kind, u(l), enrolled[u(l)])
			}
		}
		if len(enrolled) != 9 {
			e.t.Errorf("[%s] %d enrolled, want 9: %v", e.tg.kind, len(enrolled), enrolled)
		}
		// Quoted cells keep their semicolons and quotes, and a formula-like
		// name is stored as text.
		names := map[string]string{}
		for _, us := range e.users("academie", "email", u("cite"), u("formule")) {
			names[strings.ToLower(us.Email)] = us.FirstName + " / " + us.LastName
		}
		if names[u("cite")] != `Anne; Sophie / MARTIN "dite" MARTINE` || names[u("formule")] != "@SUM(1+1) / FORMULE" {
			e.t.Errorf("[%s] names from quoted and formula cells: %q", e.tg.kind, names)
		}
		// The same dirty file again: the same problems, nothing new.
		before := e.dbCounts(course)
		r = e.bridge(enrolArgs(course, csv, "--unknown", "create")...)
		if r.code != 1 || enrolCount(r.stdout, "already_enrolled") != 9 || !strings.Contains(r.stderr, "nothing to do") {
			e.t.Errorf("[%s] dirty.csv again: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		e.sameCounts("dirty.csv again", before, e.dbCounts(course))
		st := newState()
		e.snapCourse(st, "academie", course)
		e.snapUsers(st, "academie", u("jean.dupont"), u("court"), u("trop"), u("formule"), u("cite"), u("apres"),
			u("sans-role"), u("ouvert"), u("suivant"))
		return st
	})
}

func TestEnrolSplitSessions(t *testing.T) {
	run(t, "enrol-split-sessions", func(e *env) *state {
		parc := e.parcours("academie", "E2E-ENR-SPLIT")
		e.ok("sessions", "create", "--domain", "academie", "--from", parc, "--name", "Découpage",
			"--start", "2027-01-11", "--end", "2027-03-12", "--participants", "6", "--max", "2")
		sessions := []string{parc + "-S1", parc + "-S2", parc + "-S3"}
		dom := mailDomain("split")
		u := func(l string) string { return l + "@" + dom }
		line := func(l string) string { return u(l) + ";" + strings.ToUpper(l[:1]) + l[1:] + ";SPLIT\n" }
		head := "E-mail;Prénom;Nom\n"
		file := head + line("anne") + line("bert") + line("carl") + line("dora")
		e.ok(enrolArgs(strings.Join(sessions, ","), e.writeCSV("four.csv", []byte(file)), "--unknown", "create", "--max-per-session", "2")...)
		// A fifth person joins the list: the four already placed stay in
		// their session, nobody is enrolled twice.
		file2 := file + line("alix")
		r := e.bridge(enrolArgs(strings.Join(sessions, ","), e.writeCSV("five.csv", []byte(file2)), "--unknown", "create", "--max-per-session", "2")...)
		if r.code != 0 || enrolCount(r.stdout, "already_enrolled") != 4 || enrolCount(r.stdout, "created") != 1 {
			e.t.Errorf("[%s] the file with a fifth person: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		where := map[string][]string{}
		for k, s := range sessions {
			for un := range e.enrolledOf(s) {
				where[un] = append(where[un], fmt.Sprintf("S%d", k+1))
			}
		}
		for l, want := range map[string]string{"anne": "[S1]", "bert": "[S1]", "carl": "[S2]", "dora": "[S2]", "alix": "[S3]"} {
			if got := fmt.Sprint(where[u(l)]); got != want {
				e.t.Errorf("[%s] %s is in %s, want %s", e.tg.kind, l, got, want)
			}
		}
		// And once more: nothing to do.
		r = e.bridge(enrolArgs(strings.Join(sessions, ","), e.writeCSV("five.csv", []byte(file2)), "--unknown", "create", "--max-per-session", "2")...)
		if r.code != 0 || !strings.Contains(r.stderr, "nothing to do") {
			e.t.Errorf("[%s] the five again: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		st := newState()
		for _, s := range sessions {
			e.snapCourse(st, "academie", s)
		}
		return st
	})
}
