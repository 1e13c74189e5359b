package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/store"
)

// job is one transition being run.
type job struct {
	s    *Service
	run  *jobs.Run
	e    *env
	from store.CourseState
	p    payload
	tr   string
}

type applyFunc func(ctx context.Context, j *job) (any, error)

var applies = map[string]applyFunc{
	CreateParcours:    applyCopy,
	Duplicate:         applyCopy,
	CreateSessions:    applyCreateSessions,
	Open:              applyOpen,
	OpenSelfEnrolment: applyOpenSelf,
	Trash:             applyTrash,
	Restore:           applyRestore,
	SetMetadata:       applySetMetadata,
	Demonstrate:       applyDemonstrate,
}

// handler runs a transition: a checkpointed guard (so a resumed job is not
// refused by its own partial effect), the transition's steps, and the
// record of the new state in one final step.
func (s *Service) handler(tr string) jobs.Handler {
	return func(ctx context.Context, run *jobs.Run) (any, error) {
		j := &job{s: s, run: run, tr: tr}
		if err := run.Decode(&j.p); err != nil {
			return nil, err
		}
		e, err := s.env(ctx, run.Domain())
		if err != nil {
			return nil, err
		}
		j.e = e
		err = run.Step("guard", func(ctx context.Context) (any, error) {
			cs, err := s.currentState(ctx, e, j.p.CourseID, true)
			if err != nil {
				return nil, err
			}
			if err := s.requireNoDrift(ctx, e, cs); err != nil {
				return nil, err
			}
			if err := s.guard(ctx, e, cs, tr, &j.p.Params); err != nil {
				return nil, err
			}
			return cs, nil
		}, &j.from)
		if err != nil {
			return nil, err
		}
		return applies[tr](ctx, j)
	}
}

// record writes a course's new state, its trail entry and its audit
// entry, with the step's checkpoint, in one store transaction.
func (j *job) record(step string, next store.CourseState, from string) error {
	next.Domain = j.e.d.Name()
	params, _ := json.Marshal(j.p.Params)
	return j.s.RecordStep(j.run, step, Change{Transition: j.tr, From: from, Next: next, Actor: actor(j.run.RequestedBy()),
		Params: json.RawMessage(params)})
}

func (j *job) update(ctx context.Context, u moodle.CourseUpdate) error {
	w, err := j.e.d.Client.UpdateCourses(ctx, []moodle.CourseUpdate{u})
	if err != nil {
		return fmt.Errorf("update course %d: %w", u.ID, err)
	}
	if len(w) > 0 {
		return failure.Permanent(fmt.Errorf("update course %d: %v", u.ID, w))
	}
	return nil
}

func intp(v int) *int { return &v }

// Copied is a course created (or found again) by a copy.
type Copied struct {
	CourseID  int64  `json:"course_id"`
	ShortName string `json:"shortname"`
	FullName  string `json:"fullname"`
	Existing  bool   `json:"existing"` // found by its shortname: an earlier run made it
}

// copyCourse duplicates source under shortname, unless a copy of source
// already holds that shortname (an earlier, interrupted run). A shortname
// held by any other course is refused.
func (j *job) copyCourse(ctx context.Context, source int64, shortname, fullname string, category int64, withUsers bool) (Copied, error) {
	found, err := j.e.d.Client.FindCourse(ctx, shortname, "")
	if err != nil {
		return Copied{}, fmt.Errorf("look up shortname %q: %w", shortname, err)
	}
	if found != nil {
		if j.isOurCopy(ctx, found, source, category) {
			return Copied{CourseID: int64(found.ID), ShortName: found.ShortName, FullName: found.FullName, Existing: true}, nil
		}
		return Copied{}, refuse("shortname_taken", "le nom abrégé « %s » est déjà pris (cours %d)", "shortname %q is already taken (course %d)",
			shortname, int64(found.ID))
	}
	users := "0"
	if withUsers {
		users = "1"
	}
	created, err := j.e.d.Client.DuplicateCourse(ctx, moodle.DuplicateInput{CourseID: moodle.Int(source), FullName: fullname,
		ShortName: shortname, CategoryID: moodle.Int(category), Visible: intp(0), Options: []moodle.NameValue{{Name: "users", Value: users}}})
	if err != nil {
		return Copied{}, fmt.Errorf("duplicate course %d as %q: %w", source, shortname, err)
	}
	return Copied{CourseID: int64(created.ID), ShortName: created.ShortName, FullName: fullname}, nil
}

// isOurCopy: the course's recorded source is source, or it has no state
// yet and sits where the copy was going (a copy whose record was lost).
func (j *job) isOurCopy(ctx context.Context, c *moodle.Course, source, category int64) bool {
	cs, err := j.s.st.GetCourseState(ctx, j.e.d.Name(), int64(c.ID))
	if err == nil {
		return cs.SourceCourseID == source
	}
	return int64(c.CategoryID) == category
}

