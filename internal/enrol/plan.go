package enrol

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/moodle"
)

// PlanOptions say what to do with a file.
type PlanOptions struct {
	// CourseIDs are the target courses: one, or several sessions the rows
	// are split across (see Distribute).
	CourseIDs []int64 `json:"course_ids"`
	// MaxPerSession, when > 0, uses only the first ceil(rows/max) courses.
	MaxPerSession     int  `json:"max_per_session,omitempty"`
	KeepEstablishment bool `json:"keep_establishment,omitempty"`
	// Role is the bridge role (participant, formateur, tuteur) for rows
	// without a Rôle column; "" means participant.
	Role string `json:"role,omitempty"`
	// Group is added to every row's groups.
	Group string `json:"group,omitempty"`
	// Unknown is "reject" (default) or "create".
	Unknown    string `json:"unknown,omitempty"`
	CreateAuth string `json:"create_auth,omitempty"` // manual (default), shibboleth, cas...
	TimeStart  int64  `json:"timestart,omitempty"`   // unix seconds, 0 = now
	TimeEnd    int64  `json:"timeend,omitempty"`     // unix seconds, 0 = none
	// EnrolPath is PathAuto ("" too) or PathCore: core's functions even
	// where local_bridge_create_enrol_users is offered (config enrol_path).
	EnrolPath string `json:"enrol_path,omitempty"`
	// RemoveAbsent unenrols people holding only the imported role and absent
	// from the file. Callers must have the operator's confirmation.
	RemoveAbsent bool `json:"remove_absent,omitempty"`
	// RemoveForce removes absent people even when rows of the file are
	// invalid, unknown, ambiguous or duplicates, or beyond RemoveMaxPercent.
	RemoveForce bool `json:"remove_force,omitempty"`
	// RemoveMaxPercent is the largest share of the course's people with the
	// imported role that one run may remove (0 = 20).
	RemoveMaxPercent int `json:"remove_max_percent,omitempty"`
	// Roles maps bridge roles to Moodle shortnames (config.Domain.Roles);
	// nil uses config's defaults.
	Roles map[string]string `json:"roles,omitempty"`
	// RoleIDs overrides shortname -> role id (see ResolveRoleID).
	RoleIDs map[string]int64 `json:"role_ids,omitempty"`
	// Reader tunes the CSV reader.
	Delimiter rune `json:"delimiter,omitempty"`
	// Directory answers the plan's reads (accounts, enrolled users); nil
	// uses web services. Not part of a job's payload: the job sets it
	// from its domain.
	Directory Directory `json:"-"`
}

// Directory answers the plan's reads about Moodle: accounts by a field,
// and a course's enrolled users with their roles and groups.
type Directory interface {
	UsersByField(ctx context.Context, field string, values []string) ([]moodle.User, error)
	EnrolledUsers(ctx context.Context, courseID int64) ([]moodle.User, error)
}

// WebServices is the Directory of a site reached only by web services:
// local_bridge's lean look-ups when the site offers them, core's functions
// otherwise (full records: several seconds for a few thousand people).
type WebServices struct{ Client *moodle.Client }

// UsersByField implements Directory with local_bridge_find_users, or
// core_user_get_users_by_field.
func (w WebServices) UsersByField(ctx context.Context, field string, values []string) ([]moodle.User, error) {
	if w.Client.LeanLookups(ctx) {
		return w.Client.FindUsers(ctx, field, values)
	}
	return w.Client.GetUsersByField(ctx, field, values)
}

// EnrolledUsers implements Directory with local_bridge_get_participants,
// or core_enrol_get_enrolled_users asking only for the fields the plan
// reads.
func (w WebServices) EnrolledUsers(ctx context.Context, courseID int64) ([]moodle.User, error) {
	if w.Client.LeanLookups(ctx) {
		return w.Client.GetParticipants(ctx, moodle.Int(courseID))
	}
	return w.Client.GetEnrolledUsers(ctx, moodle.Int(courseID), moodle.EnrolledUsersOptions{
		UserFields: []string{"id", "username", "email", "firstname", "lastname", "roles", "groups"}})
}

// Path names the look-ups in use: "plugin" (local_bridge) or "ws" (core).
func (w WebServices) Path() string {
	if w.Client.HasLeanLookups() {
		return "plugin"
	}
	return "ws"
}

// Entry is one row of a plan and of its report. Removal entries (people
// absent from the file) have Line 0.
type Entry struct {
	Line          int      `json:"line"`
	Email         string   `json:"email,omitempty"`
	Username      string   `json:"username,omitempty"`
	IDNumber      string   `json:"idnumber,omitempty"`
	FirstName     string   `json:"firstname,omitempty"`
	LastName      string   `json:"lastname,omitempty"`
	Establishment string   `json:"establishment,omitempty"`
	Status        Status   `json:"status"`
	Reasons       []string `json:"reasons,omitempty"`
	Detail        string   `json:"detail,omitempty"`
	CourseID      int64    `json:"course_id,omitempty"`
	UserID        int64    `json:"user_id,omitempty"`
	RoleID        int64    `json:"role_id,omitempty"`
	Role          string   `json:"role,omitempty"` // Moodle shortname
	TimeEnd       int64    `json:"timeend,omitempty"`
	NewGroups     []string `json:"new_groups,omitempty"` // groups the user is not in yet
}

