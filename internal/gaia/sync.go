package gaia

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/magistere/bridge/internal/enrol"
	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/store"
)

// KindSync is the job kind re-syncing a domain's linked courses.
const KindSync = "gaia.sync"

// SyncPayload is a gaia.sync job's payload. Domain may be empty: the job's
// own domain is used (schedules set both).
type SyncPayload struct {
	Domain string `json:"domain,omitempty"`
	DryRun bool   `json:"dry_run,omitempty"`
	// Override unenrols, for every linked course this run, whoever left
	// GAIA from the GAIA enrolment instance (links may also set it).
	Override bool `json:"override,omitempty"`
}

// EntryProblem is a person the sync could not enrol (unknown account,
// ambiguous e-mail, suspended, refused by Moodle...).
type EntryProblem struct {
	Email  string       `json:"email"`
	Role   string       `json:"role,omitempty"`
	Status enrol.Status `json:"status"`
	Detail string       `json:"detail,omitempty"`
}

// CourseResult is one linked course's outcome.
type CourseResult struct {
	CourseID     int64        `json:"course_id"`
	Session      string       `json:"session"`
	Participants int          `json:"participants"` // people GAIA lists, by role
	Formateurs   int          `json:"formateurs"`
	Counts       enrol.Counts `json:"counts"`
	Changed      int          `json:"changed"` // accounts created, enrolments and roles added, people removed (or, in a dry run, to be)
	Absent       []int64      `json:"absent,omitempty"`
	// Instance is the GAIA enrolment instance's name ("" when the site
	// lacks local_bridge and people are enrolled manually).
	Instance string `json:"instance,omitempty"`
	Group    string `json:"group,omitempty"`
	Override bool   `json:"override,omitempty"`
	// Removed are the people override unenrolled from the GAIA instance
	// (in a dry run: would unenrol).
	Removed []int64 `json:"removed,omitempty"`
	// OverrideHeld says why override removes nobody this time.
	OverrideHeld string         `json:"override_held,omitempty"`
	Problems     []EntryProblem `json:"problems,omitempty"`
	Note         string         `json:"note,omitempty"`
}

// SyncResult is the job's result.
type SyncResult struct {
	Domain  string         `json:"domain"`
	DryRun  bool           `json:"dry_run,omitempty"`
	Courses []CourseResult `json:"courses"`
}

// Syncer re-syncs linked courses of one domain.
type Syncer struct {
	St     *store.Store
	Client *moodle.Client
	Domain string
	// Options carry the domain's role map, unknown-user policy and account
	// auth (enrol.PlanOptions.WithDomainDefaults); courses and roles are
	// set per course.
	Options enrol.PlanOptions
	// Override applies override to every linked course this run.
	Override bool
	// People, when set, gives a session's people instead of the store (a
	// scan's dry run plans with the drop it has not imported).
	People func(ctx context.Context, key string) ([]store.GaiaPerson, error)
}

// InstanceFunction is local_bridge's function for the GAIA enrolment
// instance.
const InstanceFunction = "local_bridge_named_enrolment"

// InstanceName is the name of a session's enrolment instance in a course:
// people enrolled through the GAIA link are enrolled through it, and only
// it is touched by override.
func InstanceName(key string) string { return "GAIA " + key }

// Sync plans (and, unless dryRun, applies) every linked course in course
// order. cp checkpoints each course's plan and phases under "course N/";
// pass enrol.Direct outside a job.
func (s *Syncer) Sync(ctx context.Context, cp enrol.Checkpointer, dryRun bool) (*SyncResult, error) {
	links, err := s.St.ListGaiaLinks(ctx, s.Domain)
	if err != nil {
		return nil, fmt.Errorf("gaia: sync %s: %w", s.Domain, err)
	}
	if len(links) > 0 && s.Client.Strategy() == nil {
		// Whether the site has local_bridge's GAIA instance function.
		if _, err := s.Client.Probe(ctx); err != nil {
			return nil, fmt.Errorf("gaia: sync %s: %w", s.Domain, err)
		}
	}
	res := &SyncResult{Domain: s.Domain, DryRun: dryRun, Courses: []CourseResult{}}
	for i, l := range links {
		cp.Progress(i, len(links), fmt.Sprintf("course %d", l.CourseID))
		cr, err := s.syncCourse(ctx, l, prefixed{cp, fmt.Sprintf("course %d/", l.CourseID)}, dryRun)
		if err != nil {
			return nil, fmt.Errorf("gaia: sync course %d (session %s): %w", l.CourseID, l.SessionKey, err)
		}
		res.Courses = append(res.Courses, cr)
	}
	cp.Progress(len(links), len(links), "done")
	return res, nil
}