func (j *job) enrolFormateurs(ctx context.Context, courseID int64, users []int64) error {
	role := j.e.roles["formateur"]
	if len(users) == 0 {
		return nil
	}
	if role == 0 {
		return failure.Permanent(fmt.Errorf("no formateur role recorded for %s: run `bridge domains bootstrap`", j.e.d.Name()))
	}
	rows := make([]moodle.Enrolment, 0, len(users))
	for _, u := range users {
		rows = append(rows, moodle.Enrolment{RoleID: moodle.Int(role), UserID: moodle.Int(u), CourseID: moodle.Int(courseID),
			TimeStart: startOfDay(j.s.now(), j.s.loc).Unix()})
	}
	err := j.e.d.Client.EnrolUsers(ctx, rows)
	if err != nil && moodle.IsMailFailure(err) {
		return nil // committed; only the welcome mail failed
	}
	if err != nil {
		return fmt.Errorf("enrol formateurs in course %d: %w", courseID, err)
	}
	return nil
}

// applyCopy is create-parcours (gabarit → Parcours de formation, never
// with users) and duplicate (same root, users only when asked).
func applyCopy(ctx context.Context, j *job) (any, error) {
	src, err := getCourse(ctx, j.e.d, j.p.CourseID)
	if err != nil {
		return nil, err
	}
	p := j.p.Params
	category, state, withUsers := p.CategoryID, family(j.from.State), p.WithUsers
	if j.tr == CreateParcours {
		state, withUsers = StateParcoursConstruction, false
		if category == 0 {
			category = j.e.cats[domains.CatParcours]
		}
	}
	if category == 0 {
		category = int64(src.CategoryID)
	}
	name := p.Name
	if name == "" {
		name = src.FullName
	}
	var c Copied
	if err := j.run.Step("copy", func(ctx context.Context) (any, error) {
		return j.copyCourse(ctx, j.p.CourseID, p.ShortName, name, category, withUsers)
	}, &c); err != nil {
		return nil, err
	}
	j.run.Progress(1, 2, "copied as "+c.ShortName)
	if err := j.run.Step("enrol-creator", func(ctx context.Context) (any, error) {
		return nil, j.enrolFormateurs(ctx, c.CourseID, nonZero(p.CreatorID))
	}, nil); err != nil {
		return nil, err
	}
	if err := j.record("record", store.CourseState{CourseID: c.CourseID, State: state, SourceCourseID: j.p.CourseID}, ""); err != nil {
		return nil, err
	}
	j.run.Progress(2, 2, "done")
	return c, nil
}

func nonZero(ids ...int64) []int64 {
	var out []int64
	for _, id := range ids {
		if id != 0 {
			out = append(out, id)
		}
	}
	return out
}

func applyOpen(ctx context.Context, j *job) (any, error) {
	// visible=1 only: the planned start date is kept.
	if err := j.run.Step("show", func(ctx context.Context) (any, error) {
		return nil, j.update(ctx, moodle.CourseUpdate{ID: moodle.Int(j.p.CourseID), Visible: intp(1)})
	}, nil); err != nil {
		return nil, err
	}
	next := j.from
	next.State, next.Variant = StateSessionEnCours, ""
	return next.State, j.record("record", next, j.from.State)
}

func applyOpenSelf(ctx context.Context, j *job) (any, error) {
	key, variant := domains.CatAutoInscription, VariantSelfNational
	if j.p.Params.Offer == "local" {
		key, variant = domains.CatAutoInscriptionLocale, VariantSelfLocal
	}
	if err := j.run.Step("move", func(ctx context.Context) (any, error) {
		return nil, j.update(ctx, moodle.CourseUpdate{ID: moodle.Int(j.p.CourseID), CategoryID: moodle.Int(j.e.cats[key]), Visible: intp(1)})
	}, nil); err != nil {
		return nil, err
	}
	if err := j.run.Step("self-enrolment", func(ctx context.Context) (any, error) {
		// Self-enrolled people get the domain's participant role, whatever
		// the site's enrol_self default role is.
		return j.e.d.Client.EnableSelfEnrolment(ctx, moodle.Int(j.p.CourseID), true, "", moodle.Int(j.e.roles["participant"]))
	}, nil); err != nil {
		return nil, err
	}
	next := j.from
	next.State, next.Variant = StateSessionEnCours, variant
	return next.State, j.record("record", next, j.from.State)
}

type origin struct {
	CategoryID int64 `json:"category_id"`
	Visible    bool  `json:"visible"`
}

// setFrozenIfArchived freezes or unfreezes the course when the bridge's
// archiving froze it (its active archive record says so), as a step.
func (j *job) setFrozenIfArchived(freeze bool) error {
	rec, err := j.s.st.ActiveArchiveRecord(j.run.Context(), j.e.d.Name(), j.p.CourseID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !rec.Froze) {
		return nil
	}
	if err != nil {
		return err
	}
	name := "unfreeze"
	if freeze {
		name = "freeze"
	}
	return j.run.Step(name, func(ctx context.Context) (any, error) {
		_, err := j.e.d.Client.FreezeContext(ctx, moodle.Int(j.p.CourseID), freeze)
		return nil, err
	}, nil)
}

