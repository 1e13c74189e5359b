package moodlesim

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

func courseFieldsIn() []pkey {
	return []pkey{
		k("idnumber", vRaw().opt()), k("summary", vRaw().opt()), k("summaryformat", vInt().dflt(1)),
		k("format", val("plugin").dflt("topics")), k("showgrades", vInt().dflt(1)), k("newsitems", vInt().dflt(5)),
		k("startdate", vInt().opt()), k("enddate", vInt().opt()), k("numsections", vInt().opt()),
		k("maxbytes", vInt().dflt(0)), k("showreports", vInt().dflt(0)), k("visible", vInt().opt()),
		k("hiddensections", vInt().opt()), k("groupmode", vInt().dflt(0)), k("groupmodeforce", vInt().dflt(0)),
		k("defaultgroupingid", vInt().dflt(0)), k("enablecompletion", vInt().opt()), k("completionnotify", vInt().opt()),
		k("lang", val("safedir").opt()), k("forcetheme", val("plugin").opt()),
		k("courseformatoptions", multi(single(k("name", val("alpha")), k("value", vRaw()))).opt()),
		k("customfields", multi(single(k("shortname", val("alphanumext")), k("value", vRaw()))).opt()),
	}
}

func init() {
	create := append([]pkey{k("fullname", vText()), k("shortname", vText()), k("categoryid", vInt())}, courseFieldsIn()...)
	register("core_course_create_courses", true, single(k("courses", multi(single(create...)))), createCourses)
	update := []pkey{k("id", vInt()), k("fullname", vText().opt()), k("shortname", vText().opt()), k("categoryid", vInt().opt())}
	for _, f := range courseFieldsIn() {
		f.d = f.d.opt()
		update = append(update, f)
	}
	register("core_course_update_courses", true, single(k("courses", multi(single(update...)))), updateCourses)
	register("core_course_get_courses", false, single(
		k("options", single(k("ids", multi(vInt()).opt())).dflt(newPHPArr())),
	), getCourses)
	register("core_course_get_courses_by_field", false, single(
		k("field", val("alpha").dflt("")), k("value", vRaw().dflt("")),
	), getCoursesByField)
	register("core_course_search_courses", false, single(
		k("criterianame", val("alpha")), k("criteriavalue", vRaw()), k("page", vInt().dflt(0)), k("perpage", vInt().dflt(0)),
		k("requiredcapabilities", multi(vRaw()).dflt([]any{})), k("limittoenrolled", vBool().dflt(false)),
		k("onlywithcompletion", vBool().dflt(false)),
	), searchCourses)
	register("core_course_delete_courses", true, single(k("courseids", multi(vInt()))), deleteCourses)
	register("core_course_duplicate_course", true, single(
		k("courseid", vInt()), k("fullname", vText()), k("shortname", vText()), k("categoryid", vInt()),
		k("visible", vInt().dflt(1)), k("options", multi(single(k("name", val("alphaext")), k("value", vRaw()))).dflt([]any{})),
	), duplicateCourse)
	register("core_course_get_contents", false, single(
		k("courseid", vInt()), k("options", multi(single(k("name", val("alpha")), k("value", vRaw()))).dflt([]any{})),
	), getContents)
	register("core_course_get_updates_since", false, single(
		k("courseid", vInt()), k("since", vInt()), k("filter", multi(val("alpha")).dflt([]any{})),
	), getUpdatesSince)
	register("core_course_import_course", true, single(
		k("importfrom", vInt()), k("importto", vInt()), k("deletecontent", vInt().dflt(0)),
		k("options", multi(single(k("name", val("alphaext")), k("value", vRaw()))).dflt([]any{})),
	), importCourse)
}

func createCourses(c *call, p P) (any, error) {
	s := c.s
	var created []int
	out := []obj{}
	for _, in := range p.List("courses") {
		co, err := s.newCourse(in)
		if err != nil {
			for _, id := range created {
				s.removeCourse(s.courses[id])
			}
			return nil, err
		}
		created = append(created, co.id)
		out = append(out, o("id", co.id, "shortname", co.shortname))
	}
	for _, id := range created {
		s.wrote("course:%s", s.courses[id].shortname)
	}
	return out, nil
}

