package e2e

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/moodle"
)

// The bulk path (local_bridge_create_enrol_users) against core's
// functions on the same site: the same people, manual and SSO accounts,
// each path into a course of its own, must leave the same accounts,
// passwords, preferences, enrolments and roles; and a chunk sent twice
// (its answer lost) creates and enrols nothing the second time.

// bulkPeople is a file of n people whose e-mails start with prefix.
func bulkPeople(prefix, dom string, n int) (string, []string) {
	var b strings.Builder
	var emails []string
	b.WriteString("Courriel;Prénom;Nom\n")
	for i := 0; i < n; i++ {
		m := fmt.Sprintf("%s%d@%s", prefix, i, dom)
		emails = append(emails, m)
		fmt.Fprintf(&b, "%s;Prénom%d;NOM-%s\n", m, i, strings.ToUpper(prefix))
	}
	return b.String(), emails
}

// enrolPath runs `enrol` with --format json and returns the path the
// report names and the counts by status.
func (e *env) enrolPath(course, csv string, more ...string) (string, map[string]int) {
	e.t.Helper()
	out := e.ok(append([]string{"--format", "json"}, enrolArgs(course, csv, append([]string{"--unknown", "create"}, more...)...)...)...)
	var rep struct {
		EnrolPath string `json:"enrol_path"`
		Counts    struct {
			ByStatus map[string]int `json:"by_status"`
		} `json:"counts"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		e.t.Fatalf("[%s] enrol --format json: %v\n%s", e.tg.kind, err, out)
	}
	return rep.EnrolPath, rep.Counts.ByStatus
}

// accountState is what the real site holds for an account beyond web
// services: auth, confirmed, whether a password hash is set (and which
// kind), its password preferences, and its enrolments and roles in the
// course. Names are left out: each path's people have their own.
func (e *env) accountState(db *siteDB, email string, courseID int64) string {
	e.t.Helper()
	var auth, password string
	var id, confirmed int64
	if err := db.s.db.QueryRow("SELECT id, auth, confirmed, password FROM mdl_user WHERE email = ? AND deleted = 0",
		email).Scan(&id, &auth, &confirmed, &password); err != nil {
		e.t.Fatalf("[real] account %s: %v", email, err)
	}
	pw := "hash"
	switch {
	case password == "":
		pw = "empty"
	case password == "not cached":
		pw = "not cached"
	}
	var prefs []string
	rows, err := db.s.db.Query("SELECT name, value FROM mdl_user_preferences WHERE userid = ? AND name IN ('create_password', 'auth_forcepasswordchange') ORDER BY name", id)
	if err != nil {
		e.t.Fatal(err)
	}
	for rows.Next() {
		var n, v string
		if err := rows.Scan(&n, &v); err != nil {
			e.t.Fatal(err)
		}
		prefs = append(prefs, n+"="+v)
	}
	rows.Close()
	enrolments := db.count(`SELECT COUNT(*) FROM mdl_user_enrolments ue JOIN mdl_enrol en ON en.id = ue.enrolid
		WHERE en.courseid = ? AND en.enrol = 'manual' AND ue.userid = ? AND ue.status = 0`, courseID, id)
	var roles []string
	rr, err := db.s.db.Query(`SELECT r.shortname, ra.component FROM mdl_role_assignments ra JOIN mdl_role r ON r.id = ra.roleid
		JOIN mdl_context cx ON cx.id = ra.contextid WHERE cx.contextlevel = 50 AND cx.instanceid = ? AND ra.userid = ?`, courseID, id)
	if err != nil {
		e.t.Fatal(err)
	}
	for rr.Next() {
		var r, c string
		if err := rr.Scan(&r, &c); err != nil {
			e.t.Fatal(err)
		}
		roles = append(roles, r+"/"+c)
	}
	rr.Close()
	sort.Strings(roles)
	ctx := db.count("SELECT COUNT(*) FROM mdl_context WHERE contextlevel = 30 AND instanceid = ?", id)
	created := db.count("SELECT COUNT(*) FROM mdl_logstore_standard_log WHERE eventname = ? AND objectid = ?",
		`\core\event\user_created`, id)
	return fmt.Sprintf("auth=%s confirmed=%d password=%s prefs=%v enrolments=%d roles=%v usercontext=%d user_created_events=%d",
		auth, confirmed, pw, prefs, enrolments, roles, ctx, created)
}

func TestEnrolBulkPath(t *testing.T) {
	run(t, "enrol-bulk-path", func(e *env) *state {
		courses := e.enrolCourses("E2E-ENR-BULK", "E2E-ENR-CORE")
		dom := mailDomain("bulk")
		core := newEnv(e.t, e.tg, "    enrol_path: core\n")
		core.ctx = e.ctx
		files := map[string]map[string][]string{} // path -> kind -> e-mails
		for _, path := range []string{"bulk", "core"} {
			files[path] = map[string][]string{}
			course, runner := courses[0], e
			if path == "core" {
				course, runner = courses[1], core
			}
			for _, kind := range []string{"manual", "sso"} {
				text, emails := bulkPeople(path+"-"+kind+"-", dom, 4)
				csv := runner.writeCSV(path+"-"+kind+".csv", []byte(text))
				var more []string
				if kind == "sso" {
					more = []string{"--auth", "shibboleth"}
				}
				got, counts := runner.enrolPath(course, csv, more...)
				if got != path {
					e.t.Errorf("[%s] %s accounts through enrol_path %s: the report says path %q", e.tg.kind, kind, path, got)
				}
				if counts["created"] != 4 || len(counts) != 1 {
					e.t.Errorf("[%s] %s/%s: counts %v, want 4 created", e.tg.kind, path, kind, counts)
				}
				files[path][kind] = emails
			}
		}
		for _, course := range courses {
			want := map[string]string{}
			path := "bulk"
			if course == courses[1] {
				path = "core"
			}
			for _, kind := range []string{"manual", "sso"} {
				for _, m := range files[path][kind] {
					for _, u := range e.users("academie", "email", m) {
						want[u.Username] = "student|"
					}
				}
			}
			e.wantEnrolled(course, want)
		}
		// Each account of the bulk path is what core's path made for its
		// counterpart, down to the password and its preferences.
		if db := e.realDB("academie"); db != nil {
			ids := map[string]int64{"bulk": e.mustCourse("academie", courses[0]).ID, "core": e.mustCourse("academie", courses[1]).ID}
			for _, kind := range []string{"manual", "sso"} {
				for i := range files["bulk"][kind] {
					b := e.accountState(db, files["bulk"][kind][i], ids["bulk"])
					c := e.accountState(db, files["core"][kind][i], ids["core"])
					if b != c {
						e.t.Errorf("[real] %s account %d: bulk path %s\n  core path %s", kind, i, b, c)
					}
				}
			}
		}
		// A chunk sent again as it was (its answer lost after the commit):
		// the same accounts, nothing created or enrolled, no row written.
		before := e.dbCounts(courses[0])
		c := e.mustCourse("academie", courses[0])
		var people []moodle.BulkPerson
		for _, u := range e.users("academie", "email", files["bulk"]["sso"]...) {
			people = append(people, moodle.BulkPerson{Username: u.Username, FirstName: u.FirstName, LastName: u.LastName,
				Email: u.Email, Auth: "shibboleth"})
		}
		rows, err := e.tg.site("academie").client.CreateEnrolUsers(e.ctx, moodle.Int(c.ID), 5, people)
		if err != nil {
			e.t.Fatalf("[%s] the chunk sent again: %v", e.tg.kind, err)
		}
		for i, r := range rows {
			if bool(r.Created) || bool(r.Enrolled) || r.Refused() || r.UserID == 0 {
				e.t.Errorf("[%s] the chunk sent again, row %d: %+v; want its account found, nothing done", e.tg.kind, i, r)
			}
		}
		e.sameCounts("a chunk sent twice", before, e.dbCounts(courses[0]))
		st := newState()
		for _, course := range courses {
			e.snapCourse(st, "academie", course)
		}
		for _, path := range []string{"bulk", "core"} {
			for _, kind := range []string{"manual", "sso"} {
				e.snapUsers(st, "academie", files[path][kind]...)
			}
		}
		return st
	})
}