func applyTrash(ctx context.Context, j *job) (any, error) {
	// The origin is read and checkpointed before the move, so a resumed
	// job never mistakes the Corbeille for the origin.
	var o origin
	if err := j.run.Step("origin", func(ctx context.Context) (any, error) {
		c, err := getCourse(ctx, j.e.d, j.p.CourseID)
		if err != nil {
			return nil, err
		}
		return origin{CategoryID: int64(c.CategoryID), Visible: bool(c.Visible)}, nil
	}, &o); err != nil {
		return nil, err
	}
	// An archived session is frozen (read-only): Moodle refuses to move it
	// until it is unfrozen. Restore freezes it again.
	if err := j.setFrozenIfArchived(false); err != nil {
		return nil, err
	}
	if err := j.run.Step("move", func(ctx context.Context) (any, error) {
		return nil, j.update(ctx, moodle.CourseUpdate{ID: moodle.Int(j.p.CourseID), CategoryID: moodle.Int(j.e.cats[domains.CatCorbeille]), Visible: intp(0)})
	}, nil); err != nil {
		return nil, err
	}
	next := store.CourseState{CourseID: j.p.CourseID, State: StateCorbeille, SourceCourseID: j.from.SourceCourseID,
		OriginState: j.from.State, OriginVariant: j.from.Variant, OriginCategoryID: o.CategoryID, OriginVisible: o.Visible}
	return next.State, j.record("record", next, j.from.State)
}

// rootOf is the skeleton category a state lives in, for a restore whose
// origin category is unknown (a course adopted in the Corbeille).
var rootOf = map[string]string{
	StateGabarit: domains.CatGabarit, StateParcoursConstruction: domains.CatParcours,
	StateParcoursDemonstration: domains.CatDemonstration, StateSessionPreparation: domains.CatSession,
	StateSessionEnCours: domains.CatSession, StateSessionArchivee: domains.CatArchive,
}

func applyRestore(ctx context.Context, j *job) (any, error) {
	state := j.from.OriginState
	if state == "" {
		state = StateSessionPreparation
	}
	category := j.from.OriginCategoryID
	if category == 0 {
		category = j.e.cats[rootOf[state]]
	}
	visible := 0
	if j.from.OriginVisible {
		visible = 1
	}
	if err := j.run.Step("move", func(ctx context.Context) (any, error) {
		return nil, j.update(ctx, moodle.CourseUpdate{ID: moodle.Int(j.p.CourseID), CategoryID: moodle.Int(category), Visible: intp(visible)})
	}, nil); err != nil {
		return nil, err
	}
	if state == StateSessionArchivee {
		if err := j.setFrozenIfArchived(true); err != nil {
			return nil, err
		}
	}
	next := store.CourseState{CourseID: j.p.CourseID, State: state, Variant: j.from.OriginVariant, SourceCourseID: j.from.SourceCourseID}
	return next.State, j.record("record", next, j.from.State)
}

func applySetMetadata(ctx context.Context, j *job) (any, error) {
	p := j.p.Params
	if err := j.run.Step("save", func(ctx context.Context) (any, error) {
		md, err := j.s.st.GetCourseMetadata(ctx, j.e.d.Name(), j.p.CourseID)
		if err != nil {
			return nil, err
		}
		mergeMetadata(&md, p)
		return nil, j.s.st.SetCourseMetadata(ctx, j.e.d.Name(), j.p.CourseID, md)
	}, nil); err != nil {
		return nil, err
	}
	return j.from.State, j.record("record", j.from, j.from.State)
}

func mergeMetadata(md *store.CourseMetadata, p Params) {
	if p.RemoteMinutes != nil {
		md.RemoteMinutes = p.RemoteMinutes
	}
	if p.InPersonMinutes != nil {
		md.InPersonMinutes = p.InPersonMinutes
	}
	if strings.TrimSpace(p.Objectives) != "" {
		md.Objectives = strings.TrimSpace(p.Objectives)
	}
}

// applyDemonstrate moves the parcours into "Parcours en démonstration",
// keeping its visibility, and records the new state.
func applyDemonstrate(ctx context.Context, j *job) (any, error) {
	if j.from.State == StateParcoursDemonstration {
		return j.from.State, nil // already there: a re-run changes nothing
	}
	if err := j.run.Step("move", func(ctx context.Context) (any, error) {
		return nil, j.update(ctx, moodle.CourseUpdate{ID: moodle.Int(j.p.CourseID), CategoryID: moodle.Int(j.e.cats[domains.CatDemonstration])})
	}, nil); err != nil {
		return nil, err
	}
	next := j.from
	next.State = StateParcoursDemonstration
	return next.State, j.record("record", next, j.from.State)
}
