package moodlesim

import (
	"fmt"
	"strconv"
	"strings"
)

func init() {
	register("local_bridge_backup_course", true, single(k("courseid", vInt())), bridgeBackupCourse)
	register("local_bridge_get_backup_status", false, single(k("backupid", val("alphanum"))), bridgeBackupStatus)
	register("local_bridge_restore_course", true, single(
		k("draftitemid", vInt()), k("categoryid", vInt()), k("fullname", vText()), k("shortname", vText()),
	), bridgeRestoreCourse)
	register("local_bridge_get_restore_status", false, single(k("restoreid", val("alphanum"))), bridgeRestoreStatus)
	register("local_bridge_enable_self_enrolment", true, single(
		k("courseid", vInt()), k("enable", vInt()), k("password", vRaw().opt()), k("roleid", vInt().opt()),
	), bridgeEnableSelfEnrolment)
	register("local_bridge_freeze_context", true, single(k("courseid", vInt()), k("freeze", vInt())), bridgeFreezeContext)
	register("local_bridge_mark_course_complete", true, single(
		k("courseid", vInt()), k("userid", vInt()), k("complete", vInt()),
	), bridgeMarkCourseComplete)
}

// asyncJob is a backup or restore run by local_bridge's adhoc task. It
// advances when polled, so tests need no sleeps.
type asyncJob struct {
	id       string
	courseid int
	status   string
	polls    int
	file     *storedFile
	err      string
	// restore input
	draft               []byte
	categoryID          int
	fullname, shortname string
}

func (s *Site) newJobID() string {
	const hexd = "0123456789abcdef"
	var b strings.Builder
	for i := 0; i < 32; i++ {
		b.WriteByte(hexd[s.rng.Intn(16)])
	}
	return b.String()
}

func bridgeBackupCourse(c *call, p P) (any, error) {
	s := c.s
	co := s.courses[p.Int("courseid")]
	if co == nil || co.id == 1 {
		return nil, errNoRecord("course", p.Int("courseid"))
	}
	job := &asyncJob{id: s.newJobID(), courseid: co.id, status: "pending"}
	s.backups[job.id] = job
	return o("backupid", job.id, "status", job.status), nil
}

// advance moves a job one poll forward and reports whether it just ended.
func (s *Site) advance(job *asyncJob) bool {
	if job.status == "done" || job.status == "failed" {
		return false
	}
	job.polls++
	if job.polls < s.backupPolls {
		job.status = "running"
		return false
	}
	return true
}

func (j *asyncJob) progress(total int) float64 {
	switch j.status {
	case "done", "failed":
		return 1
	case "running":
		return float64(j.polls) / float64(total)
	}
	return 0
}

func bridgeBackupStatus(c *call, p P) (any, error) {
	s := c.s
	job := s.backups[p.Str("backupid")]
	if job == nil {
		return nil, errNoRecord("backup_controllers", p.Str("backupid"))
	}
	if s.advance(job) {
		s.finishBackup(job)
	}
	out := o("status", job.status, "progress", job.progress(s.backupPolls))
	if job.file == nil {
		return append(out, o("filename", "", "filesize", 0, "contenthash", "", "fileurl", "", "error", job.err)...), nil
	}
	return append(out, o("filename", job.file.filename, "filesize", len(job.file.content),
		"contenthash", contentHash(job.file.content), "fileurl", c.fileURL(job.file, true), "error", "")...), nil
}

func (s *Site) finishBackup(job *asyncJob) {
	co := s.courses[job.courseid]
	if co == nil || s.failBackups {
		job.status, job.err = "failed", "The course could not be backed up"
		return
	}
	when := s.srv.now()
	data, err := writeMBZ(s.exportCourse(co), when)
	if err != nil {
		job.status, job.err = "failed", err.Error()
		return
	}
	name := fmt.Sprintf("backup-moodle2-course-%d-%s-%s-nu.mbz", co.id, strings.ToLower(safeName(co.shortname)), when.UTC().Format("20060102-1504"))
	f := &storedFile{contextID: co.contextID, component: "backup", filearea: "course", filepath: "/", filename: name,
		content: data, userid: adminID, author: "Admin User", license: "unknown", timecreated: when.Unix(), timemodified: when.Unix()}
	s.storeFile(f)
	job.file, job.status = f, "done"
}

func safeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

func bridgeRestoreCourse(c *call, p P) (any, error) {
	s := c.s
	var archive []byte
	for _, f := range s.draftFiles(p.Int("draftitemid")) {
		archive = f.content
		if strings.HasSuffix(f.filename, ".mbz") {
			break
		}
	}
	if archive == nil {
		return nil, errMoodle("backupfilenotfound", "No backup file in the draft area "+fmt.Sprint(p.Int("draftitemid")))
	}
	if s.categories[p.Int("categoryid")] == nil {
		return nil, errNoRecord("course_categories", p.Int("categoryid"))
	}
	if err := s.shortnameFree(p.Str("shortname")); err != nil {
		return nil, err
	}
	job := &asyncJob{id: s.newJobID(), status: "pending", draft: archive, categoryID: p.Int("categoryid"),
		fullname: p.Str("fullname"), shortname: p.Str("shortname")}
	s.restores[job.id] = job
	return o("restoreid", job.id, "status", job.status), nil
}

func bridgeRestoreStatus(c *call, p P) (any, error) {
	s := c.s
	job := s.restores[p.Str("restoreid")]
	if job == nil {
		return nil, errNoRecord("backup_controllers", p.Str("restoreid"))
	}
	if s.advance(job) {
		s.finishRestore(job)
	}
	return o("status", job.status, "progress", job.progress(s.backupPolls), "courseid", job.courseid, "error", job.err), nil
}

func (s *Site) finishRestore(job *asyncJob) {
	doc, err := readMBZ(job.draft)
	switch {
	case err != nil:
		job.status, job.err = "failed", "Invalid backup file: "+err.Error()
	case s.categories[job.categoryID] == nil:
		job.status, job.err = "failed", "Category not known!"
	case s.shortnameFree(job.shortname) != nil:
		job.status, job.err = "failed", s.shortnameFree(job.shortname).(*wsError).Message
	default:
		fullname, shortname := s.restoreNames(job.fullname, job.shortname)
		co := s.importCourseDoc(doc, job.categoryID, fullname, shortname)
		job.courseid, job.status = co.id, "done"
	}
	job.draft = nil
}

// restoreNames is restore_dbops::calculate_course_names: the restore of a
// new course renames it "NAME copy N" / "SHORT_N" while another course has
// the same full name or short name (local_bridge only checks the short
// name before it starts).
func (s *Site) restoreNames(fullname, shortname string) (string, string) {
	full, short := fullname, shortname
	for n := 1; ; n++ {
		taken := false
		for _, co := range s.courses {
			if co.fullname == full || co.shortname == short {
				taken = true
				break
			}
		}
		if !taken {
			return full, short
		}
		full, short = fmt.Sprintf("%s copy %d", fullname, n), fmt.Sprintf("%s_%d", shortname, n)
	}
}

func bridgeEnableSelfEnrolment(c *call, p P) (any, error) {
	co := c.s.courses[p.Int("courseid")]
	if co == nil || co.id == 1 {
		return nil, errNoRecord("course", p.Int("courseid"))
	}
	if co.frozen {
		return nil, errNoPermission("Configure self enrol instances")
	}
	if p.Int("roleid") != 0 && roleNames[p.Int("roleid")] == "" {
		return nil, errInvalidParam("Unknown role id " + strconv.Itoa(p.Int("roleid")))
	}
	co.selfEnabled = p.Int("enable") == 1
	if p.Has("password") {
		co.selfPassword = p.Str("password")
	}
	if p.Int("roleid") != 0 {
		co.selfRoleID = p.Int("roleid")
	}
	return o("instanceid", co.selfID, "enabled", co.selfEnabled), nil
}

func bridgeFreezeContext(c *call, p P) (any, error) {
	co := c.s.courses[p.Int("courseid")]
	if co == nil || co.id == 1 {
		return nil, errNoRecord("course", p.Int("courseid"))
	}
	if c.s.noLocking {
		return nil, errMoodle("contextlockingdisabled", "Context freezing is disabled on this site (setting contextlocking).")
	}
	co.frozen = p.Int("freeze") == 1
	return o("frozen", co.frozen), nil
}