func (s *Syncer) syncCourse(ctx context.Context, l store.GaiaLink, cp enrol.Checkpointer, dryRun bool) (CourseResult, error) {
	cr := CourseResult{CourseID: l.CourseID, Session: l.SessionKey}
	lo, err := s.St.GaiaLinkOptionsOf(ctx, s.Domain, l.CourseID)
	if err != nil {
		return cr, err
	}
	cr.Group, cr.Override = lo.Group, lo.Override || s.Override
	var people []store.GaiaPerson
	if s.People != nil {
		people, err = s.People(ctx, l.SessionKey)
	} else {
		people, err = s.St.GaiaPeople(ctx, s.Domain, l.SessionKey)
	}
	if err != nil {
		return cr, err
	}
	rows := Rows(people)
	for _, r := range rows {
		if r.Role == RoleFormateur {
			cr.Formateurs++
		} else {
			cr.Participants++
		}
	}
	if len(rows) == 0 {
		// No list yet (Stagiaires not imported): reporting every enrolled
		// participant as absent would only be noise.
		cr.Note = "GAIA lists nobody for this session yet"
		return cr, nil
	}
	// A linked course deleted in Moodle since (trashed session, deleted by
	// hand) made the whole domain's sync fail on core_enrol_get_enrolled_users
	// ("invalidrecord"), so no other linked course was synced: say so for
	// this course and go on with the others.
	found, err := s.Client.GetCoursesByField(ctx, "id", strconv.FormatInt(l.CourseID, 10))
	if err != nil {
		return cr, err
	}
	if len(found) == 0 {
		cr.Note = "course no longer exists in Moodle: nothing synced (gaia unlink it)"
		return cr, nil
	}
	useInstance := s.Client.Strategy() != nil && s.Client.Strategy().HasFunction(InstanceFunction)
	if useInstance {
		cr.Instance = InstanceName(l.SessionKey)
	}
	var plan enrol.Plan
	err = cp.Step("plan", func(ctx context.Context) (any, error) {
		return s.plan(ctx, l.CourseID, rows, cr.Group, cr.Instance, cr.Override)
	}, &plan)
	if err != nil {
		return cr, err
	}
	cr.Absent = absentOf(&plan)
	leaving := leaversOf(&plan)
	if cr.Override {
		switch {
		case !useInstance:
			cr.OverrideHeld = "override needs local_bridge (" + InstanceFunction + "): nobody removed / personne n'est désinscrit"
		case plan.Counts().Problems() > 0:
			cr.OverrideHeld = "override held: some people GAIA lists could not be matched or enrolled, and a bad row must never unenrol anyone; " +
				"fix them first / retrait suspendu : des personnes de GAIA n'ont pu être reconnues"
		}
	}
	if cr.OverrideHeld != "" {
		leaving = nil
	}
	if !dryRun && plan.PendingWork() {
		var enroller enrol.Enroller
		if useInstance {
			enroller = s.instanceEnroller(l.CourseID, cr.Instance)
		}
		if err := enrol.ApplyWith(s.Client, &plan, cp, enroller); err != nil {
			return cr, err
		}
	}
	if len(leaving) > 0 && !dryRun {
		var ids []int64
		for _, e := range leaving {
			ids = append(ids, e.UserID)
		}
		if err := cp.Step("override", func(ctx context.Context) (any, error) {
			_, err := s.instance(ctx, l.CourseID, cr.Instance, true, nil, ids)
			return len(ids), err
		}, new(int)); err != nil {
			return cr, fmt.Errorf("override: unenrolling from %q: %w", cr.Instance, err)
		}
		for i := range leaving {
			leaving[i].Status = enrol.StatusUnenrolled
		}
	}
	for _, e := range leaving {
		cr.Removed = append(cr.Removed, e.UserID)
	}
	plan.Entries = append(plan.Entries, leaving...)
	cr.Counts = plan.Counts()
	for _, e := range plan.Entries {
		switch {
		case changes[e.Status]:
			cr.Changed++
		case e.Status == enrol.StatusAlreadyEnrolled && len(e.NewGroups) > 0:
			cr.Changed++ // put into the group
		case e.Status.Problematic():
			cr.Problems = append(cr.Problems, EntryProblem{Email: e.Email, Role: e.Role, Status: e.Status, Detail: e.Detail})
		}
	}
	return cr, nil
}

