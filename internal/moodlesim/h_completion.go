package moodlesim

import "fmt"

func init() {
	register("core_completion_get_course_completion_status", false, single(k("courseid", vInt()), k("userid", vInt())), courseCompletionStatus)
	register("core_completion_get_activities_completion_status", false, single(k("courseid", vInt()), k("userid", vInt())), activitiesCompletionStatus)
	register("core_completion_update_activity_completion_status_manually", true, single(k("cmid", vInt()), k("completed", vBool())), updateActivityManually)
	register("core_completion_mark_course_self_completed", true, single(k("courseid", vInt())), markSelfCompleted)
	register("core_completion_override_activity_completion_status", true, single(
		k("userid", vInt()), k("cmid", vInt()), k("newstate", vInt()),
	), overrideActivityCompletion)
}

func (s *Site) cmState(cmid, userid int) cmState {
	if st := s.cmStates[[2]int{cmid, userid}]; st != nil {
		return *st
	}
	return cmState{}
}

// completionData is the completion block of get_contents and
// get_activities_completion_status, as the given user sees it.
func (c *call) completionData(co *course, m *module, userid int, withHeader bool) obj {
	st := c.s.cmState(m.cmid, userid)
	var override any
	if st.overrideby > 0 {
		override = st.overrideby
	}
	out := o("state", st.state, "timecompleted", st.timecompleted, "overrideby", override, "valueused", false,
		"hascompletion", true, "isautomatic", m.completion == 2, "istrackeduser", c.s.isTracked(co, userid),
		"uservisible", true, "details", []any{}, "isoverallcomplete", st.state >= 1)
	if !withHeader {
		return out
	}
	head := o("cmid", m.cmid, "modname", m.modname, "instance", m.instance, "state", st.state,
		"timecompleted", st.timecompleted, "tracking", m.completion)
	return append(head, out[2:]...)
}

func (s *Site) completionTarget(courseid, userid int) (*course, *user, error) {
	co := s.courses[courseid]
	if co == nil {
		return nil, nil, errNoRecord("course", courseid)
	}
	u := s.liveUser(userid)
	if u == nil {
		return nil, nil, errInvalidUser(userid)
	}
	return co, u, nil
}

func courseCompletionStatus(c *call, p P) (any, error) {
	s := c.s
	co, u, err := s.completionTarget(p.Int("courseid"), p.Int("userid"))
	if err != nil {
		return nil, err
	}
	if co.enablecompletion != 1 {
		return nil, errMoodle("cannotviewreport", "You cannot view this report")
	}
	if !s.isEnrolled(co.id, u.id) {
		return nil, errMoodle("notenroled", "You are not enrolled in this course")
	}
	cr := co.criteria
	if cr == nil || (len(cr.Activities) == 0 && !cr.Self) {
		return nil, errMoodle("nocriteriaset", "No completion criteria set for this course")
	}
	completions := []obj{}
	for _, cmid := range cr.Activities {
		m := s.modules[cmid]
		if m == nil {
			continue
		}
		st := s.cmState(cmid, u.id)
		requirement := "Marking yourself complete"
		if m.completion == 2 {
			requirement = "Viewing"
		}
		completions = append(completions, criterionOut(4, "Activity completion", st.state >= 1, st.timecompleted,
			fmt.Sprintf(`<a href="%s/mod/%s/view.php?id=%d">%s</a>`, c.base, m.modname, m.cmid, m.name), requirement))
	}
	if cr.Self {
		done := s.selfDone[[2]int{co.id, u.id}]
		completions = append(completions, criterionOut(1, "Self completion", done > 0, done, "Self completion", "Marking yourself complete"))
	}
	return o("completionstatus", o("completed", s.courseCompleted(co, u.id), "aggregation", cr.Aggregation,
		"completions", completions), "warnings", []any{}), nil
}

func criterionOut(typ int, title string, done bool, when int64, criteria, requirement string) obj {
	status := "No"
	var t any
	if done {
		status, t = "Yes", when
	}
	return o("type", typ, "title", title, "status", status, "complete", done, "timecompleted", t,
		"details", o("type", title, "criteria", criteria, "requirement", requirement, "status", ""))
}

