package enrol

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

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
	byEmail := newEmailAccounts(1)
	byEmail.add(0, account{ID: 10})
	byEmail.add(0, account{ID: 11})
	pl := &planner{opts: PlanOptions{Unknown: "reject"}, plan: &Plan{Entries: []Entry{{Line: 2, Email: "a@x.fr", Role: "student"}}},
		byEmail: byEmail, roleIDs: stockRoleIDs}
	pl.matchAll()
	if e := pl.plan.Entries[0]; e.Status != StatusAmbiguous || e.UserID != 0 {
		t.Fatalf("got %+v", e)
	}
}

// TestSameAccountTwice: a second row matched to the account of an earlier
// row in the same course is a duplicate of it, whichever way it matched;
// in another course it is not.
func TestSameAccountTwice(t *testing.T) {
	byEmail := newEmailAccounts(4)
	byEmail.add(0, account{ID: 10})
	byEmail.add(2, account{ID: 11})
	byEmail.add(3, account{ID: 10})
	pl := &planner{opts: PlanOptions{Unknown: "reject"}, plan: &Plan{Entries: []Entry{
		{Line: 2, Email: "a@x.fr", Role: "student", CourseID: 5}, {Line: 3, Username: "ua", Role: "student", CourseID: 5},
		{Line: 4, Email: "b@x.fr", Role: "student", CourseID: 5}, {Line: 5, Email: "c@x.fr", Role: "student", CourseID: 6}}},
		byEmail: byEmail, byName: map[string]account{"ua": {ID: 10}}, roleIDs: stockRoleIDs}
	pl.matchAll()
	want := []Status{StatusWillEnrol, StatusDuplicate, StatusWillEnrol, StatusWillEnrol}
	for i, e := range pl.plan.Entries {
		if e.Status != want[i] || e.UserID == 0 {
			t.Errorf("line %d: %s (user %d), want %s", e.Line, e.Status, e.UserID, want[i])
		}
	}
	if d := pl.plan.Entries[1].Detail; d != "same account as line 2" {
		t.Errorf("detail %q", d)
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

// memCheckpoints mimics jobs.Run: saved steps are skipped on resume. It is
// safe for concurrent steps, as jobs.Run is.
type memCheckpoints struct {
	ctx    context.Context
	mu     sync.Mutex
	saved  map[string][]byte
	failAt string
	// before, when set, runs before a step's function (outside the lock):
	// a test holds a step there. after, when set, may turn a finished
	// step into a crash before its checkpoint is saved.
	before func(name string)
	after  func(name string) error
	ran    []string // steps whose function ran, in order
}

func (m *memCheckpoints) Step(name string, fn func(context.Context) (any, error), out any) error {
	m.mu.Lock()
	raw, ok := m.saved[name]
	fail := name == m.failAt
	if fail {
		m.failAt = ""
	}
	m.mu.Unlock()
	if ok {
		return json.Unmarshal(raw, out)
	}
	if fail {
		return errors.New("worker died")
	}
	if m.before != nil {
		m.before(name)
	}
	res, err := fn(m.ctx)
	m.mu.Lock()
	m.ran = append(m.ran, name)
	m.mu.Unlock()
	if err != nil {
		return err
	}
	if m.after != nil {
		if err := m.after(name); err != nil {
			return err
		}
	}
	raw, _ = json.Marshal(res)
	m.mu.Lock()
	m.saved[name] = raw
	m.mu.Unlock()
	return json.Unmarshal(raw, out)
}

func (m *memCheckpoints) Progress(int, int, string) {}

func (m *memCheckpoints) has(name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.saved[name]
	return ok
}

// attemptCheckpoints is memCheckpoints that says which attempt it is, as
// jobs.Run does.
type attemptCheckpoints struct {
	*memCheckpoints
	attempt int
}

func (a attemptCheckpoints) Attempt() int { return a.attempt }

func createChunk(k int) string { return fmt.Sprintf("%s/chunk-%04d", PhaseCreate, k) }

// TestCrashMidCreationResumesAfterFinishedChunks: 450 accounts are created
// in chunks of 100, each call a checkpoint, two or more in flight. A
// worker that dies at the third chunk leaves it (and whatever had not
// started) to the next attempt, which neither creates nor looks up again
// the accounts of the chunks already checkpointed.
func TestCrashMidCreationResumesAfterFinishedChunks(t *testing.T) {
	for _, path := range []string{PathCore, PathBulk} {
		t.Run(path, func(t *testing.T) { crashMidCreation(t, path) })
	}
}

// createFunction is the function that creates accounts on a path.
func createFunction(path string) string {
	if path == PathBulk {
		return "local_bridge_create_enrol_users"
	}
	return "core_user_create_users"
}

func crashMidCreation(t *testing.T, path string) {
	env := newSimEnv(t)
	fn := createFunction(path)
	p := env.plan(t, usersCSV(450), PlanOptions{Unknown: "create", CreateAuth: "shibboleth", EnrolPath: path})
	saved, _ := json.Marshal(p)
	mem := &memCheckpoints{ctx: context.Background(), saved: map[string][]byte{}, failAt: createChunk(2)}
	before := env.site.CallCounts()
	if err := Apply(env.client, p, attemptCheckpoints{mem, 1}); err == nil {
		t.Fatal("want the simulated crash")
	}
	first := env.site.CallCounts()
	if n := first["core_user_get_users_by_field"] - before["core_user_get_users_by_field"]; n != 0 {
		t.Fatalf("first attempt looked usernames up again %d time(s): the plan had just found them free", n)
	}
	missing := 0
	for k := 0; k < 5; k++ {
		if !mem.has(createChunk(k)) {
			missing++
		}
	}
	if !mem.has(createChunk(0)) || !mem.has(createChunk(1)) || mem.has(createChunk(2)) {
		t.Fatalf("chunks 0 and 1 should be checkpointed, not 2: %v", keys(mem.saved))
	}
	if n := first[fn] - before[fn]; n != 5-missing {
		t.Fatalf("first attempt: %d create calls, %d chunks checkpointed", n, 5-missing)
	}
	var resumed Plan
	_ = json.Unmarshal(saved, &resumed)
	if err := Apply(env.client, &resumed, attemptCheckpoints{mem, 2}); err != nil {
		t.Fatal(err)
	}
	second := env.site.CallCounts()
	if n := second[fn] - first[fn]; n != missing {
		t.Fatalf("resume made %d create calls, want %d (the chunks not checkpointed)", n, missing)
	}
	if path == PathBulk && second["enrol_manual_enrol_users"] != before["enrol_manual_enrol_users"] {
		t.Fatal("the bulk path enrolled through enrol_manual_enrol_users too")
	}
	if resumed.EnrolPath != path {
		t.Fatalf("path %q, want %q", resumed.EnrolPath, path)
	}
	if n := resumed.Counts().ByStatus[StatusCreated]; n != 450 {
		t.Fatalf("created %d: %v", n, resumed.Counts().ByStatus)
	}
	if n := len(env.site.EnrolledUserIDs(int(env.course))); n != 450 || env.site.Counts().Users != 450 {
		t.Fatalf("enrolled %d, %d accounts", n, env.site.Counts().Users)
	}
}

// TestOutOfOrderChunksAndCrash: chunk 0's call is held until chunks 1 to 3
// have finished and been checkpointed, then it reaches Moodle and the
// worker dies before its checkpoint (its accounts exist, nothing says so).
// The retry must redo exactly the unfinished chunks, out of order as they
// are: chunk 0 (its accounts found by username, not created twice) and
// whatever never started; never one that finished.
func TestOutOfOrderChunksAndCrash(t *testing.T) {
	for _, path := range []string{PathCore, PathBulk} {
		t.Run(path, func(t *testing.T) { outOfOrderChunksAndCrash(t, path) })
	}
}

func outOfOrderChunksAndCrash(t *testing.T, path string) {
	env := newSimEnv(t)
	fn := createFunction(path)
	p := env.plan(t, usersCSV(450), PlanOptions{Unknown: "create", CreateAuth: "shibboleth", Group: "G", EnrolPath: path})
	saved, _ := json.Marshal(p)
	// Chunk 0 is held open while chunks 1 to 3 run: that takes two calls
	// in flight, whatever the window learns from a loaded machine's
	// timings (at one, chunk 0 would hold the only slot for ever).
	env.client.BulkWindow().KeepAtLeast(2)
	released := make(chan struct{})
	var once sync.Once
	mem := &memCheckpoints{ctx: context.Background(), saved: map[string][]byte{}}
	mem.before = func(name string) {
		if name == createChunk(0) {
			select {
			case <-released:
			case <-time.After(2 * time.Minute):
				t.Errorf("chunks 1 to 3 did not finish while chunk 0 was held: the pump ran them one at a time")
			}
		}
	}
	mem.after = func(name string) error {
		switch name {
		case createChunk(0):
			return errors.New("worker died after Moodle committed chunk 0")
		case createChunk(3):
			once.Do(func() { close(released) })
		}
		return nil
	}
	before := env.site.CallCounts()
	if err := Apply(env.client, p, attemptCheckpoints{mem, 1}); err == nil {
		t.Fatal("want the simulated crash")
	}
	first := env.site.CallCounts()
	if env.site.Counts().Users < 400 {
		t.Fatalf("%d accounts after the first attempt, want chunks 0 to 3 at least", env.site.Counts().Users)
	}
	if mem.has(createChunk(0)) || !mem.has(createChunk(1)) || !mem.has(createChunk(3)) {
		t.Fatalf("want chunks 1-3 checkpointed, not 0 (finished out of order): %v", keys(mem.saved))
	}
	var unfinished []string
	for k := 0; k < 5; k++ {
		if !mem.has(createChunk(k)) {
			unfinished = append(unfinished, createChunk(k))
		}
	}
	doneBefore := keys(mem.saved)
	mem.ran, mem.before, mem.after = nil, nil, nil
	var resumed Plan
	_ = json.Unmarshal(saved, &resumed)
	if err := Apply(env.client, &resumed, attemptCheckpoints{mem, 2}); err != nil {
		t.Fatal(err)
	}
	ran := map[string]bool{}
	for _, name := range mem.ran {
		if ran[name] {
			t.Errorf("step %s ran twice in the resume", name)
		}
		ran[name] = true
	}
	for _, name := range doneBefore {
		if ran[name] {
			t.Errorf("the resume redid %s, checkpointed by the first attempt", name)
		}
	}
	for _, name := range unfinished {
		if !ran[name] {
			t.Errorf("the resume skipped %s, which had not finished", name)
		}
	}
	second := env.site.CallCounts()
	// Core's path looks chunk 0's usernames up first and creates nothing
	// for it; the bulk call is sent again and finds its accounts itself.
	want := len(unfinished) - 1
	if path == PathBulk {
		want = len(unfinished)
	}
	if n := second[fn] - first[fn]; n != want {
		t.Fatalf("resume made %d create calls, want %d (unfinished %v, chunk 0's accounts adopted)", n, want, unfinished)
	}
	if n := first[fn] - before[fn]; n < 4 {
		t.Fatalf("first attempt made %d create calls", n)
	}
	if n := resumed.Counts().ByStatus[StatusCreated]; n != 450 {
		t.Fatalf("created %d: %v", n, resumed.Counts().ByStatus)
	}
	if n := len(env.site.EnrolledUserIDs(int(env.course))); n != 450 || env.site.Counts().Users != 450 {
		t.Fatalf("enrolled %d, %d accounts (want 450 each: nobody twice)", n, env.site.Counts().Users)
	}
}

// TestCrashMidEnrolmentResumesAfterFinishedChunks: enrolment is
// checkpointed per call too; a worker dying at the third chunk leaves the
// checkpointed ones done.
func TestCrashMidEnrolmentResumesAfterFinishedChunks(t *testing.T) {
	env := newSimEnv(t)
	env.addUsers(t, 0, 450)
	p := env.plan(t, usersCSV(450), PlanOptions{})
	saved, _ := json.Marshal(p)
	chunk := func(k int) string { return fmt.Sprintf("%s/chunk-%04d", PhaseEnrol, k) }
	mem := &memCheckpoints{ctx: context.Background(), saved: map[string][]byte{}, failAt: chunk(2)}
	if err := Apply(env.client, p, attemptCheckpoints{mem, 1}); err == nil {
		t.Fatal("want the simulated crash")
	}
	first := env.site.CallCounts()["enrol_manual_enrol_users"]
	done := 0
	for k := 0; k < 5; k++ {
		if mem.has(chunk(k)) {
			done++
		}
	}
	if !mem.has(chunk(0)) || !mem.has(chunk(1)) || mem.has(chunk(2)) {
		t.Fatalf("want chunks 0 and 1 checkpointed, not 2: %v", keys(mem.saved))
	}
	if n := len(env.site.EnrolledUserIDs(int(env.course))); n != min(450, done*100) {
		t.Fatalf("after the crash: %d enrolled, want the %d finished chunks", n, done)
	}
	var resumed Plan
	_ = json.Unmarshal(saved, &resumed)
	if err := Apply(env.client, &resumed, attemptCheckpoints{mem, 2}); err != nil {
		t.Fatal(err)
	}
	if n := env.site.CallCounts()["enrol_manual_enrol_users"] - first; n != 5-done {
		t.Fatalf("resume made %d enrol calls, want %d (the chunks not checkpointed)", n, 5-done)
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

// TestPipelineProgressKeepsItsTotal: the pipeline's progress counts each
// new person's account and enrolment from the start, so its total does not
// grow as creations finish, and it ends at the total.
func TestPipelineProgressKeepsItsTotal(t *testing.T) {
	env := newSimEnv(t)
	env.addUsers(t, 0, 50)
	var file strings.Builder
	file.WriteString(usersCSV(50))
	for i := 1000; i < 1450; i++ {
		fmt.Fprintf(&file, "NOM%d;Prénom;new%06d@ac-a.fr;ETAB\n", i, i)
	}
	p := env.plan(t, file.String(), PlanOptions{Unknown: "create", CreateAuth: "shibboleth"})
	type report struct {
		done, total int
		msg         string
	}
	var seen []report
	cp := Direct{Ctx: context.Background(), OnProgress: func(done, total int, msg string) {
		if strings.HasPrefix(msg, PhaseCreate+":") || strings.HasPrefix(msg, PhaseEnrol+":") {
			seen = append(seen, report{done, total, msg})
		}
	}}
	if err := Apply(env.client, p, cp); err != nil {
		t.Fatal(err)
	}
	const want = 450 + 450 + 50 // accounts, their enrolments, the others' enrolments
	if len(seen) == 0 {
		t.Fatal("no pipeline progress reported")
	}
	for _, r := range seen {
		if r.total != want {
			t.Fatalf("progress %d/%d %q: total %d, want %d all along", r.done, r.total, r.msg, r.total, want)
		}
	}
	if last := seen[len(seen)-1]; last.done != want || !strings.HasPrefix(last.msg, PhaseEnrol+":") {
		t.Fatalf("last progress %d/%d %q", last.done, last.total, last.msg)
	}
}
