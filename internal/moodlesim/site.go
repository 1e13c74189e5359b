package moodlesim

import (
	"math/rand"
	"sort"
	"strings"
	"sync"
)

// Context levels, as Moodle numbers them.
const (
	ctxSystem   = 10
	ctxUser     = 30
	ctxCategory = 40
	ctxCourse   = 50
	ctxModule   = 70
)

const adminID = 2

type mcontext struct{ id, level, instance int }

type category struct {
	id, parent, sortorder, depth, visible, descFormat, contextID int
	name, path                                                   string
	idnumber, description, theme                                 *string
	timemodified                                                 int64
}

type course struct {
	id, category, sortorder, summaryFormat, showgrades, newsitems, visible int
	maxbytes, showreports, groupmode, groupmodeforce, enablecompletion     int
	completionnotify, hiddensections, coursedisplay, contextID             int
	fullname, shortname, idnumber, summary, format, lang, theme            string
	startdate, enddate, timecreated, timemodified, cacherev                int64
	sections                                                               []*section
	frozen                                                                 bool
	manualID, guestID, selfID                                              int // enrol instance ids
	selfEnabled                                                            bool
	selfPassword                                                           string
	selfRoleID                                                             int // 0: the enrol_self default (student)
	criteria                                                               *Criteria
	named                                                                  map[string]int // named manual instances: name -> id
}

type section struct {
	id, num, visible int
	name, summary    string
	cms              []int // cmids in display order
}

type module struct {
	cmid, course, instance, completion, visible, indent, contextID int
	modname, name, content                                         string
	added                                                          int64
}

type user struct {
	id, contextID, mailformat                            int
	username, password, firstname, lastname, email, auth string
	idnumber, lang, theme, timezone, city, country       string
	department, institution, description                 string
	suspended, deleted                                   bool
	firstaccess, lastaccess, timecreated                 int64
	preferences                                          map[string]string
}

type userEnrolment struct {
	userid             int
	timestart, timeend int64
	suspended          bool
	timecreated        int64
	// named are the named manual instances (local_bridge_named_enrolment)
	// the user is enrolled through; onlyNamed is true while no other
	// instance enrols them.
	named     map[int]bool
	onlyNamed bool
}

type group struct {
	id, course, descFormat, visibility int
	name, description, idnumber        string
	participation                      bool
	enrolmentkey                       *string
	members                            map[int]bool
}

type cohort struct {
	id, contextID, descFormat int
	name, idnumber, desc      string
	visible                   bool
	members                   map[int]bool
}

type storedFile struct {
	contextID, itemid, userid               int
	component, filearea, filepath, filename string
	content                                 []byte
	author, license, source                 string
	timecreated, timemodified               int64
}

// cmState is one user's completion of one activity.
type cmState struct {
	state         int
	timecompleted int64
	overrideby    int // 0 = not overridden
}

// Criteria are a course's completion criteria (set through the PHP API on a
// real site, hence a test hook here). Aggregation 1 = ALL, 2 = ANY.
type Criteria struct {
	Activities  []int // cmids
	Self        bool
	Aggregation int
}

// MailFailure says how a broken mail transport shows in enrolment answers.
type MailFailure int

const (
	// MailOK: mail works (or noemailever), enrolments answer null.
	MailOK MailFailure = iota
	// MailFailOnReenrol mirrors enrol_mail_failure.json: the first welcome
	// message is queued silently, re-enrolling answers "Message was not
	// sent." after the enrolment committed.
	MailFailOnReenrol
	// MailFailAlways answers "Message was not sent." to every enrolment,
	// after committing it.
	MailFailAlways
)

