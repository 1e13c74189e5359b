package enrol

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/moodlesim"
)

// callsSince is the calls made to fn since before.
func callsSince(env *simEnv, before map[string]int, fn string) int {
	return env.site.CallCounts()[fn] - before[fn]
}

// TestBulkPathCreatesAndEnrolsInOneCallPerChunk: on a site offering
// local_bridge_create_enrol_users, 250 new people take three calls (one
// per chunk of 100), and neither core_user_create_users nor
// enrol_manual_enrol_users; the people who already had an account are
// enrolled by core's function, and the plan says both paths ran.
func TestBulkPathCreatesAndEnrolsInOneCallPerChunk(t *testing.T) {
	env := newSimEnv(t)
	env.addUsers(t, 0, 20) // user000000…user000019 exist
	p := env.plan(t, usersCSV(270), PlanOptions{Unknown: "create", CreateAuth: "shibboleth"})
	before := env.site.CallCounts()
	env.apply(t, p)
	if n := callsSince(env, before, moodle.FnCreateEnrolUsers); n != 3 {
		t.Fatalf("%d bulk calls, want 3", n)
	}
	if n := callsSince(env, before, "core_user_create_users"); n != 0 {
		t.Fatalf("%d core_user_create_users calls on the bulk path", n)
	}
	if n := callsSince(env, before, "enrol_manual_enrol_users"); n != 1 {
		t.Fatalf("%d enrol_manual_enrol_users calls, want 1 (the 20 existing accounts)", n)
	}
	c := p.Counts().ByStatus
	if c[StatusCreated] != 250 || c[StatusEnrolled] != 20 {
		t.Fatalf("statuses %v", c)
	}
	if got := len(env.site.EnrolledUserIDs(int(env.course))); got != 270 {
		t.Fatalf("%d enrolled, want 270", got)
	}
	if p.EnrolPath != "bulk+core" {
		t.Fatalf("path %q, want bulk+core", p.EnrolPath)
	}
	if rep := NewReport("ac-a", p, false); rep.EnrolPath != "bulk+core" {
		t.Fatalf("report path %q", rep.EnrolPath)
	}
}

// TestCorePathWhenForcedOrAbsent: enrol_path core, or a site without
// local_bridge, creates and enrols through core's functions, to the same
// end state.
func TestCorePathWhenForcedOrAbsent(t *testing.T) {
	for _, tc := range []struct {
		name  string
		plain bool
		path  string
	}{{"forced", false, PathCore}, {"absent", true, ""}} {
		t.Run(tc.name, func(t *testing.T) {
			env := newSimEnv(t)
			if tc.plain {
				env = newPlainSimEnv(t)
			}
			p := env.plan(t, usersCSV(150), PlanOptions{Unknown: "create", CreateAuth: "shibboleth", EnrolPath: tc.path})
			before := env.site.CallCounts()
			env.apply(t, p)
			if n := callsSince(env, before, moodle.FnCreateEnrolUsers); n != 0 {
				t.Fatalf("%d bulk calls on the core path", n)
			}
			if callsSince(env, before, "core_user_create_users") == 0 || callsSince(env, before, "enrol_manual_enrol_users") == 0 {
				t.Fatal("core's functions were not called")
			}
			if p.EnrolPath != PathCore || p.Counts().ByStatus[StatusCreated] != 150 {
				t.Fatalf("path %q, statuses %v", p.EnrolPath, p.Counts().ByStatus)
			}
			if got := len(env.site.EnrolledUserIDs(int(env.course))); got != 150 {
				t.Fatalf("%d enrolled", got)
			}
		})
	}
}