func (e *Entry) addReason(code string) {
	for _, r := range e.Reasons {
		if r == code {
			return
		}
	}
	e.Reasons = append(e.Reasons, code)
}

// Plan is the outcome of a dry run: what Apply would do, row by row.
type Plan struct {
	Options    PlanOptions `json:"options"`
	FileSHA256 string      `json:"file_sha256"`
	Entries    []Entry     `json:"entries"`
	Notices    []Problem   `json:"notices,omitempty"`
	// Groups are the existing groups: course id -> name -> group id.
	Groups map[int64]map[string]int64 `json:"groups,omitempty"`
	// RemovalRefusal says why --remove-absent removes nobody this time
	// (entries removal_held); empty when removals go ahead.
	RemovalRefusal string `json:"removal_refusal,omitempty"`
	// EnrolPath is the path Apply's writes took (PathText): "bulk",
	// "core", "bulk+core"; empty before Apply or when nothing was written.
	EnrolPath string `json:"enrol_path,omitempty"`
}

// Counts counts entries by status; Total is their sum.
func (p *Plan) Counts() Counts { return CountEntries(p.Entries) }

// PendingWork reports whether Apply has anything to do.
func (p *Plan) PendingWork() bool {
	for _, e := range p.Entries {
		if e.Status.Pending() || e.Status == StatusAlreadyEnrolled && len(e.NewGroups) > 0 {
			return true
		}
	}
	return false
}

// PlanFile reads an enrolment file and plans it against the site. It only
// reads from Moodle: chunked core_user_get_users_by_field lookups and one
// core_enrol_get_enrolled_users per course.
func PlanFile(ctx context.Context, c *moodle.Client, file io.Reader, opts PlanOptions) (*Plan, error) {
	h := sha256.New()
	rd, err := NewReader(io.TeeReader(file, h), Options{Delimiter: opts.Delimiter})
	if err != nil {
		return nil, fmt.Errorf("enrol: plan: %w", err)
	}
	pl, err := newPlanner(c, opts)
	if err != nil {
		return nil, err
	}
	if n := lineHint(file); n > 0 {
		pl.plan.Entries = make([]Entry, 0, n)
	}
	// Rows become entries as they are read: a 100,000-row file is never
	// held twice (rows and entries).
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("enrol: plan: %w", err)
		}
		pl.addRow(&row)
	}
	if _, err := io.Copy(h, file); err != nil { // whatever the reader left unread
		return nil, fmt.Errorf("enrol: plan: hash file: %w", &FileError{Code: FileReadError, Err: err})
	}
	// The reader's last use: its map of the file's identities (a few MB
	// for 100,000 rows) is not kept through the look-ups.
	notices := rd.Notices()
	p, err := pl.run(ctx)
	if err != nil {
		return nil, err
	}
	p.FileSHA256 = hex.EncodeToString(h.Sum(nil))
	p.Notices = notices
	return p, nil
}

// lineHint counts the lines of a file that can be read again from the
// start: held in memory (a bytes.Reader or strings.Reader, as the job
// passes it) or on disk (an *os.File, as the CLI's dry run passes it); 0
// otherwise. The entries are then allocated once. Grown by append, a
// 100,000-entry slice was copied over and over (a quarter of the plan's
// allocations).
func lineHint(file io.Reader) int {
	ra, ok := file.(io.ReaderAt)
	if !ok {
		return 0
	}
	var size int64
	switch f := file.(type) {
	case interface{ Size() int64 }:
		size = f.Size()
	case interface{ Stat() (fs.FileInfo, error) }:
		fi, err := f.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			return 0
		}
		size = fi.Size()
	default:
		return 0
	}
	buf := make([]byte, 64<<10)
	lines := 0
	for off := int64(0); off < size; {
		n, err := ra.ReadAt(buf, off)
		lines += bytes.Count(buf[:n], []byte{'\n'})
		off += int64(n)
		if err != nil {
			break
		}
	}
	return lines + 1
}

// OptionError is a permanent error in the plan's options.
type OptionError struct{ Problem string }

func (e *OptionError) Error() string   { return "enrol: options: " + e.Problem }
func (e *OptionError) Retryable() bool { return false }

// planner holds one planning run's lookups.
type planner struct {
	c       *moodle.Client
	dir     Directory
	opts    PlanOptions
	plan    *Plan
	byEmail *emailAccounts // by entry; nil until lookupEmails
	byName  map[string]account
	asked   map[string]bool // usernames already looked up, found or not
	byIDNum map[string][]account
	// role0 is the first role of an entry, mixedRoles whether another one
	// followed: one person given two roles (conflictingRoles) needs two.
	role0      string
	mixedRoles bool
	// enrolled: course -> user id -> enrolled user (roles, groups)
	enrolled map[int64]map[int64]moodle.User
	roleIDs  map[string]int64
	sessions []int64 // the courses assignCourses spread rows over
	cands    []int   // candidates(), until matchAll decides them
}