func (s *Site) checkCourseKeys(shortname, idnumber string, except int) error {
	for _, other := range s.courses {
		if other.id == except {
			continue
		}
		if other.shortname == shortname {
			return errMoodle("shortnametaken", fmt.Sprintf("Short name is already used for another course (%s)", shortname))
		}
		if idnumber != "" && other.idnumber == idnumber {
			return errMoodle("courseidnumbertaken", fmt.Sprintf("ID number is already used for another course (%s)", idnumber))
		}
	}
	return nil
}

func (s *Site) newCourse(in P) (*course, error) {
	cat := s.categories[in.Int("categoryid")]
	if cat == nil {
		return nil, errMoodle("errorcatcontextnotvalid", fmt.Sprintf("You cannot execute functions in the category context (category id:%d). The context error message was: Invalid parameter value detected", in.Int("categoryid")))
	}
	if err := s.checkCourseKeys(in.Str("shortname"), in.Str("idnumber"), 0); err != nil {
		return nil, err
	}
	now := s.now()
	co := &course{
		category: cat.id, fullname: in.Str("fullname"), shortname: in.Str("shortname"), idnumber: in.Str("idnumber"),
		summary: in.Str("summary"), summaryFormat: 1, format: in.Str("format"), showgrades: in.Int("showgrades"),
		newsitems: in.Int("newsitems"), maxbytes: in.Int("maxbytes"), showreports: in.Int("showreports"), visible: 1,
		groupmode: in.Int("groupmode"), groupmodeforce: in.Int("groupmodeforce"), enablecompletion: 1,
		hiddensections: 1, lang: in.Str("lang"), theme: in.Str("forcetheme"), timecreated: now, timemodified: now,
		cacherev: now, startdate: midnightLondon(now),
	}
	s.applyCourseFields(co, in)
	// core_course_create_courses: a course given no end date ends
	// moodlecourse/courseduration (a year by default) after its start.
	if !in.Has("enddate") {
		co.enddate = co.startdate + 31536000
	}
	co.id = s.nextID("course")
	co.contextID = s.newContext(ctxCourse, co.id)
	co.sortorder = cat.sortorder + s.countInCategory(cat.id) + 1
	s.courses[co.id] = co
	s.addEnrolInstances(co)
	numsections := 0
	if in.Has("numsections") {
		numsections = in.Int("numsections")
	}
	if v, ok := in.options("courseformatoptions")["numsections"]; ok {
		numsections, _ = strconv.Atoi(v)
	}
	for i := 0; i <= numsections; i++ {
		s.addSection(co, "")
	}
	if co.newsitems > 0 {
		// A course that shows news gets its Announcements forum at creation;
		// the recorded id sequences (cmid and context gaps) show it.
		s.addModule(co, 0, "forum", "Announcements", 0, 1, 0, "")
	}
	return co, nil
}

// applyCourseFields copies the optional settings shared by create/update.
func (s *Site) applyCourseFields(co *course, in P) {
	setInt := func(key string, dst *int) {
		if in.Has(key) {
			*dst = in.Int(key)
		}
	}
	setInt("visible", &co.visible)
	setInt("enablecompletion", &co.enablecompletion)
	setInt("completionnotify", &co.completionnotify)
	setInt("hiddensections", &co.hiddensections)
	if in.Has("startdate") {
		co.startdate = int64(in.Int("startdate"))
	}
	if in.Has("enddate") {
		co.enddate = int64(in.Int("enddate"))
	}
	for name, value := range in.options("courseformatoptions") {
		n, _ := strconv.Atoi(value)
		switch name {
		case "hiddensections":
			co.hiddensections = n
		case "coursedisplay":
			co.coursedisplay = n
		}
	}
}

func (s *Site) countInCategory(catID int) int {
	n := 0
	for _, c := range s.courses {
		if c.category == catID && c.sortorder > 0 {
			n++
		}
	}
	return n
}

