package workflow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	_ "time/tzdata" // Europe/Paris on hosts without a zoneinfo database

	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/fr"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/store"
)

// Service runs the lifecycle over a fleet of domains.
type Service struct {
	st    *store.Store
	fleet *domains.Fleet
	q     *jobs.Queue
	clock atomic.Pointer[func() time.Time]
	loc   *time.Location
}

// New builds the service. Dates (session days, reminders) are French
// calendar days, in Europe/Paris.
func New(st *store.Store, fleet *domains.Fleet, q *jobs.Queue) *Service {
	s := &Service{st: st, fleet: fleet, q: q, loc: fr.Paris()}
	s.SetClock(nil)
	return s
}

func (s *Service) now() time.Time { return (*s.clock.Load())() }

// SetClock replaces the clock (tests, demo); nil restores time.Now.
func (s *Service) SetClock(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	s.clock.Store(&now)
}

// Register binds every transition's job kind and the reminders' kind.
func (s *Service) Register(reg *jobs.Registry) {
	for _, tr := range Transitions {
		reg.Register(Kind(tr), s.handler(tr))
	}
	reg.Register(KindReminders, s.remindersJob)
	reg.Register(KindCheck, s.checkJob)
}

// Params are a transition's parameters; each transition reads its own.
type Params struct {
	Name             string  `json:"name,omitempty"`
	ShortName        string  `json:"shortname,omitempty"`
	CategoryID       int64   `json:"category_id,omitempty"` // destination sub-category
	WithUsers        bool    `json:"with_users,omitempty"`  // duplicate only
	ShortnamePattern string  `json:"shortname_pattern,omitempty"`
	Start            string  `json:"start,omitempty"` // YYYY-MM-DD
	End              string  `json:"end,omitempty"`
	Participants     int     `json:"participants,omitempty"`
	Max              int     `json:"max,omitempty"`
	Formateurs       []int64 `json:"formateurs,omitempty"`
	CreatorID        int64   `json:"creator_id,omitempty"` // Moodle user id, enrolled as formateur
	RemoteMinutes    *int    `json:"remote_minutes,omitempty"`
	InPersonMinutes  *int    `json:"inperson_minutes,omitempty"`
	Objectives       string  `json:"objectives,omitempty"`
	Offer            string  `json:"offer,omitempty"` // open-self-enrolment: national | local
	// VirtualClasses are create-sessions' planned virtual-class slots,
	// "JJ/MM/AAAA HH:MM" local times; each one outside working hours warns.
	VirtualClasses []string `json:"virtual_classes,omitempty"`
}

// Request asks for one transition of one course.
type Request struct {
	Transition  string
	Domain      string
	CourseID    int64
	Params      Params
	RequestedBy string
}

type payload struct {
	CourseID int64  `json:"course_id"`
	Params   Params `json:"params"`
}

// Key is the request's idempotency key: the same transition of the same
// course with the same parameters is one job.
func (r Request) Key() string {
	raw, _ := json.Marshal(r.Params)
	sum := sha256.Sum256(raw)
	return fmt.Sprintf("workflow:%s:%s:%d:%s", r.Transition, r.Domain, r.CourseID, hex.EncodeToString(sum[:8]))
}

// Submit checks the transition's guard and enqueues it as a job. A request
// already submitted returns its job (created=false); one that failed is
// queued again. A guard that refuses returns a *Refusal and no job, unless
// the same request already ran (then its job is returned).
func (s *Service) Submit(ctx context.Context, req Request) (store.Job, bool, error) {
	if _, ok := fromStates[req.Transition]; !ok {
		return store.Job{}, false, stateGuard(req.Transition, "")
	}
	trail, err := s.st.ListTransitions(ctx, req.Domain, req.CourseID)
	if err != nil {
		return store.Job{}, false, err
	}
	if err := s.Check(ctx, req); err != nil {
		var ref *Refusal
		if !errors.As(err, &ref) {
			return store.Job{}, false, err
		}
		if j, ok := s.lastRunOf(ctx, req, trail); ok {
			return j, false, nil
		}
		return store.Job{}, false, err
	}
	// The key holds the course's place in its trail: the same request
	// with nothing done to the course since is the same job, but the same
	// transition asked again after the course moved on (trash, restore,
	// trash) is a new one, not the first job's old "succeeded".
	key := fmt.Sprintf("%s:%d", req.Key(), len(trail))
	job, created, err := s.q.Submit(ctx, jobs.Spec{Kind: Kind(req.Transition), Domain: req.Domain, Key: key,
		Payload: payload{CourseID: req.CourseID, Params: req.Params}, RequestedBy: req.RequestedBy})
	if err != nil {
		return job, created, err
	}
	if !created && (job.State == store.JobFailed || job.State == store.JobCancelled) {
		job, err = s.q.Retry(ctx, job.ID, actor(req.RequestedBy))
	}
	return job, created, err
}

