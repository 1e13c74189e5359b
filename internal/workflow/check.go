package workflow

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/store"
)

// StateDeleted records a course deleted in Moodle behind the bridge's
// back (found by a check): no transition starts from it.
const StateDeleted = "deleted"

// KindCheck is the scheduled drift check's job kind (report only).
const KindCheck = "workflow.check"

// Drift is one difference between the bridge's record of a course and the
// course in Moodle.
type Drift struct {
	Domain    string `json:"domain"`
	CourseID  int64  `json:"course_id"`
	ShortName string `json:"shortname,omitempty"`
	Field     string `json:"field"`    // exists, state (from its category), visible
	Recorded  string `json:"recorded"` // what the record says
	Moodle    string `json:"moodle"`   // what Moodle says
	// Fixed: the record now follows Moodle (check --fix).
	Fixed bool `json:"fixed,omitempty"`
}

func (d Drift) String() string {
	name := d.ShortName
	if name == "" {
		name = strconv.FormatInt(d.CourseID, 10)
	}
	verb := ""
	if d.Fixed {
		verb = " (record fixed)"
	}
	return fmt.Sprintf("course %s on %s: %s is %s in the record, %s in Moodle%s", name, d.Domain, d.Field, d.Recorded, d.Moodle, verb)
}

// CheckDrift compares every course the bridge has a record of on a domain with
// Moodle: that it exists, that its category matches its recorded state,
// and that a running session is visible. With fix, each difference is
// reconciled in the record (never in Moodle), with a trail entry and an
// audit row.
func (s *Service) CheckDrift(ctx context.Context, domain string, fix bool, actorName string) ([]Drift, error) {
	e, err := s.env(ctx, domain)
	if err != nil {
		return nil, err
	}
	states, err := s.st.ListCourseStates(ctx, domain)
	if err != nil {
		return nil, err
	}
	courses, err := coursesByID(ctx, e, states)
	if err != nil {
		return nil, err
	}
	var out []Drift
	for _, cs := range states {
		if cs.State == StateDeleted {
			continue
		}
		d, next, err := s.driftOf(ctx, e, cs, courses[cs.CourseID])
		if err != nil {
			return out, err
		}
		if d == nil {
			continue
		}
		if fix {
			if err := s.reconcile(ctx, cs, next, *d, actorName); err != nil {
				return out, err
			}
			d.Fixed = true
		}
		out = append(out, *d)
	}
	return out, nil
}

// coursesByID reads the recorded courses from Moodle, 100 ids a call.
func coursesByID(ctx context.Context, e *env, states []store.CourseState) (map[int64]*moodle.Course, error) {
	out := map[int64]*moodle.Course{}
	for i := 0; i < len(states); i += 100 {
		var ids []string
		for _, cs := range states[i:min(i+100, len(states))] {
			ids = append(ids, strconv.FormatInt(cs.CourseID, 10))
		}
		found, err := e.d.Client.GetCoursesByField(ctx, "ids", strings.Join(ids, ","))
		if err != nil {
			return nil, fmt.Errorf("read courses of %s: %w", e.d.Name(), err)
		}
		for i := range found {
			out[int64(found[i].ID)] = &found[i]
		}
	}
	return out, nil
}

// driftOf returns the first difference of one course, and the state the
// record should hold to follow Moodle.
func (s *Service) driftOf(ctx context.Context, e *env, cs store.CourseState, c *moodle.Course) (*Drift, string, error) {
	d := &Drift{Domain: cs.Domain, CourseID: cs.CourseID}
	if c == nil {
		d.Field, d.Recorded, d.Moodle = "exists", "yes", "deleted"
		return d, StateDeleted, nil
	}
	d.ShortName = c.ShortName
	inferred, err := s.stateFromCategory(ctx, e, int64(c.CategoryID))
	if err != nil {
		if _, ok := err.(*Refusal); ok {
			inferred = "outside_lifecycle"
		} else {
			return nil, "", err
		}
	}
	// An opened session stays in the Session category: its category says
	// "préparation", its record "en cours"; both are right.
	if inferred != cs.State && !(inferred == StateSessionPreparation && cs.State == StateSessionEnCours) {
		d.Field, d.Recorded, d.Moodle = "state", cs.State, inferred
		return d, inferred, nil
	}
	if cs.State == StateSessionEnCours && !bool(c.Visible) {
		d.Field, d.Recorded, d.Moodle = "visible", "yes", "hidden"
		return d, StateSessionPreparation, nil
	}
	return nil, "", nil
}