// addEnrolInstances creates manual, guest and self instances (guest and
// self disabled), as enrol_course_updated does on a fresh 4.5.
func (s *Site) addEnrolInstances(co *course) {
	co.manualID = s.nextID("enrol")
	co.guestID = s.nextID("enrol")
	co.selfID = s.nextID("enrol")
	s.enrolments[co.id] = map[int]*userEnrolment{}
}

func (s *Site) addSection(co *course, name string) *section {
	sec := &section{id: s.nextID("course_sections"), num: len(co.sections), visible: 1, name: name}
	co.sections = append(co.sections, sec)
	return sec
}

func (s *Site) addModule(co *course, secNum int, modname, name string, completion, visible, indent int, content string) int {
	for len(co.sections) <= secNum {
		s.addSection(co, "")
	}
	m := &module{cmid: s.nextID("course_modules"), course: co.id, instance: s.nextID(modname), completion: completion,
		visible: visible, indent: indent, modname: modname, name: name, content: content, added: s.now()}
	m.contextID = s.newContext(ctxModule, m.cmid)
	s.modules[m.cmid] = m
	sec := co.sections[secNum]
	sec.cms = append(sec.cms, m.cmid)
	co.cacherev = s.now()
	return m.cmid
}

func (s *Site) removeCourse(co *course) {
	for _, sec := range co.sections {
		for _, cmid := range sec.cms {
			s.removeModuleData(cmid)
		}
	}
	for id, g := range s.groups {
		if g.course == co.id {
			delete(s.groups, id)
		}
	}
	delete(s.enrolments, co.id)
	delete(s.roles, co.contextID)
	delete(s.contexts, co.contextID)
	s.removeFiles(co.contextID)
	for key := range s.selfDone {
		if key[0] == co.id {
			delete(s.selfDone, key)
		}
	}
	for key := range s.courseDone {
		if key[0] == co.id {
			delete(s.courseDone, key)
		}
	}
	delete(s.courses, co.id)
}

func (s *Site) removeModuleData(cmid int) {
	m := s.modules[cmid]
	if m == nil {
		return
	}
	for key := range s.cmStates {
		if key[0] == cmid {
			delete(s.cmStates, key)
		}
	}
	s.removeFiles(m.contextID)
	delete(s.contexts, m.contextID)
	delete(s.modules, cmid)
}

func (s *Site) removeFiles(contextID int) {
	kept := s.files[:0]
	for _, f := range s.files {
		if f.contextID != contextID {
			kept = append(kept, f)
		}
	}
	s.files = kept
}

var courseFilters = []obj{
	o("filter", "displayh5p", "localstate", 0, "inheritedstate", 1), o("filter", "activitynames", "localstate", 0, "inheritedstate", 1),
	o("filter", "mathjaxloader", "localstate", 0, "inheritedstate", 1), o("filter", "emoticon", "localstate", 0, "inheritedstate", 1),
	o("filter", "urltolink", "localstate", 0, "inheritedstate", 1), o("filter", "mediaplugin", "localstate", 0, "inheritedstate", 1),
}

func (c *call) courseImage(co *course) string {
	return fmt.Sprintf("%s/pluginfile.php/%d/course/generated/course.svg", c.base, co.contextID)
}

func (c *call) enrolMethods(co *course) []string {
	if co.id == 1 {
		return []string{}
	}
	out := []string{"manual"}
	if co.selfEnabled {
		out = append(out, "self")
	}
	return out
}

// contacts are the course's editing teachers (the coursecontact setting).
func (c *call) contacts(co *course) []obj {
	out := []obj{}
	for _, uid := range sortedKeys(c.s.enrolments[co.id]) {
		if c.s.roles[co.contextID][uid][3] {
			u := c.s.users[uid]
			out = append(out, o("id", u.id, "fullname", u.firstname+" "+u.lastname))
		}
	}
	return out
}