// Site is one simulated Moodle site; every method is safe for concurrent use.
type Site struct {
	mu    sync.Mutex
	cores chan struct{} // the cost model's workers (Options.Cost.Cores)
	name  string
	srv   *Server

	seq        map[string]int
	contexts   map[int]*mcontext
	categories map[int]*category
	courses    map[int]*course
	modules    map[int]*module
	users      map[int]*user
	// byUsername and byEmail index the live users (lower-cased e-mail), so
	// uniqueness checks stay O(1) on sites of 100,000 accounts.
	byUsername map[string]int
	byEmail    map[string]int
	enrolments map[int]map[int]*userEnrolment // course -> user
	roles      map[int]map[int]map[int]bool   // context -> user -> role
	groups     map[int]*group
	cohorts    map[int]*cohort
	files      []*storedFile
	cmStates   map[[2]int]*cmState // cmid, user
	selfDone   map[[2]int]int64    // course, user
	courseDone map[[2]int]int64    // course, user (marked by local_bridge)
	// lastCourseAccess is mdl_user_lastaccess: course, user -> time.
	lastCourseAccess map[[2]int]int64
	messages         int
	convs            map[[2]int]int
	backups          map[string]*asyncJob
	restores         map[string]*asyncJob

	mail        MailFailure
	wsDisabled  bool
	restOff     bool
	backupPolls int
	failBackups bool
	noLocking   bool // contextlocking=0: local_bridge_freeze_context refuses
	calls       map[string]int
	// writes and writeRequests are the write ledger (writes.go).
	writes, writeRequests map[string]int
	rng                   *rand.Rand
	themeRev              int64
	privKey               string
}

var roleNames = map[int]string{1: "manager", 2: "coursecreator", 3: "editingteacher", 4: "teacher", 5: "student", 6: "guest", 7: "user", 8: "frontpage"}

// courseRoles are the roles assignable in a course context
// (mdl_role_context_levels with contextlevel 50).
var courseRoles = map[int]bool{1: true, 3: true, 4: true, 5: true}

func newSite(name string, srv *Server, seed int64) *Site {
	s := &Site{
		cores: make(chan struct{}, max(1, srv.opts.Cost.Cores)),
		name:  name, srv: srv, seq: map[string]int{}, contexts: map[int]*mcontext{},
		categories: map[int]*category{}, courses: map[int]*course{}, modules: map[int]*module{},
		users: map[int]*user{}, byUsername: map[string]int{}, byEmail: map[string]int{}, enrolments: map[int]map[int]*userEnrolment{},
		roles: map[int]map[int]map[int]bool{}, groups: map[int]*group{}, cohorts: map[int]*cohort{},
		cmStates: map[[2]int]*cmState{}, selfDone: map[[2]int]int64{}, courseDone: map[[2]int]int64{},
		convs: map[[2]int]int{}, backups: map[string]*asyncJob{}, restores: map[string]*asyncJob{},
		calls: map[string]int{}, writes: map[string]int{}, writeRequests: map[string]int{}, rng: rand.New(rand.NewSource(seed)), backupPolls: 1,
	}
	s.themeRev = s.now()
	s.privKey = "f890690e735f0433109b900a4b429883"
	s.install()
	return s
}

// install creates what a fresh Moodle 4.5 has (base-data.sql): contexts
// 1 system, 2 site course, 3 category 1, 4 guest, 5 admin; ids 6-10 went to
// install-time blocks, so the next context is 11.
func (s *Site) install() {
	now := s.now()
	for _, c := range []mcontext{{1, ctxSystem, 0}, {2, ctxCourse, 1}, {3, ctxCategory, 1}, {4, ctxUser, 1}, {5, ctxUser, 2}} {
		c := c
		s.contexts[c.id] = &c
	}
	s.seq["context"] = 10
	empty := ""
	s.categories[1] = &category{id: 1, name: "Category 1", sortorder: 10000, depth: 1, path: "/1", visible: 1, descFormat: 1, contextID: 3, timemodified: now, description: &empty, theme: &empty}
	s.seq["course_categories"] = 1
	s.courses[1] = &course{id: 1, sortorder: 1, fullname: "Bridge Test Moodle", shortname: "bridgetest", summary: "Local Moodle for bridge testing",
		summaryFormat: 1, format: "site", showgrades: 1, newsitems: 3, visible: 1, contextID: 2, timecreated: now, timemodified: now, cacherev: now}
	if s.name != "moodle" {
		// Named sites of a fleet say who they are; the default site keeps
		// the recorded names so the contract replays byte for byte.
		s.courses[1].fullname, s.courses[1].shortname = "Moodle "+s.name, s.name
	}
	s.seq["course"] = 1
	s.users[1] = &user{id: 1, contextID: 4, username: "guest", firstname: "Guest user", lastname: " ", email: "root@localhost", auth: "manual", lang: "en", timezone: "99", mailformat: 1}
	s.users[2] = &user{id: 2, contextID: 5, username: "admin", firstname: "Admin", lastname: "User", email: "admin@example.com", auth: "manual", lang: "en", timezone: "99", mailformat: 1}
	s.index(s.users[1])
	s.index(s.users[2])
	s.seq["user"] = 2
	s.seq["course_sections"] = 0
}