// account is what matching keeps of a looked-up account: a 100,000-row
// plan holds one per person, so not the whole moodle.User.
type account struct {
	ID        int64
	Suspended bool
}

func accountOf(u *moodle.User) account {
	return account{ID: int64(u.ID), Suspended: bool(u.Suspended)}
}

// identity is a person's key in a file (see identityKey) without building
// a new string per row.
type identity struct {
	kind  byte
	value string
}

func identityOf(e *Entry) identity {
	switch {
	case e.Email != "":
		return identity{'e', e.Email}
	case e.Username != "":
		return identity{'u', e.Username}
	case e.IDNumber != "":
		return identity{'i', e.IDNumber}
	}
	return identity{}
}

func compareIdentity(a, b identity) int {
	if c := cmp.Compare(a.kind, b.kind); c != 0 {
		return c
	}
	return strings.Compare(a.value, b.value)
}

// lookupBatch bounds the values of one Directory look-up, so that a large
// file's answers are turned into accounts a batch at a time.
const lookupBatch = 5000

// PlanRows plans rows already read (see PlanFile).
func PlanRows(ctx context.Context, c *moodle.Client, rows []Row, opts PlanOptions) (*Plan, error) {
	pl, err := newPlanner(c, opts)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		pl.addRow(&rows[i])
	}
	return pl.run(ctx)
}

func newPlanner(c *moodle.Client, opts PlanOptions) (*planner, error) {
	if err := checkOptions(&opts); err != nil {
		return nil, err
	}
	if opts.Directory == nil {
		opts.Directory = WebServices{Client: c}
	}
	return &planner{c: c, dir: opts.Directory, opts: opts, plan: &Plan{Options: opts},
		byName: map[string]account{}, asked: map[string]bool{},
		byIDNum: map[string][]account{}}, nil
}

// addRow turns a row into the plan's next entry.
func (pl *planner) addRow(row *Row) {
	pl.plan.Entries = append(pl.plan.Entries, pl.entryOf(*row))
	switch role := pl.plan.Entries[len(pl.plan.Entries)-1].Role; {
	case role == "":
	case pl.role0 == "":
		pl.role0 = role
	case role != pl.role0:
		pl.mixedRoles = true
	}
}

// run plans the entries added: look-ups, matching, creations, removals.
func (pl *planner) run(ctx context.Context) (*Plan, error) {
	if pl.mixedRoles {
		pl.conflictingRoles()
	}
	if err := pl.assignCourses(); err != nil {
		return nil, err
	}
	steps := []func(context.Context) error{pl.lookupEmails, pl.lookupOthers, pl.readEnrolled, pl.keepPlaced, pl.readGroups}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return nil, fmt.Errorf("enrol: plan: %w", err)
		}
	}
	pl.matchAll()
	if err := pl.planCreations(ctx); err != nil {
		return nil, fmt.Errorf("enrol: plan: %w", err)
	}
	pl.planRemovals()
	return pl.plan, nil
}

// keyLookup is a Directory that answers look-ups with the keys matching
// needs only (moodledb.DB): no whole record per account.
type keyLookup interface {
	EachUserKey(ctx context.Context, field string, values []string, fn func(id int64, key string, suspended bool)) error
}

// usersBy looks values up by field a batch at a time, keeping accounts
// with the value of field that found them.
func (pl *planner) usersBy(ctx context.Context, field string, values []string, keep func(key string, a account)) error {
	if kl, ok := pl.dir.(keyLookup); ok {
		return kl.EachUserKey(ctx, field, values, func(id int64, key string, suspended bool) {
			keep(key, account{ID: id, Suspended: suspended})
		})
	}
	for start := 0; start < len(values); start += lookupBatch {
		users, err := pl.dir.UsersByField(ctx, field, values[start:min(start+lookupBatch, len(values))])
		if err != nil {
			return err
		}
		for i := range users {
			u := &users[i]
			key := u.Email
			switch field {
			case "username":
				key = u.Username
			case "idnumber":
				key = u.IDNumber
			}
			keep(key, accountOf(u))
		}
	}
	return nil
}

func checkOptions(o *PlanOptions) error {
	if len(o.CourseIDs) == 0 {
		return &OptionError{"no course"}
	}
	for _, id := range o.CourseIDs {
		if id <= 1 {
			return &OptionError{fmt.Sprintf("invalid course id %d", id)}
		}
	}
	if o.Unknown == "" {
		o.Unknown = "reject"
	}
	if o.Unknown != "reject" && o.Unknown != "create" {
		return &OptionError{fmt.Sprintf("unknown-user policy must be reject or create, got %q", o.Unknown)}
	}
	if o.CreateAuth == "" {
		o.CreateAuth = "manual"
	}
	if o.Role == "" {
		o.Role = "participant"
	}
	if o.Roles == nil {
		o.Roles = defaultRoles()
	}
	if _, ok := shortnameOf(o.Roles, o.Role); !ok {
		return &OptionError{fmt.Sprintf("unknown role %q", o.Role)}
	}
	if o.RemoveAbsent && len(o.CourseIDs) > 1 {
		return &OptionError{"removing absent people needs a single course"}
	}
	return nil
}