// courseSummary is the first part of core_course_external's course
// exporter, shared by get_courses_by_field and search_courses.
func (c *call) courseSummary(co *course) obj {
	catName := ""
	if cat := c.s.categories[co.category]; cat != nil {
		catName = cat.name
	}
	var showCond any = true
	if co.id == 1 {
		showCond = nil
	}
	return o("id", co.id, "fullname", co.fullname, "displayname", co.fullname, "shortname", co.shortname,
		"courseimage", c.courseImage(co), "categoryid", co.category, "categoryname", catName, "sortorder", co.sortorder,
		"summary", co.summary, "summaryformat", 1, "summaryfiles", []any{}, "overviewfiles", []any{},
		"showactivitydates", co.id != 1, "showcompletionconditions", showCond, "contacts", c.contacts(co),
		"enrollmentmethods", c.enrolMethods(co))
}

func (c *call) courseFull(co *course) obj {
	out := c.courseSummary(co)
	out = append(out, o("idnumber", co.idnumber, "format", co.format, "showgrades", co.showgrades, "newsitems", co.newsitems,
		"startdate", co.startdate, "enddate", co.enddate, "maxbytes", co.maxbytes, "showreports", co.showreports,
		"visible", co.visible, "groupmode", co.groupmode, "groupmodeforce", co.groupmodeforce, "defaultgroupingid", 0,
		"enablecompletion", co.enablecompletion, "completionnotify", co.completionnotify, "lang", co.lang,
		"theme", co.theme, "marker", 0, "legacyfiles", 0, "calendartype", "", "timecreated", co.timecreated,
		"timemodified", co.timemodified, "requested", 0, "cacherev", co.cacherev, "filters", courseFilters)...)
	if co.id != 1 {
		out = append(out, kv{"courseformatoptions", []obj{
			o("name", "hiddensections", "value", co.hiddensections), o("name", "coursedisplay", "value", co.coursedisplay),
			o("name", "indentation", "value", "1"),
		}})
	}
	return out
}

func getCoursesByField(c *call, p P) (any, error) {
	s := c.s
	field, value := p.Str("field"), p.Str("value")
	var list []*course
	switch field {
	case "":
		list = s.sortedCourses()
	case "id", "category", "shortname", "idnumber":
		for _, co := range s.sortedCourses() {
			if courseFieldMatches(co, field, value) {
				list = append(list, co)
			}
		}
	case "ids":
		// Answered in the order asked, as recorded ("2,1" gives 2 then 1).
		// A deleted or unknown id breaks the whole call on Moodle 4.5 (a PHP
		// Error in the context validation), where field=id answers [].
		for _, v := range strings.Split(value, ",") {
			id, _ := strconv.Atoi(strings.TrimSpace(v))
			co := s.courses[id]
			if co == nil {
				return nil, errPHPNull("contextvalidated")
			}
			list = append(list, co)
		}
	default:
		return nil, errInvalidParam("Invalid field name")
	}
	out := []obj{}
	for _, co := range list {
		out = append(out, c.courseFull(co))
	}
	return o("courses", out, "warnings", []any{}), nil
}

func courseFieldMatches(co *course, field, value string) bool {
	switch field {
	case "id":
		return strconv.Itoa(co.id) == value
	case "category":
		return strconv.Itoa(co.category) == value
	case "shortname":
		return co.shortname == value
	case "idnumber":
		return value != "" && co.idnumber == value
	}
	return false
}

func getCourses(c *call, p P) (any, error) {
	s := c.s
	var list []*course
	opts, _ := p["options"].(P)
	ids := opts.Ints("ids")
	if len(ids) == 0 {
		list = s.sortedCourses()
	}
	for _, id := range ids {
		if co := s.courses[id]; co != nil { // unknown ids are left out
			list = append(list, co)
		}
	}
	out := []obj{}
	for _, co := range list {
		out = append(out, c.courseLegacy(co))
	}
	return out, nil
}