func (s *Site) now() int64 { return s.srv.now().Unix() }

func (s *Site) nextID(table string) int {
	s.seq[table]++
	return s.seq[table]
}

func (s *Site) newContext(level, instance int) int {
	id := s.nextID("context")
	s.contexts[id] = &mcontext{id: id, level: level, instance: instance}
	return id
}

// Name is the site's name (its URL prefix when several sites are served).
func (s *Site) Name() string { return s.name }

// ---- test hooks -------------------------------------------------------

// AddActivity adds an activity to section 0 of a course, as the PHP API
// does, and returns its cmid. completion: 0 none, 1 manual, 2 automatic.
func (s *Site) AddActivity(courseid int, name, modname string, completion int) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.courses[courseid]
	if c == nil || courseid == 1 {
		return 0, errNoRecord("course", courseid)
	}
	return s.addModule(c, 0, modname, name, completion, 1, 0, ""), nil
}

// SetLastCourseAccess records a user's last access to a course, as a
// visit to the course page does in Moodle (mdl_user_lastaccess).
func (s *Site) SetLastCourseAccess(courseid, userid int, t int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lastCourseAccess == nil {
		s.lastCourseAccess = map[[2]int]int64{}
	}
	s.lastCourseAccess[[2]int{courseid, userid}] = t
	if u := s.users[userid]; u != nil && t > u.lastaccess {
		u.lastaccess = t
	}
}

// SetCompletionCriteria replaces a course's completion criteria.
func (s *Site) SetCompletionCriteria(courseid int, cr Criteria) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.courses[courseid]
	if c == nil {
		return errNoRecord("course", courseid)
	}
	if cr.Aggregation == 0 {
		cr.Aggregation = 1
	}
	c.criteria = &cr
	return nil
}

// SetMailFailure simulates a site without a working mail transport.
func (s *Site) SetMailFailure(m MailFailure) { s.mu.Lock(); s.mail = m; s.mu.Unlock() }

// SetContextLocking(false) mirrors contextlocking=0 (Moodle's default):
// local_bridge_freeze_context answers contextlockingdisabled.
func (s *Site) SetContextLocking(on bool) { s.mu.Lock(); s.noLocking = !on; s.mu.Unlock() }

// SetWebServicesEnabled(false) mirrors enablewebservices=0 (HTTP 403).
func (s *Site) SetWebServicesEnabled(on bool) { s.mu.Lock(); s.wsDisabled = !on; s.mu.Unlock() }

// SetRESTEnabled(false) mirrors webserviceprotocols=” (HTTP 403).
func (s *Site) SetRESTEnabled(on bool) { s.mu.Lock(); s.restOff = !on; s.mu.Unlock() }

// SetBackupPolls sets how many status polls a backup or restore takes
// before it is done (default 1: done at the first poll).
func (s *Site) SetBackupPolls(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n < 1 {
		n = 1
	}
	s.backupPolls = n
}

// SetBackupFailure makes the next backups end with status "failed".
func (s *Site) SetBackupFailure(on bool) { s.mu.Lock(); s.failBackups = on; s.mu.Unlock() }

// CallCounts returns how many REST calls each function received.
func (s *Site) CallCounts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

// Counts is a summary of the site's state for tests.
type Counts struct {
	Users, Courses, Categories, Enrolments, Groups, Files int
}

// Counts counts live users (without guest and admin), courses (without the
// site course), categories, user enrolments, groups and stored files.
func (s *Site) Counts() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := Counts{Categories: len(s.categories), Groups: len(s.groups), Files: len(s.files)}
	for _, u := range s.users {
		if !u.deleted && u.id > adminID {
			c.Users++
		}
	}
	c.Courses = len(s.courses) - 1
	for _, m := range s.enrolments {
		c.Enrolments += len(m)
	}
	return c
}

// EnrolledUserIDs lists the users enrolled in a course, sorted.
func (s *Site) EnrolledUserIDs(courseid int) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []int
	for id := range s.enrolments[courseid] {
		out = append(out, id)
	}
	sort.Ints(out)
	return out
}

// CourseOutline is a course's sections and modules, for tests.
type CourseOutline struct {
	ID        int
	Fullname  string
	Shortname string
	Sections  []SectionOutline
}

// SectionOutline is one section of a CourseOutline.
type SectionOutline struct {
	Num     int
	Name    string
	Modules []ModuleOutline
}