// entryOf turns a parsed row into an entry: invalid and duplicate rows are
// decided here, the others wait for the lookups.
func (pl *planner) entryOf(row Row) Entry {
	e := Entry{Line: row.Line, Email: row.Email, Username: row.Username, IDNumber: row.IDNumber,
		FirstName: row.FirstName, LastName: row.LastName, Establishment: row.Establishment}
	for _, p := range row.Problems {
		if p.Severity != SeverityNotice {
			e.addReason(p.Code)
		}
	}
	role := row.Role
	if role == "" {
		role = pl.opts.Role
	}
	short, ok := shortnameOf(pl.opts.Roles, role)
	switch {
	case !row.Usable():
		e.Status, e.Detail = StatusInvalid, firstError(row)
	case row.HasProblem(CodeDuplicateInFile):
		e.Status, e.Detail = StatusDuplicate, problemMessage(row, CodeDuplicateInFile)
	case !ok:
		e.Status, e.Detail = StatusInvalid, fmt.Sprintf("role %q", role)
		e.addReason(ReasonUnknownRole)
	}
	e.Role = short
	if e.Status == "" {
		e.NewGroups = groupNames(row.Groups, pl.opts.Group)
	}
	if row.EnrolPeriod > 0 {
		start := pl.opts.TimeStart
		if start == 0 {
			start = nowUnix()
		}
		e.TimeEnd = start + int64(row.EnrolPeriod.Seconds())
	}
	return e
}

// conflictingRoles makes an error of one person given two roles in one
// file (participant on one line, formateur on another): which one is meant
// cannot be guessed, and keeping the first would silently drop the other.
// Both lines are reported, and the person is left as they are. A person's
// lines are compared with their first line with a role. Entries are sorted
// by identity (an index each) rather than held in a map of every person:
// and a file giving everyone one role never gets here.
func (pl *planner) conflictingRoles() {
	es := pl.plan.Entries
	idx := make([]int32, 0, len(es))
	for i := range es {
		if es[i].Role != "" && identityOf(&es[i]).kind != 0 {
			idx = append(idx, int32(i))
		}
	}
	slices.SortStableFunc(idx, func(a, b int32) int { return compareIdentity(identityOf(&es[a]), identityOf(&es[b])) })
	for start := 0; start < len(idx); {
		a, key := &es[idx[start]], identityOf(&es[idx[start]])
		end := start + 1
		for ; end < len(idx) && identityOf(&es[idx[end]]) == key; end++ {
			if b := &es[idx[end]]; a.Role != b.Role {
				markConflict(a, b)
				markConflict(b, a)
			}
		}
		start = end
	}
}

func markConflict(e, other *Entry) {
	e.Status = StatusInvalid
	e.Detail = fmt.Sprintf("same person as line %d with another role (%s here, %s there): keep one line per person", other.Line, e.Role, other.Role)
	e.NewGroups = nil
	e.addReason(ReasonConflictingRoles)
}

func firstError(row Row) string {
	for _, p := range row.Problems {
		if p.Severity == SeverityError {
			return p.Message
		}
	}
	return ""
}

func problemMessage(row Row, code string) string {
	for _, p := range row.Problems {
		if p.Code == code {
			return p.Message
		}
	}
	return ""
}