// lastRunOf finds the job that ran this very request as the course's last
// change: asking it again is then a no-op answered with that job. A
// request refused for another reason (the course moved on since, by the
// bridge or by hand) gets its refusal, never an older job's success.
func (s *Service) lastRunOf(ctx context.Context, req Request, trail []store.CourseTransition) (store.Job, bool) {
	if len(trail) == 0 || trail[len(trail)-1].JobID == 0 {
		return store.Job{}, false
	}
	j, err := s.st.GetJob(ctx, trail[len(trail)-1].JobID)
	if err != nil {
		return store.Job{}, false
	}
	// Keys made before they held the trail's place end at the request.
	ok := j.IdempotencyKey == fmt.Sprintf("%s:%d", req.Key(), len(trail)-1) || j.IdempotencyKey == req.Key()
	return j, ok
}

// Check evaluates the guard of a request now: nil when allowed, a
// *Refusal when not, another error when the check itself failed.
func (s *Service) Check(ctx context.Context, req Request) error {
	env, err := s.env(ctx, req.Domain)
	if err != nil {
		return err
	}
	cs, err := s.currentState(ctx, env, req.CourseID, false)
	if err != nil {
		return err
	}
	return s.guard(ctx, env, cs, req.Transition, &req.Params)
}

func actor(requestedBy string) string {
	if requestedBy == "" {
		return "system"
	}
	return requestedBy
}

// env is one domain with its bootstrap records.
type env struct {
	d     *domains.Domain
	cats  map[string]int64
	roles map[string]int64
}

func (s *Service) env(ctx context.Context, domain string) (*env, error) {
	d, err := s.fleet.Get(domain)
	if err != nil {
		return nil, failure.Permanent(err)
	}
	cats, err := s.st.DomainCategories(ctx, domain)
	if err != nil {
		return nil, err
	}
	if len(cats) < len(domains.Skeleton) {
		return nil, refuse("not_bootstrapped", "le domaine %s n'est pas initialisé : lancer « bridge domains bootstrap »",
			"domain %s is not bootstrapped: run `bridge domains bootstrap`", domain)
	}
	roles, err := s.st.DomainRoles(ctx, domain)
	if err != nil {
		return nil, err
	}
	e := &env{d: d, cats: map[string]int64{}, roles: map[string]int64{}}
	for k, c := range cats {
		e.cats[k] = c.CategoryID
	}
	for k, r := range roles {
		e.roles[k] = r.RoleID
	}
	return e, nil
}

// getCourse reads one course from Moodle; a missing course is permanent.
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

// currentState returns the recorded state. A course the bridge has never
// seen is adopted from the category ids recorded at bootstrap (never from
// names): a course under the Gabarit category is a gabarit, and so on.
// With record, the adoption is written with an "adopt" trail entry.
func (s *Service) currentState(ctx context.Context, e *env, courseID int64, record bool) (store.CourseState, error) {
	cs, err := s.st.GetCourseState(ctx, e.d.Name(), courseID)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return cs, err
	}
	c, err := getCourse(ctx, e.d, courseID)
	if err != nil {
		return cs, err
	}
	state, err := s.stateFromCategory(ctx, e, int64(c.CategoryID))
	if err != nil {
		return cs, err
	}
	cs = store.CourseState{Domain: e.d.Name(), CourseID: courseID, State: state}
	if !record {
		return cs, nil
	}
	return cs, s.Record(ctx, Change{Transition: Adopt, Next: cs, Actor: "bridge",
		Params: json.RawMessage(fmt.Sprintf(`{"category_id":%d}`, c.CategoryID)), Detail: "adopted from its category"})
}

// categoryState maps skeleton keys to the state of a course found there.
var categoryState = map[string]string{
	domains.CatGabarit: StateGabarit, domains.CatParcours: StateParcoursConstruction,
	domains.CatDemonstration: StateParcoursDemonstration, domains.CatSession: StateSessionPreparation,
	domains.CatAutoInscription: StateSessionEnCours, domains.CatAutoInscriptionLocale: StateSessionEnCours,
	domains.CatArchive: StateSessionArchivee, domains.CatCorbeille: StateCorbeille,
}

// InferState is the state of a course the bridge never recorded, from
// the category it sits in (by the ids recorded at bootstrap, the deepest
// first): the one place that maps the skeleton to states. A category
// outside the lifecycle is refused (code outside_lifecycle).
func (s *Service) InferState(ctx context.Context, domain string, categoryID int64) (string, error) {
	e, err := s.env(ctx, domain)
	if err != nil {
		return "", err
	}
	return s.stateFromCategory(ctx, e, categoryID)
}

func (s *Service) stateFromCategory(ctx context.Context, e *env, categoryID int64) (string, error) {
	cats, err := e.d.Client.GetCategories(ctx, []moodle.KeyValue{{Key: "id", Value: strconv.FormatInt(categoryID, 10)}}, false)
	if err != nil {
		return "", fmt.Errorf("read category %d: %w", categoryID, err)
	}
	path := []string{strconv.FormatInt(categoryID, 10)}
	if len(cats) == 1 {
		path = strings.Split(strings.Trim(cats[0].Path, "/"), "/")
	}
	// Deepest first: "Parcours en démonstration" wins over its parent.
	for i := len(path) - 1; i >= 0; i-- {
		for key, id := range e.cats {
			if strconv.FormatInt(id, 10) == path[i] {
				return categoryState[key], nil
			}
		}
	}
	return "", refuse("outside_lifecycle", "la catégorie %d du cours n'appartient à aucune catégorie du cycle de vie",
		"the course's category %d is outside the lifecycle's categories", categoryID)
}
