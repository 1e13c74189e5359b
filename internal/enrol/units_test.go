package enrol

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/magistere/bridge/internal/moodle"
)

func TestDistributeEvenAndDeterministic(t *testing.T) {
	var people []Person
	for i := 10; i > 0; i-- {
		people = append(people, Person{Key: fmt.Sprintf("p%02d@x.fr", i)})
	}
	got := Distribute(people, 3, false)
	sizes := map[int]int{}
	for _, s := range got {
		sizes[s]++
	}
	if sizes[0] != 4 && sizes[0] != 3 || sizes[0]+sizes[1]+sizes[2] != 10 || max(sizes[0], sizes[1], sizes[2])-min(sizes[0], sizes[1], sizes[2]) > 1 {
		t.Fatalf("uneven: %v", sizes)
	}
	// sorted by key: p01 (last in input) goes to the first session, p10 to the last
	if got[9] != 0 || got[0] != 2 {
		t.Fatalf("not in key order: %v", got)
	}
	again := Distribute(people, 3, false)
	for i := range got {
		if got[i] != again[i] {
			t.Fatal("not deterministic")
		}
	}
}

func TestDistributeKeepsEstablishmentsTogether(t *testing.T) {
	var people []Person
	for i := 0; i < 12; i++ {
		people = append(people, Person{Key: fmt.Sprintf("p%02d@x.fr", i), Establishment: fmt.Sprintf("E%d", i%4)})
	}
	got := Distribute(people, 2, true)
	where := map[string]int{}
	sizes := map[int]int{}
	for i, s := range got {
		est := people[i].Establishment
		if w, ok := where[est]; ok && w != s {
			t.Fatalf("établissement %s split across sessions", est)
		}
		where[est] = s
		sizes[s]++
	}
	if sizes[0] != 6 || sizes[1] != 6 {
		t.Fatalf("sizes %v", sizes)
	}
}

func TestPlanAmbiguousEmail(t *testing.T) {
	pl := &planner{opts: PlanOptions{Unknown: "reject"}, plan: &Plan{Entries: []Entry{{Line: 2, Email: "a@x.fr", Role: "student"}}},
		byEmail: map[string][]account{"a@x.fr": {{ID: 10}, {ID: 11}}}, roleIDs: stockRoleIDs}
	pl.matchAll()
	if e := pl.plan.Entries[0]; e.Status != StatusAmbiguous || e.UserID != 0 {
		t.Fatalf("got %+v", e)
	}
}

func TestUsernameAndNamesFromEmail(t *testing.T) {
	if got := UsernameFromEmail(" Jean+Test@AC-A.fr "); got != "jean_test@ac-a.fr" {
		t.Fatalf("username %q", got)
	}
	if f, l := NamesFromEmail("jean-marc.du.pont@x.fr"); f != "Jean-Marc" || l != "DU PONT" {
		t.Fatalf("names %q %q", f, l)
	}
}

func TestTakenUsernameGetsSuffix(t *testing.T) {
	env := newSimEnv(t)
	// an account already holds the username new.person@ac-a.fr, with another e-mail
	if _, err := env.client.CreateUsers(context.Background(), []moodle.UserInput{{Username: "new.person@ac-a.fr",
		FirstName: "A", LastName: "B", Email: "other@ac-a.fr", Auth: "cas"}}); err != nil {
		t.Fatal(err)
	}
	p := env.plan(t, "Courriel;Nom;Prénom\nnew.person@ac-a.fr;PERSON;New\n", PlanOptions{Unknown: "create", CreateAuth: "cas"})
	if u := p.Entries[0].Username; u != "new.person@ac-a.fr-2" {
		t.Fatalf("username %q", u)
	}
	env.apply(t, p)
	if p.Entries[0].Status != StatusCreated {
		t.Fatalf("status %s %s", p.Entries[0].Status, p.Entries[0].Detail)
	}
}

// memCheckpoints mimics jobs.Run: saved steps are skipped on resume.
type memCheckpoints struct {
	ctx    context.Context
	saved  map[string][]byte
	failAt string
}

func (m *memCheckpoints) Step(name string, fn func(context.Context) (any, error), out any) error {
	if raw, ok := m.saved[name]; ok {
		return json.Unmarshal(raw, out)
	}
	if name == m.failAt {
		m.failAt = ""
		return errors.New("worker died")
	}
	res, err := fn(m.ctx)
	if err != nil {
		return err
	}
	raw, _ := json.Marshal(res)
	m.saved[name] = raw
	return json.Unmarshal(raw, out)
}

func (m *memCheckpoints) Progress(int, int, string) {}

// attemptCheckpoints is memCheckpoints that says which attempt it is, as
// jobs.Run does.
type attemptCheckpoints struct {
	*memCheckpoints
	attempt int
}

func (a attemptCheckpoints) Attempt() int { return a.attempt }