func (c *call) courseLegacy(co *course) obj {
	out := o("id", co.id, "shortname", co.shortname, "categoryid", co.category, "categorysortorder", co.sortorder,
		"fullname", co.fullname, "displayname", co.fullname, "idnumber", co.idnumber, "summary", co.summary,
		"summaryformat", 1, "format", co.format, "showgrades", co.showgrades, "newsitems", co.newsitems,
		"startdate", co.startdate, "enddate", co.enddate, "numsections", max(len(co.sections)-1, 0),
		"maxbytes", co.maxbytes, "showreports", co.showreports, "visible", co.visible,
		"hiddensections", co.hiddensections, "groupmode", co.groupmode, "groupmodeforce", co.groupmodeforce,
		"defaultgroupingid", 0, "timecreated", co.timecreated, "timemodified", co.timemodified,
		"enablecompletion", co.enablecompletion, "completionnotify", co.completionnotify, "lang", co.lang,
		"forcetheme", co.theme)
	if co.id != 1 {
		out = append(out, kv{"courseformatoptions", []obj{
			o("name", "hiddensections", "value", co.hiddensections), o("name", "coursedisplay", "value", co.coursedisplay),
		}})
	}
	return append(out, o("showactivitydates", co.id != 1, "showcompletionconditions", co.id != 1)...)
}

func searchCourses(c *call, p P) (any, error) {
	if p.Str("criterianame") != "search" {
		return nil, errInvalidParam("Invalid search criteria name")
	}
	words := strings.Fields(fold(p.Str("criteriavalue")))
	out := []obj{}
	for _, co := range c.s.sortedCourses() {
		if co.id == 1 {
			continue
		}
		hay := fold(strings.Join([]string{co.fullname, co.shortname, co.idnumber, co.summary}, " "))
		hit := len(words) > 0
		for _, w := range words {
			hit = hit && strings.Contains(hay, w)
		}
		if hit {
			out = append(out, c.courseSummary(co))
		}
	}
	total := len(out)
	if pp := p.Int("perpage"); pp > 0 {
		from := min(p.Int("page")*pp, len(out))
		out = out[from:min(from+pp, len(out))]
	}
	return o("total", total, "courses", out, "warnings", []any{}), nil
}

func updateCourses(c *call, p P) (any, error) {
	warnings := []obj{}
	for _, in := range p.List("courses") {
		if err := c.s.updateCourse(in); err != nil {
			warnings = append(warnings, warningFrom("course", in.Int("id"), err))
		}
	}
	return o("warnings", warnings), nil
}

// warningFrom turns an exception into the {item, itemid, warningcode,
// message} entry that update/delete functions report instead of failing.
func warningFrom(item string, id int, err error) obj {
	code, msg := "invalidrecord", err.Error()
	if we, ok := err.(*wsError); ok {
		code, msg = we.ErrorCode, we.Message
	}
	return o("item", item, "itemid", id, "warningcode", code, "message", msg)
}

func (s *Site) updateCourse(in P) error {
	co := s.courses[in.Int("id")]
	if co == nil {
		return errNoRecord("course", in.Int("id"))
	}
	if co.frozen {
		return errNoPermission("Update course settings")
	}
	shortname, idnumber := co.shortname, ""
	if in.Has("shortname") {
		shortname = in.Str("shortname")
	}
	if in.Has("idnumber") {
		idnumber = in.Str("idnumber")
	}
	if err := s.checkCourseKeys(shortname, idnumber, co.id); err != nil {
		return err
	}
	if in.Has("categoryid") && in.Int("categoryid") != co.category {
		cat := s.categories[in.Int("categoryid")]
		if cat == nil {
			return errMoodle("errorcatcontextnotvalid", fmt.Sprintf("You cannot execute functions in the category context (category id:%d). The context error message was: Invalid parameter value detected", in.Int("categoryid")))
		}
		co.category = cat.id
		co.sortorder = cat.sortorder + s.countInCategory(cat.id)
	}
	co.shortname = shortname
	if in.Has("idnumber") {
		co.idnumber = idnumber
	}
	for key, dst := range map[string]*string{"fullname": &co.fullname, "summary": &co.summary, "format": &co.format, "lang": &co.lang, "forcetheme": &co.theme} {
		if in.Has(key) {
			*dst = in.Str(key)
		}
	}
	for key, dst := range map[string]*int{"showgrades": &co.showgrades, "newsitems": &co.newsitems, "maxbytes": &co.maxbytes, "showreports": &co.showreports, "groupmode": &co.groupmode, "groupmodeforce": &co.groupmodeforce} {
		if in.Has(key) {
			*dst = in.Int(key)
		}
	}
	s.applyCourseFields(co, in)
	// update_course() stamps the course, which is how the bridge notices
	// a shared parcours was modified since publication.
	co.cacherev = s.now()
	co.timemodified = co.cacherev
	return nil
}

