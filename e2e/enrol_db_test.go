package e2e

import (
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/enrol"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/moodledb"
)

// withDB is the scenario's environment with the domain's read-only
// database configured (db_dsn) on the real site; the simulator has none,
// so there it is the same environment.
func (e *env) withDB(domain string) *env {
	e.t.Helper()
	s := e.tg.site(domain)
	if s.dsn == "" {
		return e
	}
	raw, err := os.ReadFile(e.config)
	if err != nil {
		e.t.Fatal(err)
	}
	marker := "  - name: " + domain + "\n"
	cfg := strings.Replace(string(raw), marker, marker+"    db_dsn: "+s.dsn+"\n", 1)
	path := e.config + ".db.yaml"
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		e.t.Fatal(err)
	}
	with := *e
	with.config = path
	return &with
}

// TestEnrolPlanFromDatabase: with db_dsn the plan reads accounts and
// enrolments from the database; it must decide exactly as the web services
// do, and a re-run of the same file is "nothing to do" either way.
func TestEnrolPlanFromDatabase(t *testing.T) {
	run(t, "enrol-plan-from-database", func(e *env) *state {
		short := e.enrolCourse("E2E-DBPLAN")
		dom := mailDomain("dbplan")
		var b strings.Builder
		b.WriteString("Nom;Prénom;Mail;Fonction;Rôle;Groupe\n")
		for i := 1; i <= 30; i++ {
			role := "participant"
			if i%10 == 0 {
				role = "formateur"
			}
			fmt.Fprintf(&b, "NOM%02d;Prénom%02d;p%02d@%s;Professeur;%s;Groupe %d\n", i, i, i, dom, role, i%3)
		}
		csv := e.writeCSV("dbplan.csv", []byte(b.String()))
		e.ok(enrolArgs(short, csv, "--unknown", "create")...)
		// By hand in Moodle: one person unenrolled.
		c := e.mustCourse("academie", short)
		gone := e.users("academie", "email", "p07@"+dom)[0]
		if err := e.tg.site("academie").client.UnenrolUsers(e.ctx, []moodle.Unenrolment{{UserID: moodle.Int(gone.ID), CourseID: moodle.Int(c.ID)}}); err != nil {
			e.t.Fatal(err)
		}
		st := newState()
		for _, ev := range []*env{e, e.withDB("academie")} {
			dry := ev.ok(enrolArgs(short, csv, "--unknown", "create", "--dry-run")...)
			st.set("dry run will_enrol", "%d", enrolCount(dry, "will_enrol"))
			if n := enrolCount(dry, "will_enrol"); n != 1 {
				e.t.Errorf("[%s] dry run (config %s): will_enrol %d, want 1\n%s", e.tg.kind, ev.config, n, dry)
			}
		}
		e.withDB("academie").ok(enrolArgs(short, csv, "--unknown", "create")...)
		again := e.withDB("academie").bridge(enrolArgs(short, csv, "--unknown", "create")...)
		if again.code != 0 || !strings.Contains(again.stderr, "nothing to do") || enrolCount(again.stdout, "already_enrolled") != 30 {
			e.t.Errorf("[%s] re-run with db_dsn: exit %d\n%s%s", e.tg.kind, again.code, again.stdout, again.stderr)
		}
		if s := e.tg.site("academie"); s.dsn != "" {
			db, err := moodledb.Open(s.dsn, "mdl_")
			if err != nil {
				e.t.Fatal(err)
			}
			defer db.Close()
			sameDirectory(e, enrol.WebServices{Client: s.client}, db, c.ID, dom)
		}
		e.snapCourse(st, "academie", short)
		return st
	})
}

// sameDirectory checks the database answers the plan's reads exactly as
// the web services do.
func sameDirectory(e *env, ws, db enrol.Directory, course int64, dom string) {
	e.t.Helper()
	norm := func(users []moodle.User) []string {
		var out []string
		for _, u := range users {
			var roles, groups []string
			for _, r := range u.Roles {
				roles = append(roles, fmt.Sprintf("%d:%s", r.RoleID, r.ShortName))
			}
			for _, g := range u.Groups {
				groups = append(groups, fmt.Sprintf("%d:%s", g.ID, g.Name))
			}
			sort.Strings(roles)
			sort.Strings(groups)
			out = append(out, fmt.Sprintf("%d %s %s %s %s %v %v", u.ID, u.Username, u.Email, u.FirstName, u.LastName, roles, groups))
		}
		sort.Strings(out)
		return out
	}
	a, err1 := ws.EnrolledUsers(e.ctx, course)
	b, err2 := db.EnrolledUsers(e.ctx, course)
	if err1 != nil || err2 != nil {
		e.t.Fatalf("enrolled users: ws %v, db %v", err1, err2)
	}
	if x, y := norm(a), norm(b); !reflect.DeepEqual(x, y) || len(x) < 29 {
		e.t.Errorf("enrolled users differ (%d by web services, %d by database):\nws %v\ndb %v", len(x), len(y), x, y)
	}
	emails := []string{"p01@" + dom, "P02@" + strings.ToUpper(dom), "nobody@" + dom}
	for _, field := range []string{"email"} {
		a, err1 := ws.UsersByField(e.ctx, field, emails)
		b, err2 := db.UsersByField(e.ctx, field, emails)
		if err1 != nil || err2 != nil {
			e.t.Fatalf("users by %s: ws %v, db %v", field, err1, err2)
		}
		if x, y := norm(a), norm(b); !reflect.DeepEqual(x, y) {
			e.t.Errorf("users by %s differ:\nws %v\ndb %v", field, x, y)
		}
	}
}
