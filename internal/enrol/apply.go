package enrol

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/magistere/bridge/internal/moodle"
)

// Checkpointer runs Apply's phases. *jobs.Run is one: a resumed job skips
// the phases already done and gets their saved results back.
type Checkpointer interface {
	Step(name string, fn func(ctx context.Context) (any, error), out any) error
	Progress(done, total int, msg string)
}

// Direct runs phases at once, without checkpoints (tests, dry tools).
type Direct struct {
	Ctx        context.Context
	OnProgress func(done, total int, msg string)
}

// Step runs fn and passes its result through JSON like a job's step.
func (d Direct) Step(name string, fn func(ctx context.Context) (any, error), out any) error {
	res, err := fn(d.Ctx)
	if err != nil {
		return fmt.Errorf("step %s: %w", name, err)
	}
	raw, err := json.Marshal(res)
	if err != nil {
		return fmt.Errorf("step %s: %w", name, err)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}

// Progress forwards to OnProgress.
func (d Direct) Progress(done, total int, msg string) {
	if d.OnProgress != nil {
		d.OnProgress(done, total, msg)
	}
}

// Phase names, as checkpointed.
const (
	PhaseCreate  = "create-users"
	PhaseGroups  = "create-groups"
	PhaseEnrol   = "enrol"
	PhaseMembers = "group-members"
	PhaseUnenrol = "unenrol-absent"
)

// phaseResult is a phase's checkpoint: ids obtained and rows refused, by
// entry index.
type phaseResult struct {
	IDs    map[int]int64    `json:"ids,omitempty"`
	Failed map[int]string   `json:"failed,omitempty"`
	Groups map[string]int64 `json:"groups,omitempty"` // "course/name" -> id
	Done   int              `json:"done"`
	// Enrolled are the created rows the same call enrolled (the bulk
	// path): no enrolment follows for them.
	Enrolled []int `json:"enrolled,omitempty"`
	// Paths are the paths (PathBulk, PathCore) the calls took.
	Paths []string `json:"paths,omitempty"`
	calls int      // web-service calls made (not checkpointed)
}

// Apply carries out a plan: create accounts, create groups, enrol, add
// group members, unenrol absent people, each phase a checkpoint. Rows
// Moodle refuses become StatusFailed with Moodle's message; the error is
// one that stopped a phase (retryable or site-level), after which running
// Apply again on the same plan and checkpointer finishes the work. The
// plan's entries take their final statuses.
func Apply(c *moodle.Client, p *Plan, cp Checkpointer) error {
	return ApplyWith(c, p, cp, nil)
}

// Enroller enrols rows some other way than enrol_manual_enrol_users (GAIA
// enrols through a named enrolment instance of its own). It returns one
// entry per row, the error Moodle gave that row or nil, or an error that
// stopped the call (the phase is then retried whole).
type Enroller func(ctx context.Context, rows []moodle.Enrolment) ([]error, error)

// ApplyWith is Apply with the enrolment phase done by enroller (nil:
// enrol_manual_enrol_users).
func ApplyWith(c *moodle.Client, p *Plan, cp Checkpointer, enroller Enroller) error {
	a := &applier{c: c, p: p, cp: cp, enroller: enroller, chunks: map[string]phaseResult{},
		progress: pumpProgress{counted: map[string]bool{}}}
	phases := []struct {
		name string
		run  func(context.Context) (any, error)
		out  *phaseResult
	}{
		{PhaseCreate, a.createUsers, &a.created},
		{PhaseGroups, a.createGroups, &a.groups},
		{PhaseEnrol, a.enrol, &a.enrolled},
		{PhaseMembers, a.addMembers, &a.members},
		{PhaseUnenrol, a.unenrol, &a.unenrolled},
	}
	for k, ph := range phases {
		cp.Progress(k, len(phases), ph.name)
		if err := cp.Step(ph.name, ph.run, ph.out); err != nil {
			return fmt.Errorf("enrol: apply: %w", err)
		}
	}
	cp.Progress(len(phases), len(phases), "done")
	a.settle()
	p.EnrolPath = PathText(pathsOf(a.created.Paths, a.enrolled.Paths))
	return nil
}

type applier struct {
	c  *moodle.Client
	p  *Plan
	cp Checkpointer

	created, groups, enrolled, members, unenrolled phaseResult
	enroller                                       Enroller

	chunks   map[string]phaseResult // calls finished in this process, by checkpoint name (pump)
	progress pumpProgress

	sentMu sync.Mutex
	sent   map[string]bool // chunks sent at least once in this process (sentBefore)

	bulkOnce sync.Once
	bulk     bool // accounts are created and enrolled by local_bridge_create_enrol_users (bulkPath)
}

func (a *applier) indexes(keep func(e *Entry) bool) []int {
	var out []int
	for i := range a.p.Entries {
		if keep(&a.p.Entries[i]) {
			out = append(out, i)
		}
	}
	return out
}

// createUsers creates the accounts chunk by chunk and, pipelined with
// them, enrols: a chunk's enrolment starts as soon as its accounts exist,
// and the people who already had an account are enrolled meanwhile (see
// pump). Every call is its own checkpoint (create-users/chunk-0000,
// enrol/new-0000, enrol/chunk-0000…): a job retried after a crash or a
// lost lease redoes only the calls that had not finished, whatever order
// they finished in. The enrol phase then gathers the enrolment chunks and
// runs those the pipeline left.
func (a *applier) createUsers(ctx context.Context) (any, error) {
	idx := a.indexes(func(e *Entry) bool { return e.Status == StatusWillCreate })
	res := phaseResult{IDs: map[int]int64{}, Failed: map[int]string{}}
	if len(idx) == 0 {
		return res, nil
	}
	tasks := append(a.createTasks(idx), a.existingEnrolTasks()...)
	merge := func(t chunkTask, done phaseResult) []chunkTask {
		if t.phase != PhaseCreate {
			return nil
		}
		for i, id := range done.IDs {
			res.IDs[i] = id
		}
		for i, msg := range done.Failed {
			res.Failed[i] = msg
		}
		res.Enrolled = append(res.Enrolled, done.Enrolled...)
		res.Paths = pathsOf(res.Paths, done.Paths)
		if next, ok := a.newEnrolTask(t, toEnrol(done)); ok {
			return []chunkTask{next}
		}
		return nil
	}
	if err := a.pump(ctx, tasks, merge); err != nil {
		return nil, err
	}
	sort.Ints(res.Enrolled)
	res.Done = len(res.IDs)
	return res, nil
}

// createPart creates one chunk's accounts. The plan found their usernames
// free; the look-up again before creating is skipped on a job's first
// attempt (the only case where no earlier attempt can have made them),
// unless this process sent the chunk before (again: a retry in place).
func (a *applier) createPart(ctx context.Context, idx []int, again bool) (phaseResult, error) {
	res := phaseResult{IDs: map[int]int64{}, Failed: map[int]string{}, Paths: []string{PathCore}}
	users := make([]moodle.UserInput, len(idx))
	for k, i := range idx {
		users[k] = a.userInput(&a.p.Entries[i])
	}
	create := a.c.CreateUsersOnce
	if a.firstAttempt() && !again {
		create = a.c.CreateUsersFree
	}
	out, err := create(ctx, users)
	res.calls = out.Calls
	if err != nil && len(out.Pending()) > 0 {
		return res, fmt.Errorf("create accounts: %w", err)
	}
	for k, row := range out.Rows {
		switch {
		case row.OK:
			res.IDs[idx[k]] = int64(row.Value.ID)
		case row.Err != nil:
			res.Failed[idx[k]] = errText(row.Err)
		}
	}
	res.Done = len(res.IDs)
	return res, nil
}

// firstAttempt reports whether the checkpointer says this is a job's first
// attempt (Attempt() == 1). A checkpointer that cannot tell (Direct) counts
// as a later attempt: the safe side.
func (a *applier) firstAttempt() bool {
	at, ok := a.cp.(interface{ Attempt() int })
	return ok && at.Attempt() == 1
}

func (a *applier) userInput(e *Entry) moodle.UserInput {
	in := moodle.UserInput{Username: e.Username, FirstName: e.FirstName, LastName: e.LastName, Email: e.Email,
		Auth: a.p.Options.CreateAuth, IDNumber: e.IDNumber, Institution: e.Establishment}
	if in.Auth == "manual" || in.Auth == "email" {
		in.CreatePassword = 1 // Moodle mails a generated password; SSO accounts need none
	}
	return in
}

// userID is the entry's account, existing or created in this run.
func (a *applier) userID(i int) int64 {
	if id := a.p.Entries[i].UserID; id != 0 {
		return id
	}
	return a.created.IDs[i]
}

// willEnrol: the rows to send to enrol_manual_enrol_users.
func (a *applier) willEnrol(i int) bool {
	s := a.p.Entries[i].Status
	return (s == StatusWillEnrol || s == StatusWillAddRole || s == StatusWillCreate) && a.userID(i) != 0
}

func (a *applier) wantsGroups(i int) bool {
	e := a.p.Entries[i]
	return len(e.NewGroups) > 0 && (a.willEnrol(i) || e.Status == StatusAlreadyEnrolled)
}

func groupKey(course int64, name string) string { return fmt.Sprintf("%d/%s", course, name) }

// createGroups looks the groups up again first: a previous attempt may
// have created them before its checkpoint.
func (a *applier) createGroups(ctx context.Context) (any, error) {
	res := phaseResult{Groups: map[string]int64{}}
	need := map[int64]map[string]bool{}
	for i := range a.p.Entries {
		if !a.wantsGroups(i) {
			continue
		}
		e := a.p.Entries[i]
		for _, g := range e.NewGroups {
			if _, ok := a.p.Groups[e.CourseID][g]; ok {
				res.Groups[groupKey(e.CourseID, g)] = a.p.Groups[e.CourseID][g]
				continue
			}
			if need[e.CourseID] == nil {
				need[e.CourseID] = map[string]bool{}
			}
			need[e.CourseID][g] = true
		}
	}
	for _, course := range sortedCourses(need) {
		if err := a.createCourseGroups(ctx, course, need[course], res.Groups); err != nil {
			return nil, err
		}
	}
	res.Done = len(res.Groups)
	return res, nil
}

func sortedCourses[V any](m map[int64]V) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func (a *applier) createCourseGroups(ctx context.Context, course int64, names map[string]bool, into map[string]int64) error {
	existing, err := a.c.GetCourseGroups(ctx, moodle.Int(course))
	if err != nil {
		return fmt.Errorf("read groups of course %d: %w", course, err)
	}
	for _, g := range existing {
		if names[g.Name] {
			into[groupKey(course, g.Name)] = int64(g.ID)
			delete(names, g.Name)
		}
	}
	var in []moodle.GroupInput
	for _, n := range sortedNames(names) {
		in = append(in, moodle.GroupInput{CourseID: moodle.Int(course), Name: n})
	}
	if len(in) == 0 {
		return nil
	}
	made, err := a.c.CreateGroups(ctx, in)
	if err != nil {
		return fmt.Errorf("create groups in course %d: %w", course, err)
	}
	for _, g := range made {
		into[groupKey(course, g.Name)] = int64(g.ID)
	}
	return nil
}

func sortedNames(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// enrol gathers the enrolment chunks (most already done by the pipeline
// of createUsers, or checkpointed by an earlier attempt) and runs the rest.
func (a *applier) enrol(ctx context.Context) (any, error) {
	tasks := a.existingEnrolTasks()
	enrolled := map[int]bool{}
	for _, i := range a.created.Enrolled {
		enrolled[i] = true
	}
	for k, t := range a.createTasks(a.indexes(func(e *Entry) bool { return e.Status == StatusWillCreate })) {
		ids := map[int]int64{}
		for _, i := range t.rows {
			if id := a.created.IDs[i]; id != 0 && !enrolled[i] {
				ids[i] = id
			}
		}
		if next, ok := a.newEnrolTask(chunkTask{phase: PhaseCreate, seq: k, rows: t.rows}, ids); ok {
			tasks = append(tasks, next)
		}
	}
	res := phaseResult{Failed: map[int]string{}}
	rows := 0
	for _, t := range tasks {
		rows += len(t.rows)
	}
	if rows == 0 {
		return res, nil
	}
	merge := func(_ chunkTask, done phaseResult) []chunkTask {
		for i, msg := range done.Failed {
			res.Failed[i] = msg
		}
		res.Paths = pathsOf(res.Paths, done.Paths)
		return nil
	}
	if err := a.pump(ctx, tasks, merge); err != nil {
		return nil, err
	}
	res.Done = rows - len(res.Failed)
	return res, nil
}

// enrolPart enrols one chunk: the entries at idx, with the accounts
// users (parallel to idx).
func (a *applier) enrolPart(ctx context.Context, idx []int, users []int64) (phaseResult, error) {
	res := phaseResult{Failed: map[int]string{}}
	rows := make([]moodle.Enrolment, len(idx))
	for k, i := range idx {
		e := a.p.Entries[i]
		end := e.TimeEnd
		if end == 0 {
			end = a.p.Options.TimeEnd
		}
		rows[k] = moodle.Enrolment{RoleID: moodle.Int(e.RoleID), UserID: moodle.Int(users[k]),
			CourseID: moodle.Int(e.CourseID), TimeStart: a.p.Options.TimeStart, TimeEnd: end}
	}
	if a.enroller != nil { // e.g. GAIA's own enrolment instance
		errs, err := a.enroller(ctx, rows)
		if err != nil {
			return res, fmt.Errorf("enrol: %w", err)
		}
		for k, e := range errs {
			if e != nil && k < len(idx) {
				res.Failed[idx[k]] = errText(e)
			}
		}
		res.Done = len(idx) - len(res.Failed)
		return res, nil
	}
	res.Paths = []string{PathCore}
	out, err := a.c.EnrolUsersBatch(ctx, rows)
	res.calls = out.Calls
	if err != nil && len(out.Pending()) > 0 {
		return res, fmt.Errorf("enrol: %w", err) // re-enrolling the chunk's done rows on retry is harmless
	}
	for k, row := range out.Rows {
		if row.Err != nil {
			res.Failed[idx[k]] = errText(row.Err)
		}
	}
	res.Done = len(idx) - len(res.Failed)
	return res, nil
}

func (a *applier) addMembers(ctx context.Context) (any, error) {
	var members []moodle.GroupMember
	for i := range a.p.Entries {
		if !a.wantsGroups(i) || a.enrolled.Failed[i] != "" {
			continue
		}
		e := a.p.Entries[i]
		for _, g := range e.NewGroups {
			if id := a.groups.Groups[groupKey(e.CourseID, g)]; id != 0 {
				members = append(members, moodle.GroupMember{GroupID: moodle.Int(id), UserID: moodle.Int(a.userID(i))})
			}
		}
	}
	if len(members) == 0 {
		return phaseResult{}, nil
	}
	if err := a.c.AddGroupMembers(ctx, members); err != nil {
		return nil, fmt.Errorf("add group members: %w", err)
	}
	return phaseResult{Done: len(members)}, nil
}

func (a *applier) unenrol(ctx context.Context) (any, error) {
	idx := a.indexes(func(e *Entry) bool { return e.Status == StatusWillUnenrol })
	if len(idx) == 0 {
		return phaseResult{}, nil
	}
	rows := make([]moodle.Unenrolment, len(idx))
	for k, i := range idx {
		e := a.p.Entries[i]
		rows[k] = moodle.Unenrolment{UserID: moodle.Int(e.UserID), CourseID: moodle.Int(e.CourseID)}
	}
	if err := a.c.UnenrolUsers(ctx, rows); err != nil {
		return nil, fmt.Errorf("unenrol absent people: %w", err)
	}
	return phaseResult{Done: len(rows)}, nil
}

// settle gives every entry its final status from the phases' results.
func (a *applier) settle() {
	for i := range a.p.Entries {
		e := &a.p.Entries[i]
		if id := a.created.IDs[i]; id != 0 {
			e.UserID = id
		}
		msg := firstNonEmpty(a.created.Failed[i], a.enrolled.Failed[i])
		switch {
		case msg != "":
			e.Status, e.Detail = StatusFailed, msg
			e.addReason(ReasonMoodleRefused)
		case e.Status.Pending() && e.UserID == 0:
			e.Status = StatusFailed
			e.addReason(ReasonNotAttempted)
		default:
			e.Status = e.Status.done()
		}
		if e.Status == StatusFailed {
			e.NewGroups = nil
		}
	}
}

// errText keeps Moodle's message, bounded: it never holds the token.
func errText(err error) string {
	s := err.Error()
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return strings.TrimSpace(s)
}

// toEnrol is the accounts a creation chunk made that its call did not
// enrol (all of them on the core path, none on the bulk path).
func toEnrol(done phaseResult) map[int]int64 {
	if len(done.Enrolled) == 0 {
		return done.IDs
	}
	skip := make(map[int]bool, len(done.Enrolled))
	for _, i := range done.Enrolled {
		skip[i] = true
	}
	out := map[int]int64{}
	for i, id := range done.IDs {
		if !skip[i] {
			out[i] = id
		}
	}
	return out
}