func deleteCourses(c *call, p P) (any, error) {
	warnings := []obj{}
	for _, id := range p.Ints("courseids") {
		co := c.s.courses[id]
		switch {
		case co == nil:
			warnings = append(warnings, o("item", "course", "itemid", id, "warningcode", "unknowncourseidnumber", "message", fmt.Sprintf("Unknown course ID %d", id)))
		case id == 1:
			warnings = append(warnings, o("item", "course", "itemid", id, "warningcode", "cannotdeletecategorycourse", "message", fmt.Sprintf("Course %d failed to be deleted", id)))
		default:
			c.s.removeCourse(co)
		}
	}
	return o("warnings", warnings), nil
}

func duplicateCourse(c *call, p P) (any, error) {
	s := c.s
	src := s.courses[p.Int("courseid")]
	if src == nil {
		return nil, errNoRecord("course", p.Int("courseid"))
	}
	cat := s.categories[p.Int("categoryid")]
	if cat == nil {
		return nil, errNoRecord("course_categories", p.Int("categoryid"))
	}
	if err := s.shortnameFree(p.Str("shortname")); err != nil {
		return nil, err
	}
	opts := p.options("options")
	copyDoc := s.exportCourse(src)
	if opts["activities"] == "0" {
		copyDoc.stripActivities()
	}
	co := s.importCourseDoc(copyDoc, cat.id, p.Str("fullname"), p.Str("shortname"))
	co.visible = p.Int("visible")
	if opts["users"] == "1" {
		for uid, ue := range s.enrolments[src.id] {
			cp := *ue
			s.enrolments[co.id][uid] = &cp
			for _, r := range s.userRoles(src.contextID, uid) {
				s.assignRole(co.contextID, uid, r)
			}
		}
	}
	return o("id", co.id, "shortname", co.shortname), nil
}

// shortnameFree is duplicate/restore's check: the message names the
// fullname of the course that holds the shortname.
func (s *Site) shortnameFree(shortname string) error {
	var names []string
	for _, co := range s.sortedCourses() {
		if co.shortname == shortname {
			names = append(names, co.fullname)
		}
	}
	if len(names) > 0 {
		return errMoodle("shortnametaken", fmt.Sprintf("Short name is already used for another course (%s)", strings.Join(names, ",")))
	}
	return nil
}

func getContents(c *call, p P) (any, error) {
	co := c.s.courses[p.Int("courseid")]
	if co == nil {
		return nil, errNoRecord("course", p.Int("courseid"))
	}
	out := []obj{}
	for _, sec := range co.sections {
		name := sec.name
		if name == "" {
			name = "New section"
			if sec.num == 0 {
				name = "General"
			}
		}
		mods := []obj{}
		for _, cmid := range sec.cms {
			mods = append(mods, c.moduleOut(co, c.s.modules[cmid]))
		}
		out = append(out, o("id", sec.id, "name", name, "visible", sec.visible, "summary", sec.summary, "summaryformat", 1,
			"section", sec.num, "hiddenbynumsections", 0, "uservisible", true, "component", nil, "itemid", nil, "modules", mods))
	}
	return out, nil
}

var modPlural = map[string]string{"page": "Pages", "forum": "Forums", "resource": "Files", "url": "URLs", "quiz": "Quizzes", "assign": "Assignments", "label": "Text and media areas"}
var modPurpose = map[string]string{"page": "content", "forum": "collaboration", "resource": "content", "url": "content", "quiz": "assessment", "assign": "assessment", "label": "content"}