// courseCompleted: marked by local_bridge, or every (aggregation ALL) /
// any (ANY) criterion met.
func (s *Site) courseCompleted(co *course, userid int) bool {
	if s.courseDone[[2]int{co.id, userid}] > 0 {
		return true
	}
	cr := co.criteria
	if cr == nil || co.enablecompletion != 1 {
		return false
	}
	var met, total int
	for _, cmid := range cr.Activities {
		total++
		if s.cmState(cmid, userid).state >= 1 {
			met++
		}
	}
	if cr.Self {
		total++
		if s.selfDone[[2]int{co.id, userid}] > 0 {
			met++
		}
	}
	if total == 0 {
		return false
	}
	if cr.Aggregation == 2 {
		return met > 0
	}
	return met == total
}

// progress mirrors core_completion\progress: a PHP division, so an int
// when exact and a float otherwise; null without tracked activities.
func (s *Site) progress(co *course, userid int) any {
	if co.enablecompletion != 1 {
		return nil
	}
	var total, done int
	for _, sec := range co.sections {
		for _, cmid := range sec.cms {
			if s.modules[cmid].completion > 0 {
				total++
				if s.cmState(cmid, userid).state >= 1 {
					done++
				}
			}
		}
	}
	if total == 0 {
		return nil
	}
	if done*100%total == 0 {
		return done * 100 / total
	}
	return float64(done) * 100 / float64(total)
}

func activitiesCompletionStatus(c *call, p P) (any, error) {
	s := c.s
	co, u, err := s.completionTarget(p.Int("courseid"), p.Int("userid"))
	if err != nil {
		return nil, err
	}
	statuses := []obj{}
	if co.enablecompletion == 1 {
		for _, sec := range co.sections {
			for _, cmid := range sec.cms {
				if m := s.modules[cmid]; m.completion > 0 {
					statuses = append(statuses, c.completionData(co, m, u.id, true))
				}
			}
		}
	}
	return o("statuses", statuses, "warnings", []any{}), nil
}

func updateActivityManually(c *call, p P) (any, error) {
	s := c.s
	m := s.modules[p.Int("cmid")]
	if m == nil {
		return nil, errNoRecord("course_modules", p.Int("cmid"))
	}
	co := s.courses[m.course]
	if co.frozen {
		return nil, errNoPermission("Manually mark activities as complete")
	}
	if m.completion != 1 {
		return nil, errMoodle("cannotmanualctrack", "Activity does not have manual tracking")
	}
	s.setCMState(m.cmid, adminID, boolInt(p.Bool("completed")), 0)
	return o("status", true, "warnings", []any{}), nil
}

func (s *Site) setCMState(cmid, userid, state, overrideby int) cmState {
	st := &cmState{state: state, overrideby: overrideby}
	if state >= 1 {
		st.timecompleted = s.now()
	}
	s.cmStates[[2]int{cmid, userid}] = st
	return *st
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func markSelfCompleted(c *call, p P) (any, error) {
	s := c.s
	co := s.courses[p.Int("courseid")]
	if co == nil {
		return nil, errNoRecord("course", p.Int("courseid"))
	}
	if !s.isTracked(co, adminID) {
		return nil, errMoodle("nottracked", "You are currently not being tracked by completion in this course")
	}
	if co.criteria == nil || !co.criteria.Self {
		return nil, errMoodle("noselfcompletioncriteria", "No self completion criteria")
	}
	s.selfDone[[2]int{co.id, adminID}] = s.now()
	return o("status", true, "warnings", []any{}), nil
}

func overrideActivityCompletion(c *call, p P) (any, error) {
	s := c.s
	m := s.modules[p.Int("cmid")]
	if m == nil {
		return nil, errNoRecord("course_modules", p.Int("cmid"))
	}
	if s.liveUser(p.Int("userid")) == nil {
		return nil, errInvalidUser(p.Int("userid"))
	}
	co := s.courses[m.course]
	if co.frozen {
		return nil, errNoPermission("Override activity completion status")
	}
	if co.enablecompletion != 1 || m.completion == 0 || !s.isTracked(co, p.Int("userid")) {
		return nil, errMoodle("nottracked", "You are currently not being tracked by completion in this course")
	}
	newstate := p.Int("newstate")
	if newstate < 0 || newstate > 1 {
		return nil, errInvalidParam("Invalid completion state")
	}
	st := s.setCMState(m.cmid, p.Int("userid"), newstate, adminID)
	return o("cmid", m.cmid, "userid", p.Int("userid"), "state", st.state, "timecompleted", st.timecompleted,
		"overrideby", adminID, "tracking", m.completion), nil
}
