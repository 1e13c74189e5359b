package gaia

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/enrol"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/moodlesim"
	"github.com/magistere/bridge/internal/store"
)

type syncEnv struct {
	st     *store.Store
	client *moodle.Client
	course int64
	syncer *Syncer
	seeded int64 // write calls made by the setup
}

func newSyncEnv(t *testing.T) *syncEnv {
	t.Helper()
	ctx := context.Background()
	sim := moodlesim.New(moodlesim.Options{Sites: []string{"ac-a"}, Token: "tok"})
	ts := httptest.NewServer(sim.Handler())
	t.Cleanup(ts.Close)
	c, err := moodle.New(moodle.Site{Name: "ac-a", WWWRoot: ts.URL /* a single site is served at the root */, Token: "tok"}, moodle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	course, err := c.CreateCourseOnce(ctx, moodle.CourseInput{FullName: "Lire et écrire au cycle 2 — groupe 1", ShortName: "GAIA-45001-1", CategoryID: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Noël Daudé already has an account; the others are created (SSO).
	if _, err := c.CreateUsers(ctx, []moodle.UserInput{{Username: "ndaude", FirstName: "Noël", LastName: "Daudé",
		Email: "noel.daude@ac-a.fr", Auth: "shibboleth"}}); err != nil {
		t.Fatal(err)
	}
	env := &syncEnv{st: st, client: c, course: int64(course.ID)}
	env.seeded = env.writes()
	env.syncer = &Syncer{St: st, Client: c, Domain: "ac-a", Options: enrol.PlanOptions{Unknown: "create", CreateAuth: "shibboleth"}}
	return env
}

func (env *syncEnv) importFile(t *testing.T, name string, data []byte) Outcome {
	t.Helper()
	if data == nil {
		var err error
		if data, err = os.ReadFile(filepath.Join("testdata", name)); err != nil {
			t.Fatal(err)
		}
	}
	f, err := Parse(name, data, "")
	if err != nil {
		t.Fatal(err)
	}
	out, err := Import(context.Background(), env.st, "ac-a", f)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (env *syncEnv) sync(t *testing.T, dryRun bool) CourseResult {
	t.Helper()
	res, err := env.syncer.Sync(context.Background(), enrol.Direct{Ctx: context.Background()}, dryRun)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Courses) != 1 {
		t.Fatalf("courses = %+v", res.Courses)
	}
	return res.Courses[0]
}

// enrolled lists "email=role,role" of the course.
func (env *syncEnv) enrolled(t *testing.T) string {
	t.Helper()
	users, err := env.client.GetEnrolledUsers(context.Background(), moodle.Int(env.course), moodle.EnrolledUsersOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, u := range users {
		var roles []string
		for _, r := range u.Roles {
			roles = append(roles, r.ShortName)
		}
		out = append(out, u.Email+"="+strings.Join(roles, ","))
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func (env *syncEnv) writes() int64 {
	s := env.client.Stats()
	return s.Calls["core_user_create_users"] + s.Calls["enrol_manual_enrol_users"] + s.Calls["enrol_manual_unenrol_users"] - env.seeded
}

func TestImportSkipsAKnownFile(t *testing.T) {
	env := newSyncEnv(t)
	first := env.importFile(t, "stagiaires_ac-a_2026.csv", nil)
	if first.Skipped || first.File.Rows() != 4 {
		t.Fatalf("first import = %+v", first)
	}
	again := env.importFile(t, "copie.csv", mustRead(t, "stagiaires_ac-a_2026.csv"))
	if !again.Skipped || again.Previous.Name != "stagiaires_ac-a_2026.csv" || again.Previous.Rows != 4 {
		t.Fatalf("re-import = %+v", again)
	}
	files, _ := env.st.ListGaiaFiles(context.Background(), "ac-a")
	if len(files) != 1 {
		t.Fatalf("files = %+v", files)
	}
}

func mustRead(t *testing.T, name string) []byte {
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestSyncEnrolsOnceAndReportsAbsent(t *testing.T) {
	env := newSyncEnv(t)
	ctx := context.Background()
	for _, f := range []string{"formations_ac-a_2026.csv", "intervenants_ac-a_2026.csv", "stagiaires_ac-a_2026.csv"} {
		env.importFile(t, f, nil)
	}
	const key = "26A0010123/45001/1"
	if err := env.st.LinkGaiaSession(ctx, store.GaiaLink{Domain: "ac-a", CourseID: env.course, SessionKey: key, LinkedBy: "test"}); err != nil {
		t.Fatal(err)
	}

	dry := env.sync(t, true)
	// The dry run counts the changes it would make (it said 0 next to
	// will_enrol 1 and will_create 4).
	if dry.Participants != 3 || dry.Formateurs != 2 || dry.Changed != 5 || env.writes() != 0 || env.enrolled(t) != "" {
		t.Fatalf("dry run = %+v, writes %d, enrolled %q", dry, env.writes(), env.enrolled(t))
	}
	if dry.Counts.ByStatus[enrol.StatusWillCreate] != 4 || dry.Counts.ByStatus[enrol.StatusWillEnrol] != 1 {
		t.Fatalf("dry counts = %+v", dry.Counts)
	}

	first := env.sync(t, false)
	if first.Changed != 5 || len(first.Problems) != 0 || len(first.Absent) != 0 {
		t.Fatalf("first sync = %+v", first)
	}
	want := "berenice.ferrand@ac-a.fr=editingteacher francois.muller@ac-a.fr=student helene.lefevre@ac-a.fr=student " +
		"noel.daude@ac-a.fr=editingteacher zoe.garcon@ac-a.fr=student"
	if got := env.enrolled(t); got != want {
		t.Fatalf("enrolled:\n%s\nwant:\n%s", got, want)
	}

	before := env.writes()
	second := env.sync(t, false)
	if second.Changed != 0 || env.writes() != before || second.Counts.ByStatus[enrol.StatusAlreadyEnrolled] != 5 {
		t.Fatalf("second sync changed things: %+v (writes %d -> %d)", second, before, env.writes())
	}

	// A newer Stagiaires file drops Zoé: reported, not unenrolled.
	newer := "Dispositif|Module|Groupe|Nom|Prénom|Courriel|RNE\r\n" +
		"26A0010123|45001|1|LEFÈVRE|Hélène|helene.lefevre@ac-a.fr|0911234A\r\n" +
		"26A0010123|45001|1|MÜLLER|François|francois.muller@ac-a.fr|0915678B\r\n"
	env.importFile(t, "stagiaires_ac-a_2026_v2.csv", []byte(newer))
	third := env.sync(t, false)
	zoe := userID(t, env.client, "zoe.garcon@ac-a.fr")
	if fmt.Sprint(third.Absent) != fmt.Sprint([]int64{zoe}) || third.Participants != 2 || third.Changed != 0 {
		t.Fatalf("after the newer file = %+v (zoé is %d)", third, zoe)
	}
	if !strings.Contains(env.enrolled(t), "zoe.garcon@ac-a.fr=student") || env.writes() != before {
		t.Fatalf("an absent participant was unenrolled: %s", env.enrolled(t))
	}
}

func userID(t *testing.T, c *moodle.Client, email string) int64 {
	t.Helper()
	users, err := c.GetUsersByField(context.Background(), "email", []string{email})
	if err != nil || len(users) != 1 {
		t.Fatalf("user %s: %v %v", email, users, err)
	}
	return int64(users[0].ID)
}

func TestRowsPreferFormateur(t *testing.T) {
	rows := Rows([]store.GaiaPerson{
		{Role: RoleParticipant, Email: "a@ac-a.fr"},
		{Role: RoleFormateur, Email: "a@ac-a.fr"},
		{Role: RoleParticipant, Email: "b@ac-a.fr"},
	})
	if len(rows) != 2 || rows[0].Role != RoleFormateur || rows[0].Email != "a@ac-a.fr" || rows[1].Email != "b@ac-a.fr" {
		t.Fatalf("rows = %+v", rows)
	}
}

// recorder is a checkpointer that keeps the step names, as a job would.
type recorder struct {
	enrol.Direct
	steps []string
}

func (r *recorder) Step(name string, fn func(ctx context.Context) (any, error), out any) error {
	r.steps = append(r.steps, name)
	return r.Direct.Step(name, fn, out)
}

// TestSyncCheckpointsEachCourseApart: two linked courses, each course's
// plan and phases under its own step names (a job's steps must be unique),
// and a course whose session lists nobody is noted, not planned.
func TestSyncCheckpointsEachCourseApart(t *testing.T) {
	env := newSyncEnv(t)
	ctx := context.Background()
	for _, f := range []string{"intervenants_ac-a_2026.csv", "stagiaires_ac-a_2026.csv"} {
		env.importFile(t, f, nil)
	}
	second, err := env.client.CreateCourseOnce(ctx, moodle.CourseInput{FullName: "groupe 2", ShortName: "GAIA-45001-2", CategoryID: 1})
	if err != nil {
		t.Fatal(err)
	}
	third, err := env.client.CreateCourseOnce(ctx, moodle.CourseInput{FullName: "groupe 9", ShortName: "GAIA-45001-9", CategoryID: 1})
	if err != nil {
		t.Fatal(err)
	}
	for course, key := range map[int64]string{env.course: "26A0010123/45001/1", int64(second.ID): "26A0010123/45001/2", int64(third.ID): "26A0010123/45001/9"} {
		if err := env.st.LinkGaiaSession(ctx, store.GaiaLink{Domain: "ac-a", CourseID: course, SessionKey: key}); err != nil {
			t.Fatal(err)
		}
	}
	rec := &recorder{Direct: enrol.Direct{Ctx: ctx}}
	res, err := env.syncer.Sync(ctx, rec, false)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, s := range rec.steps {
		if seen[s] {
			t.Fatalf("step %q twice: %v", s, rec.steps)
		}
		seen[s] = true
	}
	for _, want := range []string{fmt.Sprintf("course %d/plan", env.course), fmt.Sprintf("course %d/%s", second.ID, enrol.PhaseEnrol)} {
		if !seen[want] {
			t.Errorf("no step %q in %v", want, rec.steps)
		}
	}
	if len(res.Courses) != 3 || res.Courses[1].Changed != 2 || res.Courses[1].Formateurs != 1 || res.Courses[2].Note == "" || res.Courses[2].Counts.Total != 0 {
		t.Fatalf("results = %+v", res.Courses)
	}
}

// TestSyncSkipsADeletedCourse: a linked course deleted in Moodle is
// reported and skipped; the domain's other linked courses are still synced.
func TestSyncSkipsADeletedCourse(t *testing.T) {
	env := newSyncEnv(t)
	ctx := context.Background()
	for _, f := range []string{"formations_ac-a_2026.csv", "intervenants_ac-a_2026.csv", "stagiaires_ac-a_2026.csv"} {
		env.importFile(t, f, nil)
	}
	gone, err := env.client.CreateCourseOnce(ctx, moodle.CourseInput{FullName: "Groupe 2", ShortName: "GAIA-45001-2", CategoryID: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []store.GaiaLink{{Domain: "ac-a", CourseID: env.course, SessionKey: "26A0010123/45001/1"},
		{Domain: "ac-a", CourseID: int64(gone.ID), SessionKey: "26A0010123/45001/2"}} {
		if err := env.st.LinkGaiaSession(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := env.client.DeleteCourses(ctx, []moodle.Int{gone.ID}); err != nil {
		t.Fatal(err)
	}
	res, err := env.syncer.Sync(ctx, enrol.Direct{Ctx: ctx}, false)
	if err != nil {
		t.Fatalf("sync with a deleted linked course: %v", err)
	}
	for _, c := range res.Courses {
		deleted := c.CourseID == int64(gone.ID)
		if deleted != strings.Contains(c.Note, "no longer exists") || (!deleted && c.Changed == 0) {
			t.Errorf("course %d: %+v", c.CourseID, c)
		}
	}
	if got := env.enrolled(t); strings.Count(got, "=") != 5 {
		t.Errorf("the other course's enrolments: %s", got)
	}
}