// TestCrashMidCreationResumesAfterTheLastPart: 450 accounts are created in
// parts of 200 (2 calls of 100 in flight), each a checkpoint. A worker that
// dies after the second part leaves the third to the next attempt, which
// neither creates nor looks up again the 400 accounts already made.
func TestCrashMidCreationResumesAfterTheLastPart(t *testing.T) {
	env := newSimEnv(t)
	p := env.plan(t, usersCSV(450), PlanOptions{Unknown: "create", CreateAuth: "shibboleth"})
	saved, _ := json.Marshal(p)
	mem := &memCheckpoints{ctx: context.Background(), saved: map[string][]byte{}, failAt: PhaseCreate + "/0002"}
	before := env.site.CallCounts()
	if err := Apply(env.client, p, attemptCheckpoints{mem, 1}); err == nil {
		t.Fatal("want the simulated crash")
	}
	first := env.site.CallCounts()
	if n := first["core_user_create_users"] - before["core_user_create_users"]; n != 4 {
		t.Fatalf("first attempt: %d create calls, want 4 (2 parts of 2 chunks)", n)
	}
	if n := first["core_user_get_users_by_field"] - before["core_user_get_users_by_field"]; n != 0 {
		t.Fatalf("first attempt looked usernames up again %d time(s): the plan had just found them free", n)
	}
	if _, ok := mem.saved[PhaseCreate+"/0001"]; !ok {
		t.Fatalf("part 1 not checkpointed: %v", keys(mem.saved))
	}
	var resumed Plan
	_ = json.Unmarshal(saved, &resumed)
	if err := Apply(env.client, &resumed, attemptCheckpoints{mem, 2}); err != nil {
		t.Fatal(err)
	}
	second := env.site.CallCounts()
	if n := second["core_user_create_users"] - first["core_user_create_users"]; n != 1 {
		t.Fatalf("resume made %d create calls, want 1 (the last 50 accounts)", n)
	}
	if n := resumed.Counts().ByStatus[StatusCreated]; n != 450 {
		t.Fatalf("created %d: %v", n, resumed.Counts().ByStatus)
	}
	if n := len(env.site.EnrolledUserIDs(int(env.course))); n != 450 {
		t.Fatalf("enrolled %d", n)
	}
}

// TestCrashMidEnrolmentResumesAfterTheLastPart: enrolment is checkpointed
// per part too; a worker dying in the third part leaves the first two done.
func TestCrashMidEnrolmentResumesAfterTheLastPart(t *testing.T) {
	env := newSimEnv(t)
	env.addUsers(t, 0, 450)
	p := env.plan(t, usersCSV(450), PlanOptions{})
	saved, _ := json.Marshal(p)
	mem := &memCheckpoints{ctx: context.Background(), saved: map[string][]byte{}, failAt: PhaseEnrol + "/0002"}
	if err := Apply(env.client, p, attemptCheckpoints{mem, 1}); err == nil {
		t.Fatal("want the simulated crash")
	}
	first := env.site.CallCounts()["enrol_manual_enrol_users"]
	if n := len(env.site.EnrolledUserIDs(int(env.course))); n != 400 {
		t.Fatalf("after the crash: %d enrolled, want the 2 finished parts (400)", n)
	}
	var resumed Plan
	_ = json.Unmarshal(saved, &resumed)
	if err := Apply(env.client, &resumed, attemptCheckpoints{mem, 2}); err != nil {
		t.Fatal(err)
	}
	if n := env.site.CallCounts()["enrol_manual_enrol_users"] - first; n != 1 {
		t.Fatalf("resume made %d enrol calls, want 1 (the last 50 rows)", n)
	}
	if n := len(env.site.EnrolledUserIDs(int(env.course))); n != 450 {
		t.Fatalf("enrolled %d", n)
	}
	if n := resumed.Counts().ByStatus[StatusEnrolled]; n != 450 {
		t.Fatalf("statuses %v", resumed.Counts().ByStatus)
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestResumedApplySkipsFinishedPhases(t *testing.T) {
	env := newSimEnv(t)
	p := env.plan(t, usersCSV(250), PlanOptions{Unknown: "create", CreateAuth: "shibboleth", Group: "G"})
	saved, _ := json.Marshal(p)
	cp := &memCheckpoints{ctx: context.Background(), saved: map[string][]byte{}, failAt: PhaseEnrol}
	if err := Apply(env.client, p, cp); err == nil {
		t.Fatal("want the simulated crash")
	}
	created := env.site.CallCounts()["core_user_create_users"]
	var resumed Plan
	_ = json.Unmarshal(saved, &resumed)
	if err := Apply(env.client, &resumed, cp); err != nil {
		t.Fatal(err)
	}
	if again := env.site.CallCounts()["core_user_create_users"]; again != created {
		t.Fatalf("resume created users again: %d calls then %d", created, again)
	}
	if n := resumed.Counts().ByStatus[StatusCreated]; n != 250 {
		t.Fatalf("created %d: %v", n, resumed.Counts().ByStatus)
	}
	if n := len(env.site.EnrolledUserIDs(int(env.course))); n != 250 {
		t.Fatalf("enrolled %d", n)
	}
}

func TestSplitAcrossSessions(t *testing.T) {
	env := newSimEnv(t)
	env.addUsers(t, 0, 30)
	c2, c3 := env.newCourse(t, "SESSION-2"), env.newCourse(t, "SESSION-3")
	p := env.plan(t, usersCSV(30), PlanOptions{CourseIDs: []int64{env.course, c2, c3}, MaxPerSession: 15})
	env.apply(t, p)
	a, b, c := len(env.site.EnrolledUserIDs(int(env.course))), len(env.site.EnrolledUserIDs(int(c2))), len(env.site.EnrolledUserIDs(int(c3)))
	if a != 15 || b != 15 || c != 0 {
		t.Fatalf("split %d/%d/%d, want 15/15/0", a, b, c)
	}
	if _, err := PlanFile(context.Background(), env.client, stringsReader(usersCSV(31)),
		PlanOptions{CourseIDs: []int64{env.course}, MaxPerSession: 15}); err == nil {
		t.Fatal("too few sessions must be refused")
	}
}
