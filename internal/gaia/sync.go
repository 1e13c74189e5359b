package gaia

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/magistere/bridge/internal/enrol"
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
	CourseID     int64          `json:"course_id"`
	Session      string         `json:"session"`
	Participants int            `json:"participants"` // people GAIA lists, by role
	Formateurs   int            `json:"formateurs"`
	Counts       enrol.Counts   `json:"counts"`
	Changed      int            `json:"changed"` // accounts created, enrolments and roles added
	Absent       []int64        `json:"absent,omitempty"`
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
}

// Sync plans (and, unless dryRun, applies) every linked course in course
// order. cp checkpoints each course's plan and phases under "course N/";
// pass enrol.Direct outside a job.
func (s *Syncer) Sync(ctx context.Context, cp enrol.Checkpointer, dryRun bool) (*SyncResult, error) {
	links, err := s.St.ListGaiaLinks(ctx, s.Domain)
	if err != nil {
		return nil, fmt.Errorf("gaia: sync %s: %w", s.Domain, err)
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
	people, err := s.St.GaiaPeople(ctx, s.Domain, l.SessionKey)
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
	var plan enrol.Plan
	err = cp.Step("plan", func(ctx context.Context) (any, error) { return s.plan(ctx, l.CourseID, rows) }, &plan)
	if err != nil {
		return cr, err
	}
	cr.Absent = absentOf(&plan)
	if !dryRun && plan.PendingWork() {
		if err := enrol.Apply(s.Client, &plan, cp); err != nil {
			return cr, err
		}
	}
	cr.Counts = plan.Counts()
	for _, e := range plan.Entries {
		switch {
		case e.Status == enrol.StatusCreated || e.Status == enrol.StatusEnrolled || e.Status == enrol.StatusRoleAdded:
			cr.Changed++
		case e.Status.Problematic():
			cr.Problems = append(cr.Problems, EntryProblem{Email: e.Email, Role: e.Role, Status: e.Status, Detail: e.Detail})
		}
	}
	return cr, nil
}

// plan asks enrol for the course's plan. RemoveAbsent only makes the plan
// list the participants GAIA no longer names; they are taken out of the
// plan (see absentOf) so nobody is unenrolled.
func (s *Syncer) plan(ctx context.Context, course int64, rows []enrol.Row) (*enrol.Plan, error) {
	opts := s.Options
	opts.CourseIDs, opts.Role, opts.RemoveAbsent, opts.MaxPerSession = []int64{course}, RoleParticipant, true, 0
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