func bridgeMarkCourseComplete(c *call, p P) (any, error) {
	s := c.s
	co, u, err := s.completionTarget(p.Int("courseid"), p.Int("userid"))
	if err != nil {
		return nil, err
	}
	if co.frozen {
		return nil, errNoPermission("Mark users as complete")
	}
	// As local_bridge's mark_course_complete.php: completion enabled on
	// the course, then the user enrolled, each with the plugin's own
	// error string.
	if co.enablecompletion != 1 {
		return nil, errMoodle("completionnotenabled", "Completion tracking is not enabled for this course.")
	}
	if !s.isEnrolled(co.id, u.id) {
		return nil, errMoodle("usernotenrolled", "The user is not enrolled in this course.")
	}
	key := [2]int{co.id, u.id}
	if p.Int("complete") == 1 {
		s.courseDone[key] = s.now()
	} else {
		delete(s.courseDone, key)
	}
	return o("completed", s.courseCompleted(co, u.id)), nil
}

func init() {
	register("local_bridge_named_enrolment", true, single(
		k("courseid", vInt()), k("name", vText()), k("create", vInt().dflt(1)),
		k("enrol", multi(single(k("userid", vInt()), k("roleid", vInt()))).dflt([]any{})),
		k("unenrol", multi(vInt()).dflt([]any{})),
	), bridgeNamedEnrolment)
}

// bridgeNamedEnrolment mirrors local_bridge's named_enrolment.php: a
// manual instance of its own, found by name, enrolled into and unenrolled
// from; unenrolling leaves whoever another instance enrols in the course.
func bridgeNamedEnrolment(c *call, p P) (any, error) {
	s := c.s
	co := s.courses[p.Int("courseid")]
	if co == nil || co.id == 1 {
		return nil, errNoRecord("course", p.Int("courseid"))
	}
	name := strings.TrimSpace(p.Str("name"))
	if name == "" {
		return nil, errInvalidParam("The enrolment instance needs a name")
	}
	create := !p.Has("create") || p.Int("create") == 1
	enrolRows, unenrolIDs := p.List("enrol"), p.Ints("unenrol")
	if co.frozen && (create || len(enrolRows) > 0 || len(unenrolIDs) > 0) {
		return nil, errNoPermission("Configure enrol instances in courses")
	}
	id, ok := co.named[name]
	created := false
	if !ok {
		if !create {
			return o("instanceid", 0, "created", false, "members", []obj{}), nil
		}
		if co.named == nil {
			co.named = map[string]int{}
		}
		id = s.nextID("enrol")
		co.named[name] = id
		created = true
	}
	for _, in := range enrolRows {
		if !courseRoles[in.Int("roleid")] {
			return nil, errInvalidParam("Role " + strconv.Itoa(in.Int("roleid")) + " cannot be given in this course")
		}
		if s.liveUser(in.Int("userid")) == nil {
			return nil, errNoRecord("user", in.Int("userid"))
		}
		uid := in.Int("userid")
		ue := s.enrolments[co.id][uid]
		if ue == nil {
			ue = &userEnrolment{userid: uid, timecreated: s.now(), onlyNamed: true}
			s.enrolments[co.id][uid] = ue
		}
		if ue.named == nil {
			ue.named = map[int]bool{}
		}
		ue.named[id] = true
		s.assignRole(co.contextID, uid, in.Int("roleid"))
	}
	for _, uid := range unenrolIDs {
		ue := s.enrolments[co.id][uid]
		if ue == nil || !ue.named[id] {
			continue
		}
		delete(ue.named, id)
		if len(ue.named) == 0 && ue.onlyNamed {
			ue.named = nil
			s.unenrol(co, uid)
		}
	}
	members := []obj{}
	for _, uid := range sortedKeys(s.enrolments[co.id]) {
		if s.enrolments[co.id][uid].named[id] {
			members = append(members, o("userid", uid))
		}
	}
	return o("instanceid", id, "created", created, "members", members), nil
}
