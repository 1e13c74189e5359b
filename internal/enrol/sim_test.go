package enrol

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/moodlesim"
)

// simEnv is one simulated site with a course.
type simEnv struct {
	sim    *moodlesim.Server
	site   *moodlesim.Site
	client *moodle.Client
	course int64
}

func newSimEnv(t testing.TB) *simEnv {
	t.Helper()
	sim := moodlesim.New(moodlesim.Options{Sites: []string{"ac-a"}, Token: "tok"})
	ts := httptest.NewServer(sim.Handler())
	t.Cleanup(ts.Close)
	c, err := moodle.New(moodle.Site{Name: "ac-a", WWWRoot: ts.URL /* a single site is served at the root */, Token: "tok"}, moodle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	env := &simEnv{sim: sim, site: sim.Site("ac-a"), client: c}
	env.course = env.newCourse(t, "SESSION-1")
	return env
}

func (env *simEnv) newCourse(t testing.TB, shortname string) int64 {
	t.Helper()
	res, err := env.client.CreateCourseOnce(context.Background(),
		moodle.CourseInput{FullName: "Session " + shortname, ShortName: shortname, CategoryID: 1})
	if err != nil {
		t.Fatalf("create course: %v", err)
	}
	return int64(res.ID)
}

// addUsers creates n SSO accounts user<i>@ac-a.fr, 100 per call.
func (env *simEnv) addUsers(t testing.TB, from, n int) {
	t.Helper()
	for start := from; start < from+n; start += 100 {
		var batch []moodle.UserInput
		for i := start; i < min(start+100, from+n); i++ {
			batch = append(batch, moodle.UserInput{Username: fmt.Sprintf("u%06d", i), FirstName: "Prénom",
				LastName: fmt.Sprintf("NOM%d", i), Email: fmt.Sprintf("user%06d@ac-a.fr", i), Auth: "shibboleth"})
		}
		if _, err := env.client.CreateUsers(context.Background(), batch); err != nil {
			t.Fatalf("seed users: %v", err)
		}
	}
}

// usersCSV is a GAIA-like file of n rows user<i>@ac-a.fr.
func usersCSV(n int) string {
	var b strings.Builder
	b.WriteString("Nom;Prénom;Courriel;Établissement\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "NOM%d;Prénom;user%06d@ac-a.fr;ETAB%d\n", i, i, i%37)
	}
	return b.String()
}

func (env *simEnv) plan(t testing.TB, file string, opts PlanOptions) *Plan {
	t.Helper()
	if len(opts.CourseIDs) == 0 {
		opts.CourseIDs = []int64{env.course}
	}
	p, err := PlanFile(context.Background(), env.client, strings.NewReader(file), opts)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return p
}

func (env *simEnv) apply(t testing.TB, p *Plan) {
	t.Helper()
	if err := Apply(env.client, p, Direct{Ctx: context.Background()}); err != nil {
		t.Fatalf("apply: %v", err)
	}
}

type moodleUserUpdate = moodle.UserUpdate

func moodleInt(v int64) moodle.Int { return moodle.Int(v) }

func stringsReader(s string) io.Reader { return strings.NewReader(s) }
