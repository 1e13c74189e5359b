// Package archive closes sessions for real, and can undo it. m@gistère's
// "Archiver le parcours" only moves the course under Archive; here
// archiving a session moves it into an Archive sub-category, removes it
// from the offre de formation, makes it read-only (context freezing
// through local_bridge, or hiding it where the site cannot freeze), can
// keep a final backup (.mbz with its SHA-256) and notify the participants.
// Every change is recorded (store.ArchiveRecord) so that unarchiving
// replays it in reverse. Automatic archiving (archive.auto) and the
// Corbeille's retention (archive.retention) act only on the list their
// dry run computed, stored with the job.
package archive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/refusal"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/workflow"
)

// Job kinds.
const (
	KindArchive   = "archive.course"
	KindUnarchive = "archive.unarchive"
	KindAuto      = "archive.auto"
	KindRetention = "archive.retention"
)

// Access modes of an archived session.
const (
	AccessReadOnly = "readonly" // "Avec accès des participants": visible, frozen
	AccessNone     = "none"     // "Sans accès des participants": hidden, frozen
)

// Catalogue is the offre de formation, as far as archiving needs it:
// whether a session is published (a snapshot of its entry, nil when not
// published), removing it (by actor; an entry already gone is not an
// error), and putting the snapshot back exactly.
type Catalogue interface {
	Published(ctx context.Context, domain string, courseID int64) (json.RawMessage, error)
	Unpublish(ctx context.Context, domain string, courseID int64, actor string) error
	Republish(ctx context.Context, snapshot json.RawMessage) error
}

// Attendance counts the participants marked "Formation terminée" in a
// course; archiving warns when there are none.
type Attendance interface {
	AttendanceCount(ctx context.Context, domain string, courseID int64) (int, error)
}

// Service archives, unarchives and purges over a fleet of domains.
type Service struct {
	st         *store.Store
	fleet      *domains.Fleet
	q          *jobs.Queue
	dataDir    string
	catalogue  Catalogue
	attendance Attendance
	wf         *workflow.Service // the owner of course states
	clock      atomic.Pointer[func() time.Time]
	// PollEvery is the pause between two polls of a Moodle backup.
	PollEvery time.Duration
}

// New builds the service; backups go under dataDir/archives and
// dataDir/trash. The catalogue and the attendance default to the store's
// offers and attendance tables.
func New(st *store.Store, fleet *domains.Fleet, q *jobs.Queue, dataDir string) *Service {
	s := &Service{st: st, fleet: fleet, q: q, dataDir: dataDir, catalogue: StoreCatalogue{St: st}, attendance: StoreAttendance{St: st},
		wf: workflow.New(st, fleet, q), PollEvery: 300 * time.Millisecond}
	s.SetClock(nil)
	return s
}

// SetCatalogue replaces the offre de formation (nil: none, nothing is
// ever unpublished).
func (s *Service) SetCatalogue(c Catalogue) { s.catalogue = c }

// SetAttendance plugs the attendance count in (nil: archiving warns that
// attendance could not be checked).
func (s *Service) SetAttendance(a Attendance) { s.attendance = a }

// SetClock replaces the clock (tests, demo); nil restores time.Now.
func (s *Service) SetClock(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	s.clock.Store(&now)
}

func (s *Service) now() time.Time { return (*s.clock.Load())() }

// Register binds the four job kinds.
func (s *Service) Register(reg *jobs.Registry) {
	reg.Register(KindArchive, s.archiveJob)
	reg.Register(KindUnarchive, s.unarchiveJob)
	reg.Register(KindAuto, s.autoJob)
	reg.Register(KindRetention, s.retentionJob)
}

func refuse(code, fr, en string, args ...any) *refusal.Refusal {
	return refusal.New(code, fr, en, args...)
}

func actor(requestedBy string) string {
	if requestedBy == "" {
		return "system"
	}
	return requestedBy
}

// domain returns a configured domain and its recorded skeleton.
func (s *Service) domain(ctx context.Context, name string) (*domains.Domain, map[string]int64, error) {
	d, err := s.fleet.Get(name)
	if err != nil {
		return nil, nil, failure.Permanent(err)
	}
	recorded, err := s.st.DomainCategories(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	cats := map[string]int64{}
	for k, c := range recorded {
		cats[k] = c.CategoryID
	}
	if cats[domains.CatArchive] == 0 {
		return nil, nil, refuse("not_bootstrapped", "le domaine %s n'est pas initialisé : lancer « bridge domains bootstrap »",
			"domain %s is not bootstrapped: run `bridge domains bootstrap`", name)
	}
	return d, cats, nil
}

// getCourse reads one course; a missing one is a permanent refusal.
func getCourse(ctx context.Context, d *domains.Domain, id int64) (*moodle.Course, error) {
	cs, err := d.Client.GetCoursesByField(ctx, "id", strconv.FormatInt(id, 10))
	if err != nil {
		return nil, fmt.Errorf("read course %d: %w", id, err)
	}
	if len(cs) == 0 {
		return nil, refuse("no_course", "le cours %d n'existe pas sur %s", "course %d does not exist on %s", id, d.Name())
	}
	return &cs[0], nil
}

// categoryPath is a category's ids from the root down to itself.
func categoryPath(ctx context.Context, d *domains.Domain, id int64) ([]int64, error) {
	cats, err := d.Client.GetCategories(ctx, []moodle.KeyValue{{Key: "id", Value: strconv.FormatInt(id, 10)}}, false)
	if err != nil {
		return nil, fmt.Errorf("read category %d: %w", id, err)
	}
	if len(cats) != 1 {
		return nil, refuse("no_category", "la catégorie %d n'existe pas", "category %d does not exist", id)
	}
	var out []int64
	for _, p := range strings.Split(strings.Trim(cats[0].Path, "/"), "/") {
		if v, err := strconv.ParseInt(p, 10, 64); err == nil {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		out = []int64{id}
	}
	return out, nil
}

// courseState returns the recorded state, or the one the workflow infers
// from the course's category (not written: the archive's change records
// it, through the workflow).
func (s *Service) courseState(ctx context.Context, d *domains.Domain, c *moodle.Course) (store.CourseState, error) {
	cs, err := s.st.GetCourseState(ctx, d.Name(), int64(c.ID))
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return cs, err
	}
	state, err := s.wf.InferState(ctx, d.Name(), int64(c.CategoryID))
	if err != nil {
		return cs, err
	}
	return store.CourseState{Domain: d.Name(), CourseID: int64(c.ID), State: state}, nil
}

// recordChangeWith asks the workflow to record archiving or unarchiving
// as the job's step: the archive's own record (with), the state, trail,
// audit and checkpoint in one transaction (workflow.RecordStepWith).
func (s *Service) recordChangeWith(sp stepper, next store.CourseState, from, transition, who string, params any,
	with func(ctx context.Context, tx *store.Tx) (any, error), out any) error {
	return s.wf.RecordStepWith(sp.run, sp.prefix+"state", workflow.Change{Transition: transition, From: from, Next: next, Actor: who,
		Params: params, Action: "archive." + transition}, with, out)
}

// stepper runs checkpointed steps; prefixed, several courses share one job.
type stepper struct {
	run    *jobs.Run
	prefix string
}

func (sp stepper) step(name string, fn func(ctx context.Context) (any, error), out any) error {
	return sp.run.Step(sp.prefix+name, fn, out)
}