func groupNames(fromRow []string, extra string) []string {
	seen := map[string]bool{}
	var out []string
	for _, g := range append(append([]string(nil), fromRow...), extra) {
		g = strings.TrimSpace(g)
		if g != "" && !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	return out
}

// candidates lists the indexes of entries still to be matched. Statuses
// only change in matchAll, which forgets the list: until then, one list
// serves every step (a 100,000-entry plan made it five times).
func (pl *planner) candidates() []int {
	if pl.cands != nil {
		return pl.cands
	}
	n := 0
	for i := range pl.plan.Entries {
		if pl.plan.Entries[i].Status == "" {
			n++
		}
	}
	out := make([]int, 0, n)
	for i := range pl.plan.Entries {
		if pl.plan.Entries[i].Status == "" {
			out = append(out, i)
		}
	}
	pl.cands = out
	return out
}

// assignCourses spreads the candidate rows over the sessions.
func (pl *planner) assignCourses() error {
	idx := pl.candidates()
	courses := pl.opts.CourseIDs
	if pl.opts.MaxPerSession > 0 {
		need := (len(idx) + pl.opts.MaxPerSession - 1) / pl.opts.MaxPerSession
		if need > len(courses) {
			return &OptionError{fmt.Sprintf("%d participants at most %d per session need %d sessions, %d given",
				len(idx), pl.opts.MaxPerSession, need, len(courses))}
		}
		courses = courses[:max(need, 1)]
	}
	pl.sessions = courses
	if len(courses) == 1 { // one session: no need to list 100,000 people for Distribute
		for _, i := range idx {
			pl.plan.Entries[i].CourseID = courses[0]
		}
		return nil
	}
	people := make([]Person, len(idx))
	for k, i := range idx {
		e := pl.plan.Entries[i]
		people[k] = Person{Key: firstNonEmpty(e.Email, e.Username, e.IDNumber), Establishment: e.Establishment}
	}
	for k, s := range Distribute(people, len(courses), pl.opts.KeepEstablishment) {
		pl.plan.Entries[idx[k]].CourseID = courses[s]
	}
	return nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// lookupEmails looks the candidates' e-mails up a batch at a time and
// keeps the accounts found by entry (emailAccounts): only one batch's
// e-mails are ever listed or indexed at once.
func (pl *planner) lookupEmails(ctx context.Context) error {
	found := newEmailAccounts(len(pl.plan.Entries))
	pl.byEmail = found
	if us, ok := pl.dir.(userScanner); ok {
		scan, err := pl.scanPays(ctx, us)
		if err != nil {
			return fmt.Errorf("look up e-mails: %w", err)
		}
		if scan {
			return pl.scanEmails(ctx, us, found)
		}
	}
	batch := make([]string, 0, lookupBatch)
	at := make(map[string]int32, lookupBatch) // e-mail of the batch -> its entry
	var same [][2]int32                       // (entry, earlier entry of the batch with its e-mail)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := pl.usersBy(ctx, "email", batch, func(email string, a account) {
			if i, ok := at[NormalizeEmail(email)]; ok {
				found.add(i, a)
			}
		})
		if err != nil {
			return fmt.Errorf("look up e-mails: %w", err)
		}
		for _, p := range same {
			found.copyTo(p[0], p[1])
		}
		batch, same = batch[:0], same[:0]
		clear(at)
		return nil
	}
	for _, i := range pl.candidates() {
		e := pl.plan.Entries[i].Email
		if e == "" {
			continue
		}
		if j, ok := at[e]; ok {
			same = append(same, [2]int32{int32(i), j})
			continue
		}
		at[e] = int32(i)
		if batch = append(batch, e); len(batch) == lookupBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// userScanner is a Directory that can also read every account in one
// pass (moodledb.DB).
type userScanner interface {
	MaxUserID(ctx context.Context) (int64, error)
	EachUser(ctx context.Context, field string, fn func(id int64, key []byte, suspended bool)) error
}

// scanMinEmails and scanMaxAccountsPerEmail decide between looking the
// file's e-mails up by lists and reading every account once: the reading
// pays when the file names at least 1,000 e-mails and the site has at most
// 4 accounts (by its largest id) per e-mail of the file. A value looked up
// costs the database about 7 times an account read (MariaDB 10.11: 1 s
// against 0.15 s for 100,000).
var (
	scanMinEmails           = 1000
	scanMaxAccountsPerEmail = int64(4)
)

func (pl *planner) scanPays(ctx context.Context, us userScanner) (bool, error) {
	n := 0
	for _, i := range pl.candidates() {
		if pl.plan.Entries[i].Email != "" {
			n++
		}
	}
	if n < scanMinEmails {
		return false, nil
	}
	top, err := us.MaxUserID(ctx)
	return top <= scanMaxAccountsPerEmail*int64(n), err
}

// scanEmails reads every account once and keeps those whose e-mail is a
// candidate's, found by binary search among the candidates sorted by
// e-mail (an int32 each, not a map of every e-mail). An account is kept
// only when a look-up of the e-mail would have found it and kept it: its
// e-mail, normalised, is the entry's (what lookupEmails checks of the
// answers) and equals it but for case and trailing spaces (the column's
// collation).
func (pl *planner) scanEmails(ctx context.Context, us userScanner, found *emailAccounts) error {
	es := pl.plan.Entries
	order := make([]int32, 0, len(pl.candidates()))
	for _, i := range pl.candidates() {
		if es[i].Email != "" {
			order = append(order, int32(i))
		}
	}
	slices.SortFunc(order, func(a, b int32) int {
		return cmp.Or(strings.Compare(es[a].Email, es[b].Email), cmp.Compare(a, b))
	})
	err := us.EachUser(ctx, "email", func(id int64, key []byte, suspended bool) {
		k := NormalizeEmail(string(key))
		j, _ := slices.BinarySearchFunc(order, k, func(i int32, k string) int { return strings.Compare(es[i].Email, k) })
		for ; j < len(order) && es[order[j]].Email == k; j++ {
			if strings.EqualFold(strings.TrimRight(string(key), " "), k) {
				found.add(order[j], account{ID: id, Suspended: suspended})
			}
		}
	})
	if err != nil {
		return fmt.Errorf("look up e-mails: %w", err)
	}
	return nil
}

// lookupOthers looks up by username and idnumber the rows the e-mail did
// not match, plus, under "create", the usernames new accounts would take.
func (pl *planner) lookupOthers(ctx context.Context) error {
	var names, idnums []string
	for _, i := range pl.candidates() {
		e := pl.plan.Entries[i]
		if e.Email != "" && len(pl.byEmail.get(i)) > 0 {
			continue
		}
		if e.Username != "" {
			names = append(names, e.Username)
		} else if e.Email != "" && pl.opts.Unknown == "create" {
			names = append(names, UsernameFromEmail(e.Email))
		}
		if e.IDNumber != "" {
			idnums = append(idnums, e.IDNumber)
		}
	}
	if err := pl.lookupUsernames(ctx, names); err != nil {
		return err
	}
	if len(idnums) == 0 {
		return nil
	}
	err := pl.usersBy(ctx, "idnumber", dedupe(idnums), func(idnumber string, a account) {
		pl.byIDNum[idnumber] = append(pl.byIDNum[idnumber], a)
	})
	if err != nil {
		return fmt.Errorf("look up idnumbers: %w", err)
	}
	return nil
}

func (pl *planner) lookupUsernames(ctx context.Context, names []string) error {
	var ask []string
	for _, n := range dedupe(names) {
		if !pl.asked[n] {
			pl.asked[n] = true
			ask = append(ask, n)
		}
	}
	if len(ask) == 0 {
		return nil
	}
	err := pl.usersBy(ctx, "username", ask, func(username string, a account) {
		pl.byName[strings.ToLower(username)] = a
	})
	if err != nil {
		return fmt.Errorf("look up usernames: %w", err)
	}
	return nil
}

func dedupe(vals []string) []string {
	seen := make(map[string]bool, len(vals))
	out := vals[:0:0]
	for _, v := range vals {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// readEnrolled reads each course's participants once, with their roles
// and groups, and learns the site's role ids from them.
func (pl *planner) readEnrolled(ctx context.Context) error {
	pl.enrolled = map[int64]map[int64]moodle.User{}
	learned := map[string]int64{}
	for _, course := range pl.opts.CourseIDs {
		users, err := pl.dir.EnrolledUsers(ctx, course)
		if err != nil {
			return fmt.Errorf("read participants of course %d: %w", course, err)
		}
		m := make(map[int64]moodle.User, len(users))
		for _, u := range users {
			m[int64(u.ID)] = u
			for _, r := range u.Roles {
				learned[r.ShortName] = int64(r.RoleID)
			}
		}
		pl.enrolled[course] = m
	}
	pl.roleIDs = resolveRoleIDs(pl.opts.RoleIDs, learned)
	return nil
}

// keepPlaced keeps people already enrolled in one of several sessions in
// that session. Distribute cuts the file afresh on every run, in the order
// of the keys, so the same file run again with one more person moved
// others to another session, where they were enrolled a second time. When
// someone is placed already, the others go, in key order, to the least
// filled session in use (with KeepEstablishment, to their établissement's
// session when it has one, else one établissement at a time).
func (pl *planner) keepPlaced(context.Context) error {
	if len(pl.opts.CourseIDs) < 2 {
		return nil
	}
	idx := pl.candidates()
	load := map[int64]int{}
	estSession := map[string]int64{}
	var rest []int
	for _, i := range idx {
		e := &pl.plan.Entries[i]
		c := pl.placedIn(i)
		if c == 0 {
			rest = append(rest, i)
			continue
		}
		e.CourseID = c
		load[c]++
		if e.Establishment != "" && estSession[e.Establishment] == 0 {
			estSession[e.Establishment] = c
		}
	}
	if len(rest) == len(idx) {
		return nil // nobody placed yet: Distribute's cut stands
	}
	key := func(i int) string {
		e := pl.plan.Entries[i]
		return firstNonEmpty(e.Email, e.Username, e.IDNumber)
	}
	sort.SliceStable(rest, func(a, b int) bool { return key(rest[a]) < key(rest[b]) })
	for _, i := range rest {
		e := &pl.plan.Entries[i]
		c := int64(0)
		if pl.opts.KeepEstablishment && e.Establishment != "" {
			c = estSession[e.Establishment]
		}
		if c == 0 {
			for _, s := range pl.sessions {
				if c == 0 || load[s] < load[c] {
					c = s
				}
			}
		}
		e.CourseID = c
		load[c]++
		if pl.opts.KeepEstablishment && e.Establishment != "" && estSession[e.Establishment] == 0 {
			estSession[e.Establishment] = c
		}
	}
	return nil
}

// placedIn is the session of CourseIDs the entry's only account is
// enrolled in already, 0 when none.
func (pl *planner) placedIn(i int) int64 {
	users, _ := pl.match(i)
	if len(users) != 1 {
		return 0
	}
	for _, c := range pl.opts.CourseIDs {
		if _, ok := pl.enrolled[c][users[0].ID]; ok {
			return c
		}
	}
	return 0
}

// readGroups reads the existing groups of the courses rows name groups in.
func (pl *planner) readGroups(ctx context.Context) error {
	want := map[int64]bool{}
	for _, e := range pl.plan.Entries {
		if len(e.NewGroups) > 0 && e.CourseID != 0 {
			want[e.CourseID] = true
		}
	}
	pl.plan.Groups = map[int64]map[string]int64{}
	for _, course := range pl.opts.CourseIDs {
		if !want[course] {
			continue
		}
		groups, err := pl.c.GetCourseGroups(ctx, moodle.Int(course))
		if err != nil {
			return fmt.Errorf("read groups of course %d: %w", course, err)
		}
		m := map[string]int64{}
		for _, g := range groups {
			m[g.Name] = int64(g.ID)
		}
		pl.plan.Groups[course] = m
	}
	return nil
}

// matchAll decides every candidate row from the lookups.
func (pl *planner) matchAll() {
	cands := pl.candidates()
	pl.cands = nil                          // statuses change below
	matched := make([]int32, 0, len(cands)) // entries with one account
	for _, i := range cands {
		e := &pl.plan.Entries[i]
		users, how := pl.match(i)
		switch {
		case len(users) > 1:
			e.Status = StatusAmbiguous
			e.addReason(ReasonAccountsSameMail)
			e.Detail = fmt.Sprintf("%d accounts", len(users))
			continue
		case len(users) == 0:
			pl.decideUnknown(e)
			continue
		}
		if how != "" {
			e.addReason(how)
		}
		e.UserID = users[0].ID
		matched = append(matched, int32(i))
	}
	pl.sameAccounts(matched)
	for _, i := range matched {
		e := &pl.plan.Entries[i]
		if e.Status == StatusDuplicate {
			continue
		}
		if users, _ := pl.match(int(i)); users[0].Suspended {
			e.Status, e.NewGroups = StatusSuspended, nil
			continue
		}
		pl.decideEnrolment(e)
	}
}

// sameAccounts makes a duplicate of each entry matched to the account an
// earlier entry has in the same course (two e-mails of one person, or an
// e-mail and a username). The entries are sorted by course and account (an
// index each) rather than held in a map of every person: 100,000 people
// made a 3.5 MB map while the whole plan was in memory.
func (pl *planner) sameAccounts(matched []int32) {
	es := pl.plan.Entries
	byAccount := slices.Clone(matched)
	slices.SortStableFunc(byAccount, func(a, b int32) int {
		return cmp.Or(cmp.Compare(es[a].CourseID, es[b].CourseID), cmp.Compare(es[a].UserID, es[b].UserID))
	})
	for start := 0; start < len(byAccount); {
		first := &es[byAccount[start]]
		end := start + 1
		for ; end < len(byAccount); end++ {
			e := &es[byAccount[end]]
			if e.CourseID != first.CourseID || e.UserID != first.UserID {
				break
			}
			e.Status, e.Detail = StatusDuplicate, fmt.Sprintf("same account as line %d", first.Line)
			e.NewGroups = nil
		}
		start = end
	}
}

// match finds the accounts of entry i: by e-mail, else username, else idnumber.
func (pl *planner) match(i int) ([]account, string) {
	e := &pl.plan.Entries[i]
	if e.Email != "" {
		if us := pl.byEmail.get(i); len(us) > 0 {
			return us, ""
		}
	}
	if e.Username != "" {
		if u, ok := pl.byName[e.Username]; ok {
			return []account{u}, ReasonMatchedBy
		}
	}
	if e.IDNumber != "" {
		if us := pl.byIDNum[e.IDNumber]; len(us) > 0 {
			return us, ReasonMatchedByIDNum
		}
	}
	return nil, ""
}

func (pl *planner) decideUnknown(e *Entry) {
	if pl.opts.Unknown != "create" || e.Email == "" {
		e.Status, e.NewGroups = StatusUnknown, nil
		return
	}
	if e.FirstName == "" || e.LastName == "" { // only the missing name is guessed
		first, last := NamesFromEmail(e.Email)
		e.FirstName, e.LastName = firstNonEmpty(e.FirstName, first), firstNonEmpty(e.LastName, last)
		e.addReason(ReasonNameFromEmail)
	}
	if e.FirstName == "" || e.LastName == "" {
		e.Status, e.NewGroups = StatusInvalid, nil
		e.addReason(ReasonNoNames)
		return
	}
	e.Status = StatusWillCreate
	pl.setRoleID(e)
}

// setRoleID resolves the entry's role id; a shortname the site does not
// know makes the row invalid.
func (pl *planner) setRoleID(e *Entry) bool {
	e.RoleID = pl.roleIDs[e.Role]
	if e.RoleID == 0 {
		e.Status, e.Detail, e.NewGroups = StatusInvalid, fmt.Sprintf("role %q has no id on this site", e.Role), nil
		e.addReason(ReasonUnknownRole)
	}
	return e.RoleID != 0
}

func (pl *planner) decideEnrolment(e *Entry) {
	if !pl.setRoleID(e) {
		return
	}
	cur, enrolled := pl.enrolled[e.CourseID][e.UserID]
	if !enrolled {
		e.Status = StatusWillEnrol
		return
	}
	e.Status = StatusWillAddRole
	for _, r := range cur.Roles {
		if r.ShortName == e.Role || int64(r.RoleID) == e.RoleID {
			e.Status = StatusAlreadyEnrolled
		}
	}
	e.NewGroups = missingGroups(e.NewGroups, cur.Groups)
	if e.Status == StatusAlreadyEnrolled && len(e.NewGroups) > 0 {
		e.addReason(ReasonGroupAdded)
	}
}

func missingGroups(want []string, have []moodle.Group) []string {
	var out []string
	for _, name := range want {
		in := false
		for _, g := range have {
			in = in || g.Name == name
		}
		if !in {
			out = append(out, name)
		}
	}
	return out
}

// planCreations gives each account to create a unique username: the
// file's, else one derived from the e-mail, suffixed -2, -3... while the
// site or an earlier row holds it.
func (pl *planner) planCreations(ctx context.Context) error {
	taken := map[string]bool{}
	var todo []int
	for i, e := range pl.plan.Entries {
		if e.Status == StatusWillCreate {
			todo = append(todo, i)
		}
	}
	for round := 1; len(todo) > 0; round++ {
		var names []string
		for _, i := range todo {
			names = append(names, candidateUsername(&pl.plan.Entries[i], round))
		}
		if err := pl.lookupUsernames(ctx, names); err != nil {
			return err
		}
		var again []int
		for k, i := range todo {
			if _, onSite := pl.byName[names[k]]; onSite || taken[names[k]] {
				again = append(again, i)
				continue
			}
			taken[names[k]] = true
			pl.plan.Entries[i].Username = names[k]
		}
		todo = again
		if round > 50 {
			return &OptionError{"could not find free usernames"}
		}
	}
	return nil
}

func candidateUsername(e *Entry, round int) string {
	base := e.Username
	if base == "" || round > 1 && e.Email != "" {
		base = UsernameFromEmail(e.Email)
	}
	if round == 1 {
		return base
	}
	return fmt.Sprintf("%s-%d", base, round)
}

// planRemovals lists, under RemoveAbsent, the participants holding only
// the imported role whom no row of the file matched.
func (pl *planner) planRemovals() {
	if !pl.opts.RemoveAbsent {
		return
	}
	course := pl.opts.CourseIDs[0]
	short, _ := shortnameOf(pl.opts.Roles, pl.opts.Role)
	inFile := map[int64]bool{}
	for _, e := range pl.plan.Entries {
		if e.UserID != 0 {
			inFile[e.UserID] = true
		}
	}
	ids := make([]int64, 0, len(pl.enrolled[course]))
	for id := range pl.enrolled[course] {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
	holders := 0
	for _, id := range ids {
		if u := pl.enrolled[course][id]; hasRole(u, short) {
			holders++
		}
	}
	for _, id := range ids {
		u := pl.enrolled[course][id]
		if inFile[id] || len(u.Roles) != 1 || u.Roles[0].ShortName != short {
			continue
		}
		e := Entry{Email: NormalizeEmail(u.Email), Username: u.Username, FirstName: u.FirstName, LastName: u.LastName,
			Status: StatusWillUnenrol, CourseID: course, UserID: id, Role: short, RoleID: int64(u.Roles[0].RoleID)}
		e.addReason(ReasonAbsentFromFile)
		pl.plan.Entries = append(pl.plan.Entries, e)
	}
	pl.holdRemovals(holders)
}

// holdRemovals refuses the removals when the file cannot be trusted to
// name everyone who stays: a row that is invalid, unknown, ambiguous or a
// duplicate may be a person mistyped (whom removing would unenrol), and a
// removal of more than RemoveMaxPercent of the course looks like the wrong
// or a truncated file (a header-only file removes everyone). The entries
// stay in the plan, so the dry run lists who would go, as removal_held;
// Plan.RemovalRefusal says why. RemoveForce lifts both checks.
func (pl *planner) holdRemovals(holders int) {
	var removals []int
	var bad []string
	for i, e := range pl.plan.Entries {
		switch e.Status {
		case StatusWillUnenrol:
			removals = append(removals, i)
		case StatusInvalid, StatusUnknown, StatusAmbiguous, StatusDuplicate:
			bad = append(bad, strconv.Itoa(e.Line))
		}
	}
	if len(removals) == 0 || pl.opts.RemoveForce {
		return
	}
	limit := pl.opts.RemoveMaxPercent
	if limit <= 0 {
		limit = 20
	}
	switch {
	case len(bad) > 0:
		pl.plan.RemovalRefusal = fmt.Sprintf("--remove-absent refused: line(s) %s of the file are invalid, unknown, ambiguous or duplicated, "+
			"and the person a bad line meant would be unenrolled; correct them, or add --force", strings.Join(bad, ", "))
	case len(removals)*100 > limit*holders:
		pl.plan.RemovalRefusal = fmt.Sprintf("--remove-absent refused: it would unenrol %d of the %d people with this role (more than %d%%); "+
			"check it is the right, complete file, or add --force", len(removals), holders, limit)
	default:
		return
	}
	for _, i := range removals {
		pl.plan.Entries[i].Status = StatusRemovalHeld
	}
}

var _ failure.Classified = (*OptionError)(nil)

func hasRole(u moodle.User, shortname string) bool {
	for _, r := range u.Roles {
		if r.ShortName == shortname {
			return true
		}
	}
	return false
}