// changes are the statuses that change Moodle, done or (dry run) to do.
var changes = map[enrol.Status]bool{
	enrol.StatusCreated: true, enrol.StatusEnrolled: true, enrol.StatusRoleAdded: true, enrol.StatusUnenrolled: true,
	enrol.StatusWillCreate: true, enrol.StatusWillEnrol: true, enrol.StatusWillAddRole: true, enrol.StatusWillUnenrol: true,
}

// statusLeaving marks, in a checkpointed plan, a member of the GAIA
// instance GAIA no longer lists (override): Apply does not act on it.
const statusLeaving = "gaia_leaving"

// leaversOf takes the override removals out of the plan, as will_unenrol
// entries.
func leaversOf(p *enrol.Plan) []enrol.Entry {
	var out []enrol.Entry
	kept := p.Entries[:0]
	for _, e := range p.Entries {
		if e.Status == statusLeaving {
			e.Status = enrol.StatusWillUnenrol
			out = append(out, e)
			continue
		}
		kept = append(kept, e)
	}
	p.Entries = kept
	return out
}

// instanceMembers is local_bridge_named_enrolment's answer.
type instanceMembers struct {
	InstanceID int64 `json:"instanceid"`
	Created    bool  `json:"created"`
	Members    []struct {
		UserID int64 `json:"userid"`
	} `json:"members"`
}

// instance calls local_bridge_named_enrolment: enrol and unenrol through
// the named instance (created when create), and list its members.
func (s *Syncer) instance(ctx context.Context, course int64, name string, create bool, enrolRows []moodle.Enrolment, unenrol []int64) (instanceMembers, error) {
	var out instanceMembers
	type row struct {
		UserID int64 `json:"userid"`
		RoleID int64 `json:"roleid"`
	}
	var rows []row
	for _, r := range enrolRows {
		rows = append(rows, row{UserID: int64(r.UserID), RoleID: int64(r.RoleID)})
	}
	c := 0
	if create {
		c = 1
	}
	err := s.Client.Call(ctx, InstanceFunction, moodle.Params{"courseid": course, "name": name, "create": c,
		"enrol": rows, "unenrol": unenrol}, &out)
	return out, err
}

// instanceEnroller enrols through the GAIA instance, 100 rows a call; a
// call Moodle refuses is retried row by row to name the bad rows.
func (s *Syncer) instanceEnroller(course int64, name string) enrol.Enroller {
	return func(ctx context.Context, rows []moodle.Enrolment) ([]error, error) {
		errs := make([]error, len(rows))
		for start := 0; start < len(rows); start += 100 {
			chunk := rows[start:min(start+100, len(rows))]
			_, err := s.instance(ctx, course, name, true, chunk, nil)
			if err == nil {
				continue
			}
			if failure.IsRetryable(err) || len(chunk) == 1 {
				if len(chunk) == 1 && !failure.IsRetryable(err) {
					errs[start] = err
					continue
				}
				return nil, err
			}
			for k := range chunk {
				if _, err := s.instance(ctx, course, name, true, chunk[k:k+1], nil); err != nil {
					if failure.IsRetryable(err) {
						return nil, err
					}
					errs[start+k] = err
				}
			}
		}
		return errs, nil
	}
}

