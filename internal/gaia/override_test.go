package gaia

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/enrol"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/moodlesim"
	"github.com/magistere/bridge/internal/store"
)

// instanceMembers lists the e-mails enrolled through the GAIA instance.
func (env *syncEnv) instanceMembers(t *testing.T, key string) string {
	t.Helper()
	in, err := env.syncer.instance(context.Background(), env.course, InstanceName(key), false, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range in.Members {
		users, err := env.client.GetUsersByField(context.Background(), "id", []string{fmt.Sprint(m.UserID)})
		if err != nil || len(users) != 1 {
			t.Fatalf("user %d: %v", m.UserID, err)
		}
		out = append(out, users[0].Email)
	}
	return strings.Join(out, " ")
}

func (env *syncEnv) groupMembers(t *testing.T, name string) int {
	t.Helper()
	users, err := env.client.GetEnrolledUsers(context.Background(), moodle.Int(env.course), moodle.EnrolledUsersOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, u := range users {
		for _, g := range u.Groups {
			if g.Name == name {
				n++
			}
		}
	}
	return n
}

// TestSyncThroughInstanceWithOverride: the GAIA people are enrolled
// through the session's own enrolment instance, into the link's group;
// with override the next night's drop removes exactly the trainee who
// left, from that instance only: someone enrolled by hand stays, and a
// dry run first says who would go and changes nothing.
func TestSyncThroughInstanceWithOverride(t *testing.T) {
	env := newSyncEnv(t)
	ctx := context.Background()
	drop := t.TempDir()
	copyDrop(t, drop, "20270110")
	sc := &Scanner{St: env.st, Domain: "ac-a", Code: "A05", DropDir: drop, Grace: time.Hour}
	if _, _, err := sc.Scan(ctx, false); err != nil {
		t.Fatal(err)
	}
	const key = "26A0050123/45001/1"
	if err := env.st.LinkGaiaSession(ctx, store.GaiaLink{Domain: "ac-a", CourseID: env.course, SessionKey: key, LinkedBy: "test"}); err != nil {
		t.Fatal(err)
	}
	if err := env.st.SetGaiaLinkOptions(ctx, "ac-a", env.course, store.GaiaLinkOptions{Group: "GAIA groupe 1", Override: true}); err != nil {
		t.Fatal(err)
	}
	// Someone the formateur enrolled by hand, not in GAIA.
	hand, err := env.client.CreateUsers(ctx, []moodle.UserInput{{Username: "invite", FirstName: "Invité", LastName: "Libre",
		Email: "invite@ac-a.fr", Auth: "shibboleth"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.client.EnrolUsers(ctx, []moodle.Enrolment{{RoleID: 5, UserID: hand[0].ID, CourseID: moodle.Int(env.course)}}); err != nil {
		t.Fatal(err)
	}

	first := env.sync(t, false)
	if first.Instance != "GAIA "+key || first.Changed != 4 || len(first.Removed) != 0 || first.OverrideHeld != "" {
		t.Fatalf("first sync = %+v", first)
	}
	got := env.enrolled(t)
	for _, w := range []string{"noel.daude@ac-a.fr=editingteacher", "francois.muller@ac-a.fr=student", "helene.lefevre@ac-a.fr=student",
		"zoe.garcon@ac-a.fr=student", "invite@ac-a.fr=student"} {
		if !strings.Contains(got, w) {
			t.Fatalf("enrolled after the first sync: %s (no %s)", got, w)
		}
	}
	if m := env.instanceMembers(t, key); strings.Count(m, "@") != 4 || strings.Contains(m, "invite") {
		t.Fatalf("GAIA instance members: %s", m)
	}
	if n := env.groupMembers(t, "GAIA groupe 1"); n != 4 {
		t.Fatalf("%d people in the GAIA group, want 4", n)
	}
	if again := env.sync(t, false); again.Changed != 0 {
		t.Fatalf("second sync = %+v", again)
	}

	copyDrop(t, drop, "20270111")
	if _, _, err := sc.Scan(ctx, false); err != nil {
		t.Fatal(err)
	}
	muller := userID(t, env.client, "francois.muller@ac-a.fr")
	dry := env.sync(t, true)
	if fmt.Sprint(dry.Removed) != fmt.Sprint([]int64{muller}) || dry.Changed != 2 || dry.Counts.ByStatus[enrol.StatusWillUnenrol] != 1 {
		t.Fatalf("dry run = %+v (müller is %d)", dry, muller)
	}
	if !strings.Contains(env.enrolled(t), "francois.muller") {
		t.Fatal("the dry run unenrolled")
	}
	next := env.sync(t, false)
	if fmt.Sprint(next.Removed) != fmt.Sprint([]int64{muller}) || next.Changed != 2 {
		t.Fatalf("next night = %+v", next)
	}
	got = env.enrolled(t)
	if strings.Contains(got, "francois.muller") || !strings.Contains(got, "emile.petit@ac-a.fr=student") || !strings.Contains(got, "invite@ac-a.fr=student") ||
		strings.Count(got, "=") != 5 {
		t.Fatalf("after the next night: %s", got)
	}
	if last := env.sync(t, false); last.Changed != 0 || len(last.Removed) != 0 {
		t.Fatalf("sync after the next night = %+v", last)
	}
}

// TestOverrideHeldByABadRow: a GAIA person the sync cannot match (policy
// reject) may be a member mistyped: override then removes nobody.
func TestOverrideHeldByABadRow(t *testing.T) {
	env := newSyncEnv(t)
	ctx := context.Background()
	drop := t.TempDir()
	copyDrop(t, drop, "20270110")
	sc := &Scanner{St: env.st, Domain: "ac-a", Code: "A05", DropDir: drop, Grace: time.Hour}
	if _, _, err := sc.Scan(ctx, false); err != nil {
		t.Fatal(err)
	}
	const key = "26A0050123/45001/1"
	if err := env.st.LinkGaiaSession(ctx, store.GaiaLink{Domain: "ac-a", CourseID: env.course, SessionKey: key, LinkedBy: "test"}); err != nil {
		t.Fatal(err)
	}
	env.sync(t, false)
	copyDrop(t, drop, "20270111")
	if _, _, err := sc.Scan(ctx, false); err != nil {
		t.Fatal(err)
	}
	env.syncer.Options.Unknown = "reject" // Émile Petit has no account
	env.syncer.Override = true
	res := env.sync(t, false)
	if res.OverrideHeld == "" || len(res.Removed) != 0 || !strings.Contains(env.enrolled(t), "francois.muller") {
		t.Fatalf("override with an unknown person = %+v\n%s", res, env.enrolled(t))
	}
}

// TestSyncWithoutLocalBridge: a site without local_bridge has no GAIA
// instance: people are enrolled manually as before, and override removes
// nobody, saying why.
func TestSyncWithoutLocalBridge(t *testing.T) {
	ctx := context.Background()
	sim := moodlesim.New(moodlesim.Options{Sites: []string{"ac-a"}, PlainSites: []string{"ac-a"}, Token: "tok"})
	ts := httptest.NewServer(sim.Handler())
	t.Cleanup(ts.Close)
	c, err := moodle.New(moodle.Site{Name: "ac-a", WWWRoot: ts.URL, Token: "tok"}, moodle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	course, err := c.CreateCourseOnce(ctx, moodle.CourseInput{FullName: "Session", ShortName: "GAIA-PLAIN", CategoryID: 1})
	if err != nil {
		t.Fatal(err)
	}
	drop := t.TempDir()
	copyDrop(t, drop, "20270110")
	sc := &Scanner{St: st, Domain: "ac-a", Code: "A05", DropDir: drop, Grace: time.Hour}
	if _, _, err := sc.Scan(ctx, false); err != nil {
		t.Fatal(err)
	}
	if err := st.LinkGaiaSession(ctx, store.GaiaLink{Domain: "ac-a", CourseID: int64(course.ID), SessionKey: "26A0050123/45001/1", LinkedBy: "t"}); err != nil {
		t.Fatal(err)
	}
	s := &Syncer{St: st, Client: c, Domain: "ac-a", Options: enrol.PlanOptions{Unknown: "create", CreateAuth: "shibboleth"}, Override: true}
	res, err := s.Sync(ctx, enrol.Direct{Ctx: ctx}, false)
	if err != nil {
		t.Fatal(err)
	}
	cr := res.Courses[0]
	if cr.Instance != "" || cr.Changed != 4 || !strings.Contains(cr.OverrideHeld, "needs local_bridge") || len(cr.Removed) != 0 {
		t.Fatalf("sync on a plain site = %+v", cr)
	}
	users, err := c.GetEnrolledUsers(ctx, course.ID, moodle.EnrolledUsersOptions{})
	if err != nil || len(users) != 4 {
		t.Fatalf("enrolled = %d, %v", len(users), err)
	}
}
