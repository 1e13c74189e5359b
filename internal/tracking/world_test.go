package tracking

import (
	"context"
	"database/sql"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/moodledb"
	"github.com/magistere/bridge/internal/moodlesim"
	"github.com/magistere/bridge/internal/store/storetest"
)

const simToken = "tracking-test-token-0123456789"

// Standard Moodle role ids, as the simulator installs them.
const (
	roleManager = 1
	roleTeacher = 3
	roleStudent = 5
)

var testRoles = Roles{Participant: "student", Staff: []string{"manager", "editingteacher"}}

type world struct {
	sim *moodlesim.Server
	c   *moodle.Client
	url string
}

func newWorld(tb testing.TB) *world {
	tb.Helper()
	sim := moodlesim.New(moodlesim.Options{Sites: []string{"national", "ac-a"}, Token: simToken})
	srv := httptest.NewServer(sim.Handler())
	tb.Cleanup(srv.Close)
	url := srv.URL + "/ac-a"
	c, err := moodle.New(moodle.Site{Name: "ac-a", WWWRoot: url, Token: simToken}, moodle.Options{Concurrency: 8})
	if err != nil {
		tb.Fatal(err)
	}
	return &world{sim: sim, c: c, url: url}
}

// session builds, through web services, one course with activities,
// participants and a formateur, and completions following a pattern.
// It returns the course id, the formateur's and the participants' ids.
func (w *world) session(tb testing.TB, n, activities int, tag string) (int64, int64, []int64) {
	tb.Helper()
	ctx := context.Background()
	one := 1
	created, err := w.c.CreateCourses(ctx, []moodle.CourseInput{{FullName: "Session " + tag, ShortName: "S-" + tag,
		CategoryID: 1, EnableCompletion: &one}})
	if err != nil {
		tb.Fatal(err)
	}
	courseID := created[0].ID
	site := w.sim.Site("ac-a")
	var cmids []int
	for i := 0; i < activities; i++ {
		cm, err := site.AddActivity(int(courseID), fmt.Sprintf("Activité %d", i+1), "page", 1)
		if err != nil {
			tb.Fatal(err)
		}
		cmids = append(cmids, cm)
	}
	if _, err := site.AddActivity(int(courseID), "Forum (sans suivi)", "forum", 0); err != nil {
		tb.Fatal(err)
	}
	// Without criteria Moodle answers nocriteriaset; self completion keeps
	// the course complete only when marked.
	if err := site.SetCompletionCriteria(int(courseID), moodlesim.Criteria{Self: true}); err != nil {
		tb.Fatal(err)
	}
	users := []moodle.UserInput{{Username: "f-" + tag, Password: "Passw0rd!", FirstName: "Noël", LastName: "Daudé",
		Email: "f-" + tag + "@example.org"}}
	for i := 0; i < n; i++ {
		users = append(users, moodle.UserInput{Username: fmt.Sprintf("p%d-%s", i, tag), Password: "Passw0rd!",
			FirstName: "Lætitia", LastName: fmt.Sprintf("Émerencienne%d", i), Email: fmt.Sprintf("p%d-%s@example.org", i, tag),
			Department: fmt.Sprintf("École %d", i%3)})
	}
	var made []moodle.CreatedUser
	for start := 0; start < len(users); start += 100 {
		part, err := w.c.CreateUsers(ctx, users[start:min(start+100, len(users))])
		if err != nil {
			tb.Fatal(err)
		}
		made = append(made, part...)
	}
	var ids []int64
	rows := []moodle.Enrolment{{RoleID: roleTeacher, UserID: made[0].ID, CourseID: courseID}}
	for _, u := range made[1:] {
		ids = append(ids, int64(u.ID))
		rows = append(rows, moodle.Enrolment{RoleID: roleStudent, UserID: u.ID, CourseID: courseID})
	}
	for start := 0; start < len(rows); start += 100 {
		if err := w.c.EnrolUsers(ctx, rows[start:min(start+100, len(rows))]); err != nil {
			tb.Fatal(err)
		}
	}
	for i, id := range ids {
		for k := 0; k < i%(activities+1); k++ { // progress 0, 1/a, 2/a, … full
			if _, err := w.c.OverrideActivityCompletion(ctx, moodle.Int(id), moodle.Int(cmids[k]), 1); err != nil {
				tb.Fatal(err)
			}
		}
		if i%4 == 1 {
			if _, err := w.c.MarkCourseComplete(ctx, courseID, moodle.Int(id), true); err != nil {
				tb.Fatal(err)
			}
		}
	}
	return int64(courseID), int64(made[0].ID), ids
}