// plan asks enrol for the course's plan. RemoveAbsent only makes the plan
// list the participants GAIA no longer names; they are taken out of the
// plan (see absentOf) so nobody is unenrolled.
//
// With the GAIA instance (instance != ""), people already enrolled in the
// course another way but not through the instance are enrolled through it
// too (will_enrol), and, under override, the instance's members GAIA no
// longer lists are added as leaving entries (see leaversOf).
func (s *Syncer) plan(ctx context.Context, course int64, rows []enrol.Row, group, instance string, override bool) (*enrol.Plan, error) {
	opts := s.Options
	opts.CourseIDs, opts.Role, opts.RemoveAbsent, opts.MaxPerSession = []int64{course}, RoleParticipant, true, 0
	opts.Group = group
	// Only the list is wanted (nobody is removed here): no safeguard holds it.
	opts.RemoveForce = true
	p, err := enrol.PlanRows(ctx, s.Client, rows, opts)
	if err != nil {
		return nil, err
	}
	kept := p.Entries[:0]
	for _, e := range p.Entries {
		if e.Status == enrol.StatusWillUnenrol {
			e.Status, e.Line = enrol.Status(statusAbsent), 0
		}
		kept = append(kept, e)
	}
	p.Entries, p.Options.RemoveAbsent = kept, false
	if instance == "" {
		return p, nil
	}
	in, err := s.instance(ctx, course, instance, false, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("reading the enrolment instance %q: %w", instance, err)
	}
	members := map[int64]bool{}
	for _, m := range in.Members {
		members[m.UserID] = true
	}
	listed := map[int64]bool{}
	for i := range p.Entries {
		e := &p.Entries[i]
		if e.UserID != 0 && e.Line > 0 {
			listed[e.UserID] = true
		}
		if e.Status == enrol.StatusAlreadyEnrolled && !members[e.UserID] {
			e.Status = enrol.StatusWillEnrol
		}
	}
	if !override {
		return p, nil
	}
	// Who is enrolled, for the leavers' names.
	enrolled, err := enrol.WebServices{Client: s.Client}.EnrolledUsers(ctx, course)
	if err != nil {
		return nil, err
	}
	byID := map[int64]moodle.User{}
	for _, u := range enrolled {
		byID[int64(u.ID)] = u
	}
	var ids []int64
	for id := range members {
		if !listed[id] {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
	for _, id := range ids {
		u := byID[id]
		// Not a "gaia_absent" any more: this one leaves.
		for i := range p.Entries {
			if p.Entries[i].Status == statusAbsent && p.Entries[i].UserID == id {
				p.Entries = append(p.Entries[:i], p.Entries[i+1:]...)
				break
			}
		}
		p.Entries = append(p.Entries, enrol.Entry{Email: enrol.NormalizeEmail(u.Email), Username: u.Username,
			FirstName: u.FirstName, LastName: u.LastName, Status: statusLeaving, CourseID: course, UserID: id,
			Reasons: []string{enrol.ReasonAbsentFromFile}})
	}
	return p, nil
}

// statusAbsent marks, in a checkpointed plan, a participant GAIA no longer
// lists: Apply acts on no status it does not know.
const statusAbsent = "gaia_absent"

// absentOf takes the absent participants out of the plan and returns
// their Moodle user ids.
func absentOf(p *enrol.Plan) []int64 {
	var ids []int64
	kept := p.Entries[:0]
	for _, e := range p.Entries {
		if e.Status == statusAbsent {
			ids = append(ids, e.UserID)
			continue
		}
		kept = append(kept, e)
	}
	p.Entries = kept
	sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
	return ids
}

// Rows turns a session's people into enrolment rows, formateurs first. A
// person GAIA lists as both formateur and participant is enrolled once, as
// formateur.
func Rows(people []store.GaiaPerson) []enrol.Row {
	sorted := append([]store.GaiaPerson(nil), people...)
	sort.SliceStable(sorted, func(a, b int) bool {
		return sorted[a].Role == RoleFormateur && sorted[b].Role != RoleFormateur
	})
	seen := map[string]bool{}
	var rows []enrol.Row
	for _, p := range sorted {
		if seen[p.Email] {
			continue
		}
		seen[p.Email] = true
		rows = append(rows, enrol.Row{Line: len(rows) + 1, Email: p.Email, FirstName: p.FirstName, LastName: p.LastName,
			IDNumber: p.IDNumber, Establishment: p.Establishment, Role: p.Role})
	}
	return rows
}

// prefixed names a course's checkpoints apart from the other courses'.
type prefixed struct {
	cp     enrol.Checkpointer
	prefix string
}

func (p prefixed) Step(name string, fn func(ctx context.Context) (any, error), out any) error {
	return p.cp.Step(p.prefix+name, fn, out)
}

// Progress is reported per course by Sync; the phases stay quiet.
func (p prefixed) Progress(int, int, string) {}