// ModuleOutline is one activity of a SectionOutline.
type ModuleOutline struct {
	CMID       int
	ModName    string
	Name       string
	Completion int
}

// Outline returns a course's structure, or false if it does not exist.
func (s *Site) Outline(courseid int) (CourseOutline, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.courses[courseid]
	if c == nil {
		return CourseOutline{}, false
	}
	out := CourseOutline{ID: c.id, Fullname: c.fullname, Shortname: c.shortname}
	for _, sec := range c.sections {
		so := SectionOutline{Num: sec.num, Name: sec.name}
		for _, cmid := range sec.cms {
			m := s.modules[cmid]
			so.Modules = append(so.Modules, ModuleOutline{CMID: m.cmid, ModName: m.modname, Name: m.name, Completion: m.completion})
		}
		out.Sections = append(out.Sections, so)
	}
	return out, true
}

// CourseIDByShortname finds a course id by shortname (0 if none).
func (s *Site) CourseIDByShortname(shortname string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.courseByShortname(shortname); c != nil {
		return c.id
	}
	return 0
}

// ---- internal helpers --------------------------------------------------

func (s *Site) courseByShortname(sn string) *course {
	for _, c := range s.courses {
		if c.shortname == sn {
			return c
		}
	}
	return nil
}

func (s *Site) liveUser(id int) *user {
	u := s.users[id]
	if u == nil || u.deleted {
		return nil
	}
	return u
}

func (s *Site) sortedCourses() []*course {
	out := make([]*course, 0, len(s.courses))
	for _, c := range s.courses {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func (s *Site) sortedUsers() []*user {
	out := make([]*user, 0, len(s.users))
	for _, u := range s.users {
		if !u.deleted {
			out = append(out, u)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func (s *Site) isEnrolled(courseid, userid int) bool {
	_, ok := s.enrolments[courseid][userid]
	return ok
}

// isActive mirrors an active enrolment: not suspended, within its dates.
func (s *Site) isActive(ue *userEnrolment) bool {
	now := s.now()
	if ue.suspended {
		return false
	}
	if ue.timestart > 0 && ue.timestart > now {
		return false
	}
	return ue.timeend == 0 || ue.timeend > now
}

func (s *Site) userRoles(contextID, userid int) []int {
	var out []int
	for r := range s.roles[contextID][userid] {
		out = append(out, r)
	}
	sort.Ints(out)
	return out
}

func (s *Site) assignRole(contextID, userid, roleid int) {
	if s.roles[contextID] == nil {
		s.roles[contextID] = map[int]map[int]bool{}
	}
	if s.roles[contextID][userid] == nil {
		s.roles[contextID][userid] = map[int]bool{}
	}
	if !s.roles[contextID][userid][roleid] {
		s.wrote("role:%d/%d/%d", contextID, userid, roleid)
	}
	s.roles[contextID][userid][roleid] = true
}

// isTracked mirrors completion_info::is_tracked_user: enrolled with a
// graded role (student).
func (s *Site) isTracked(c *course, userid int) bool {
	if !s.isEnrolled(c.id, userid) {
		return false
	}
	return s.roles[c.contextID][userid][5]
}

func strPtr(v string) *string { return &v }

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func nullable(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

// index records a live user's username and e-mail; unindex forgets them
// (before a change of either, or a rolled-back create).
func (s *Site) index(u *user) {
	s.byUsername[u.username] = u.id
	s.byEmail[strings.ToLower(u.email)] = u.id
}

func (s *Site) unindex(u *user) {
	if s.byUsername[u.username] == u.id {
		delete(s.byUsername, u.username)
	}
	if e := strings.ToLower(u.email); s.byEmail[e] == u.id {
		delete(s.byEmail, e)
	}
}

// userNamed and userWithEmail return the live user holding that username
// or e-mail (case-insensitive), or nil.
func (s *Site) userNamed(username string) *user {
	if u := s.users[s.byUsername[username]]; u != nil && !u.deleted && u.username == username {
		return u
	}
	return nil
}

func (s *Site) userWithEmail(email string) *user {
	if u := s.users[s.byEmail[strings.ToLower(email)]]; u != nil && !u.deleted && strings.EqualFold(u.email, email) {
		return u
	}
	return nil
}

// MarkedComplete reports whether the user's course completion was set by
// local_bridge_mark_course_complete (what the attendance mirror writes).
func (s *Site) MarkedComplete(courseid, userid int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.courseDone[[2]int{courseid, userid}]
	return ok
}