// reconcile makes the record follow Moodle: the new state, a "reconcile"
// trail entry and an audit row.
func (s *Service) reconcile(ctx context.Context, cs store.CourseState, next string, d Drift, actorName string) error {
	if next == "outside_lifecycle" {
		next = StateDeleted // moved out of the bridge's categories: no longer the bridge's
	}
	from := cs.State
	cs.State = next
	if next != StateSessionEnCours {
		cs.Variant = ""
	}
	return s.Record(ctx, Change{Transition: Reconcile, From: from, Next: cs, Actor: actorName, Params: d, Detail: d.String()})
}

// requireNoDrift refuses a transition on a course whose record no longer
// matches Moodle, until `workflow check --fix` reconciled it.
func (s *Service) requireNoDrift(ctx context.Context, e *env, cs store.CourseState) error {
	if cs.State == StateDeleted {
		return refuse("course_deleted", "le cours %d a été supprimé de Moodle", "course %d was deleted from Moodle", cs.CourseID)
	}
	c, err := getCourse(ctx, e.d, cs.CourseID)
	if err != nil {
		if r, ok := err.(*Refusal); ok && r.Code == "no_course" {
			return refuse("drifted", "le cours %d n'existe plus dans Moodle : lancer « bridge workflow check --domain %s --fix »",
				"course %d no longer exists in Moodle: run `bridge workflow check --domain %s --fix`", cs.CourseID, e.d.Name())
		}
		return err
	}
	d, _, err := s.driftOf(ctx, e, cs, c)
	if err != nil || d == nil {
		return err
	}
	return refuse("drifted", "le cours a été modifié dans Moodle (%s : %s enregistré, %s dans Moodle) : lancer « bridge workflow check --domain %s --fix »",
		"the course was changed in Moodle (%s: %s recorded, %s in Moodle): run `bridge workflow check --domain %s --fix`",
		d.Field, d.Recorded, d.Moodle, e.d.Name())
}

// checkJob is the scheduled check: it reports drift (the job's result and
// a warning per course), and never fixes.
func (s *Service) checkJob(ctx context.Context, run *jobs.Run) (any, error) {
	drifts, err := s.CheckDrift(ctx, run.Domain(), false, "bridge")
	if err != nil {
		return nil, err
	}
	if drifts == nil {
		drifts = []Drift{}
	}
	return map[string]any{"drifts": drifts, "count": len(drifts)}, nil
}

// RequireEnrollable refuses enrolling people into a course whose state
// says nobody is taught there: a gabarit (enrol into its sessions), a
// course in the Corbeille, or one deleted from Moodle. A course the
// lifecycle cannot place (outside its categories, domain not
// bootstrapped) is left to the caller.
func (s *Service) RequireEnrollable(ctx context.Context, domain string, courseID int64) error {
	e, err := s.env(ctx, domain)
	if err != nil {
		return nil
	}
	cs, err := s.currentState(ctx, e, courseID, false)
	if err != nil {
		if _, ok := err.(*Refusal); ok {
			return nil
		}
		return err
	}
	switch cs.State {
	case StateGabarit:
		return refuse("not_enrollable", "le cours %d est un gabarit : inscrire les participants dans ses sessions",
			"course %d is a gabarit: enrol people into its sessions", courseID)
	case StateCorbeille, StateDeleted:
		return refuse("not_enrollable", "le cours %d est dans la corbeille ou supprimé : personne n'y est inscrit",
			"course %d is in the Corbeille or deleted: nobody is enrolled there", courseID)
	}
	return nil
}