// moodleDB opens a fresh MariaDB database holding the project's Moodle
// DDL; it returns the loader's handle and the database's DSN, which the
// bridge opens the way it does in production (moodledb.Open).
func moodleDB(tb testing.TB) (*sql.DB, string) {
	tb.Helper()
	dsn := storetest.MySQLDSN(tb)
	db, err := sql.Open("mysql", dsn+"?multiStatements=true")
	if strings.Contains(dsn, "?") {
		db, err = sql.Open("mysql", dsn+"&multiStatements=true")
	}
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	ddl, err := os.ReadFile("../moodledb/testdata/schema.sql")
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := db.Exec(string(ddl)); err != nil {
		tb.Fatalf("load Moodle DDL: %v", err)
	}
	if _, err := db.Exec(`INSERT INTO mdl_role (id, shortname) VALUES (1, 'manager'), (3, 'editingteacher'), (4, 'teacher'), (5, 'student')`); err != nil {
		tb.Fatal(err)
	}
	return db, dsn
}

// inserter batches rows into multi-row INSERTs.
type inserter struct {
	db    *sql.DB
	table string
	cols  string
	n     int
	rows  []string
	args  []any
}

func (in *inserter) add(tb testing.TB, args ...any) {
	in.rows = append(in.rows, "("+strings.TrimSuffix(strings.Repeat("?,", len(args)), ",")+")")
	in.args = append(in.args, args...)
	if len(in.rows) >= 500 {
		in.flush(tb)
	}
}

func (in *inserter) flush(tb testing.TB) {
	if len(in.rows) == 0 {
		return
	}
	q := "INSERT IGNORE INTO " + in.table + " (" + in.cols + ") VALUES " + strings.Join(in.rows, ",")
	if _, err := in.db.Exec(q, in.args...); err != nil {
		tb.Fatalf("insert %s: %v", in.table, err)
	}
	in.rows, in.args = nil, nil
}

// mirror reads the simulator's state through web services only and
// writes the rows a real Moodle would hold for it.
func (w *world) mirror(tb testing.TB, db *sql.DB, courseIDs []int64) {
	tb.Helper()
	ctx := context.Background()
	ins := map[string]*inserter{}
	table := func(name, cols string) *inserter {
		if ins[name] == nil {
			ins[name] = &inserter{db: db, table: name, cols: cols}
		}
		return ins[name]
	}
	for _, id := range courseIDs {
		courses, err := w.c.GetCoursesByField(ctx, "id", fmt.Sprint(id))
		if err != nil || len(courses) != 1 {
			tb.Fatalf("course %d: %v", id, err)
		}
		co := courses[0]
		enabled := 0
		if co.EnableCompletion {
			enabled = 1
		}
		table("mdl_course", "id, fullname, shortname, enablecompletion").add(tb, id, co.FullName, co.ShortName, enabled)
		table("mdl_enrol", "id, courseid").add(tb, id, id) // one manual instance per course, id = course id
		table("mdl_context", "id, contextlevel, instanceid").add(tb, 100000+id, 50, id)
		sections, err := w.c.GetContents(ctx, moodle.Int(id))
		if err != nil {
			tb.Fatal(err)
		}
		for _, s := range sections {
			for _, m := range s.Modules {
				table("mdl_course_modules", "id, course, completion").add(tb, int64(m.ID), id, int64(m.Completion))
			}
		}
		var users []enrolledUser
		err = w.c.Call(ctx, "core_enrol_get_enrolled_users", moodle.Params{"courseid": id,
			"options": []moodle.NameValue{{Name: "userfields", Value: enrolledFields}}}, &users)
		if err != nil {
			tb.Fatal(err)
		}
		for _, u := range users {
			table("mdl_user", "id, firstname, lastname, institution, department").add(tb, int64(u.ID), u.FirstName, u.LastName, u.Institution, u.Department)
			table("mdl_user_enrolments", "enrolid, userid").add(tb, id, int64(u.ID))
			for _, r := range u.Roles {
				table("mdl_role_assignments", "roleid, contextid, userid").add(tb, int64(r.RoleID), 100000+id, int64(u.ID))
			}
			if u.LastCourseAccess > 0 {
				table("mdl_user_lastaccess", "userid, courseid, timeaccess").add(tb, int64(u.ID), id, int64(u.LastCourseAccess))
			}
			statuses, _, err := w.c.GetActivitiesCompletionStatus(ctx, moodle.Int(id), u.ID)
			if err != nil {
				tb.Fatal(err)
			}
			for _, st := range statuses {
				if st.State > 0 {
					table("mdl_course_modules_completion", "coursemoduleid, userid, completionstate").add(tb, int64(st.CMID), int64(u.ID), int64(st.State))
				}
			}
			done, err := WSSource{Client: w.c}.courseCompleted(ctx, id, int64(u.ID))
			if err != nil {
				tb.Fatal(err)
			}
			if done {
				table("mdl_course_completions", "userid, course, timecompleted").add(tb, int64(u.ID), id, 1700000000)
			}
		}
	}
	for _, in := range ins {
		in.flush(tb)
	}
}

func dbSource(tb testing.TB, dsn string) DBSource {
	tb.Helper()
	mdb, err := moodledb.Open(dsn, "mdl_")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { mdb.Close() })
	return DBSource{DB: mdb, Roles: testRoles}
}