// newPlainSimEnv is newSimEnv on a site without local_bridge.
func newPlainSimEnv(t testing.TB) *simEnv {
	t.Helper()
	sim := moodlesim.New(moodlesim.Options{Sites: []string{"ac-a"}, PlainSites: []string{"ac-a"}, Token: "tok"})
	ts := httptest.NewServer(sim.Handler())
	t.Cleanup(ts.Close)
	c, err := moodle.New(moodle.Site{Name: "ac-a", WWWRoot: ts.URL, Token: "tok"}, moodle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	env := &simEnv{sim: sim, site: sim.Site("ac-a"), client: c}
	env.course = env.newCourse(t, "SESSION-1")
	return env
}

// TestBulkChunkSentTwiceHasOneEffect: a chunk whose answer was lost is
// sent again as it was; the second call finds the accounts by username
// and their enrolments, and writes nothing.
func TestBulkChunkSentTwiceHasOneEffect(t *testing.T) {
	env := newSimEnv(t)
	people := []moodle.BulkPerson{
		{Username: "ada", FirstName: "Ada", LastName: "L", Email: "ada@ac-a.fr", Auth: "shibboleth"},
		{Username: "bob", FirstName: "Bob", LastName: "M", Email: "bob@ac-a.fr", Auth: "manual", CreatePassword: 1},
	}
	ctx := context.Background()
	first, err := env.client.CreateEnrolUsers(ctx, moodle.Int(env.course), 5, people)
	if err != nil {
		t.Fatal(err)
	}
	writes := env.site.Writes()
	again, err := env.client.CreateEnrolUsers(ctx, moodle.Int(env.course), 5, people)
	if err != nil {
		t.Fatal(err)
	}
	for i := range people {
		if !bool(first[i].Created) || !bool(first[i].Enrolled) || first[i].UserID == 0 {
			t.Fatalf("first call, row %d: %+v", i, first[i])
		}
		if bool(again[i].Created) || bool(again[i].Enrolled) || again[i].UserID != first[i].UserID || again[i].Refused() {
			t.Fatalf("second call, row %d: %+v, want the same account, nothing done", i, again[i])
		}
	}
	for key, n := range env.site.Writes() {
		if n != writes[key] {
			t.Errorf("%s written again by the second call", key)
		}
	}
	if c := env.site.Counts(); c.Users != 2 || c.Enrolments != 2 {
		t.Fatalf("%d accounts, %d enrolments", c.Users, c.Enrolments)
	}
}

// TestBulkRefusesRowsOneByOne: an e-mail taken (in another case) between
// the plan and its application is refused for its row alone, with the
// plugin's code and core's words; the rest of the chunk is created and
// enrolled, as core's path does through bisection.
func TestBulkRefusesRowsOneByOne(t *testing.T) {
	file := usersCSV(30)
	for _, path := range []string{PathBulk, PathCore} {
		t.Run(path, func(t *testing.T) {
			env := newSimEnv(t)
			p := env.plan(t, file, PlanOptions{Unknown: "create", CreateAuth: "shibboleth", EnrolPath: path})
			// Someone else takes user000005's address after the plan.
			if _, err := env.client.CreateUsers(context.Background(), []moodle.UserInput{{Username: "other",
				FirstName: "O", LastName: "T", Email: "USER000005@ac-a.fr", Auth: "shibboleth"}}); err != nil {
				t.Fatal(err)
			}
			env.apply(t, p)
			failed := map[string]string{}
			for _, e := range p.Entries {
				if e.Status == StatusFailed {
					failed[strings.ToLower(e.Email)] = e.Detail
				}
			}
			if _, ok := failed["user000005@ac-a.fr"]; len(failed) != 1 || !ok {
				t.Fatalf("failed rows %v, want user000005 alone (its e-mail taken)", failed)
			}
			want := "invalidparameter" // core's words are in its debuginfo only
			if path == PathBulk {
				want = "emailexists: Email address already exists: user000005@ac-a.fr"
			}
			if got := failed["user000005@ac-a.fr"]; !strings.Contains(got, want) {
				t.Fatalf("refusal %q, want %q in it", got, want)
			}
			if got := len(env.site.EnrolledUserIDs(int(env.course))); got != 29 {
				t.Fatalf("%d enrolled, want 29", got)
			}
		})
	}
}

// TestBulkRefusedWholeFallsBackToCore: a bulk call refused whole (here a
// frozen course: the plugin's capability check fails) sends the chunk
// through core's functions, whose bisection gives each row its own
// error; nothing is reported as written by the bulk path.
func TestBulkRefusedWholeFallsBackToCore(t *testing.T) {
	env := newSimEnv(t)
	p := env.plan(t, usersCSV(5), PlanOptions{Unknown: "create", CreateAuth: "shibboleth"})
	if _, err := env.client.FreezeContext(context.Background(), moodle.Int(env.course), true); err != nil {
		t.Fatal(err)
	}
	before := env.site.CallCounts()
	env.apply(t, p)
	if n := callsSince(env, before, moodle.FnCreateEnrolUsers); n != 1 {
		t.Fatalf("%d bulk calls, want 1 (refused whole)", n)
	}
	if callsSince(env, before, "core_user_create_users") == 0 {
		t.Fatal("the chunk did not go through core_user_create_users after the bulk call's refusal")
	}
	if c := p.Counts().ByStatus; c[StatusFailed] != 5 {
		t.Fatalf("statuses %v, want 5 failed (the course is frozen)", c)
	}
	for _, e := range p.Entries {
		if !strings.Contains(e.Detail, "enrol_manual_enrol_users") {
			t.Fatalf("row %d: %q, want enrol_manual_enrol_users' refusal", e.Line, e.Detail)
		}
	}
	if p.EnrolPath != PathCore {
		t.Fatalf("path %q, want core (the bulk call wrote nothing)", p.EnrolPath)
	}
}