func (c *call) moduleOut(co *course, m *module) obj {
	plural, ok := modPlural[m.modname]
	if !ok {
		plural = strings.ToUpper(m.modname[:1]) + m.modname[1:] + "s"
	}
	purpose, ok := modPurpose[m.modname]
	if !ok {
		purpose = "other"
	}
	out := o("id", m.cmid, "url", fmt.Sprintf("%s/mod/%s/view.php?id=%d", c.base, m.modname, m.cmid), "name", m.name,
		"instance", m.instance, "contextid", m.contextID, "visible", m.visible, "uservisible", true,
		"visibleoncoursepage", 1, "modicon", c.imageURL(m.modname, "monologo?filtericon=1"), "modname", m.modname,
		"purpose", purpose, "branded", false, "modplural", plural, "availability", nil, "indent", m.indent,
		"onclick", "", "afterlink", nil, "customdata", `""`, "noviewlink", false, "completion", m.completion)
	if m.completion > 0 && co.enablecompletion == 1 {
		out = append(out, kv{"completiondata", c.completionData(co, m, adminID, false)})
	}
	out = append(out, o("downloadcontent", 1, "dates", []any{}, "groupmode", 0)...)
	if m.modname == "page" {
		file := o("type", "file", "filename", "index.html", "filepath", "/", "filesize", len(m.content),
			"fileurl", fmt.Sprintf("%s/webservice/pluginfile.php/%d/mod_page/content/index.html?forcedownload=1", c.base, m.contextID),
			"timecreated", nil, "timemodified", m.added, "sortorder", 1, "userid", nil, "author", nil, "license", nil)
		out = append(out, kv{"contents", []obj{file}}, kv{"contentsinfo", o("filescount", 1, "filessize", len(m.content),
			"lastmodified", m.added, "mimetypes", []any{}, "repositorytype", "")})
	}
	return out
}

func getUpdatesSince(c *call, p P) (any, error) {
	co := c.s.courses[p.Int("courseid")]
	if co == nil {
		return nil, errNoRecord("course", p.Int("courseid"))
	}
	since := int64(p.Int("since"))
	instances := []obj{}
	for _, sec := range co.sections {
		for _, cmid := range sec.cms {
			m := c.s.modules[cmid]
			if m.added > since {
				instances = append(instances, o("contextlevel", "module", "id", m.cmid,
					"updates", []obj{o("name", "configuration", "timeupdated", m.added)}))
			}
		}
	}
	sort.SliceStable(instances, func(i, j int) bool {
		a, _ := instances[i].get("id")
		b, _ := instances[j].get("id")
		return a.(int) < b.(int)
	})
	return o("instances", instances, "warnings", []any{}), nil
}

func importCourse(c *call, p P) (any, error) {
	s := c.s
	from, to := s.courses[p.Int("importfrom")], s.courses[p.Int("importto")]
	if from == nil {
		return nil, errNoRecord("course", p.Int("importfrom"))
	}
	if to == nil {
		return nil, errNoRecord("course", p.Int("importto"))
	}
	if to.frozen {
		return nil, errNoPermission("Import from other courses")
	}
	if p.Int("deletecontent") == 1 {
		for _, sec := range to.sections {
			for _, cmid := range sec.cms {
				s.removeModuleData(cmid)
			}
			sec.cms = nil
		}
	}
	doc := s.exportCourse(from)
	for _, sec := range doc.Sections {
		for _, m := range sec.Modules {
			s.addModule(to, sec.Num, m.ModName, m.Name, m.Completion, m.Visible, m.Indent, m.Content)
		}
	}
	return nil, nil
}

// midnightLondon is usergetmidnight(time()) on a fresh site, whose
// timezone the installer sets to Europe/London.
func midnightLondon(ts int64) int64 {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		loc = time.UTC
	}
	t := time.Unix(ts, 0).In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc).Unix()
}
