package offer

import (
	"context"
	"errors"
	"fmt"

	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/workflow"
)

// PublishRequest asks to publish a session to the offre de formation.
type PublishRequest struct {
	Domain      string
	CourseID    int64
	Scope       string // store.ScopeNational or store.ScopeLocal
	Indexing    Indexing
	RequestedBy string
}

// Publish puts a session in the offre de formation (metadata only, no
// backup: learners follow the demo URL to the session's own domain and
// self-enrol there). Guards: the session is "en cours" (recorded state, or
// it sits in a self-enrolment category) and its durations are announced.
// Publishing again updates the entry.
func (s *Service) Publish(ctx context.Context, req PublishRequest) (store.Offer, error) {
	if req.Scope != "" && req.Scope != store.ScopeNational && req.Scope != store.ScopeLocal {
		return store.Offer{}, refuse("bad_scope", "portée inconnue %q (national ou local)", "unknown scope %q (national or local)", req.Scope)
	}
	d, err := s.domain(req.Domain)
	if err != nil {
		return store.Offer{}, err
	}
	c, err := getCourse(ctx, d, req.CourseID)
	if err != nil {
		return store.Offer{}, err
	}
	allowed, err := s.sessionOpen(ctx, d, c)
	if err != nil {
		return store.Offer{}, err
	}
	if req.Scope == "" {
		req.Scope = allowed // the session's own variant says where it goes
	}
	if req.Scope != allowed {
		return store.Offer{}, refuse("scope_mismatch", "la session %d est en auto-inscription %s : elle se publie dans l'offre %s, pas %s",
			"session %d is a %s self-enrolment session: it is published in the %s offer, not %s", req.CourseID, allowed, allowed, req.Scope)
	}
	md, err := s.st.GetCourseMetadata(ctx, req.Domain, req.CourseID)
	if err != nil {
		return store.Offer{}, err
	}
	if md.RemoteMinutes == nil || md.InPersonMinutes == nil {
		return store.Offer{}, refuse("metadata_missing", "durées annoncées manquantes", "announced durations missing")
	}
	summary := stripTags(c.Summary)
	if summary == "" {
		summary = md.Objectives
	}
	o, err := s.st.PutOffer(ctx, store.Offer{Kind: store.OfferFormation, Scope: req.Scope, Domain: req.Domain, CourseID: req.CourseID,
		Title: c.FullName, Summary: summary, Origin: req.Indexing.Origin, Collection: req.Indexing.Collection,
		Publics: req.Indexing.Publics, Keywords: req.Indexing.Keywords, RemoteMinutes: md.RemoteMinutes,
		InPersonMinutes: md.InPersonMinutes, DemoURL: courseURL(d, req.CourseID), Version: 1,
		CourseModified: int64(c.TimeModified), PublishedBy: actorOf(req.RequestedBy), PublishedAt: s.st.Now()})
	if err != nil {
		return o, err
	}
	return o, s.audit(ctx, req.RequestedBy, req.Domain, "offer.publish", fmt.Sprintf("course:%d", req.CourseID), "ok", 0,
		map[string]any{"offer_id": o.ID, "scope": o.Scope})
}

// sessionOpen checks the course is a session opened for self-enrolment,
// and returns the scope its variant allows: a national self-enrolment
// session goes to the national offer, a local one to the local offer.
func (s *Service) sessionOpen(ctx context.Context, d *domains.Domain, c *moodle.Course) (string, error) {
	cs, err := s.st.GetCourseState(ctx, d.Name(), int64(c.ID))
	if err == nil {
		if cs.State == workflow.StateSessionEnCours {
			switch cs.Variant {
			case workflow.VariantSelfNational:
				return store.ScopeNational, nil
			case workflow.VariantSelfLocal:
				return store.ScopeLocal, nil
			}
			return "", refuse("not_self_enrolment", "la session %d est ouverte sans auto-inscription : seule une session en auto-inscription est publiée",
				"session %d is open without self-enrolment: only self-enrolment sessions are published", c.ID)
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", err
	} else if cats, cerr := s.st.DomainCategories(ctx, d.Name()); cerr != nil {
		return "", cerr
	} else {
		for key, scope := range map[string]string{domains.CatAutoInscription: store.ScopeNational, domains.CatAutoInscriptionLocale: store.ScopeLocal} {
			if cat, ok := cats[key]; ok {
				if under, err := underCategory(ctx, d, int64(c.CategoryID), cat.CategoryID); err != nil || under {
					return scope, err
				}
			}
		}
	}
	return "", refuse("session_not_open", "seule une session en cours peut être publiée (cours %d)",
		"only a session en cours can be published (course %d)", c.ID)
}

// Unpublish removes a session from the offre de formation.
func (s *Service) Unpublish(ctx context.Context, domain string, courseID int64, actor string) (store.Offer, error) {
	o, err := s.st.OfferByCourse(ctx, store.OfferFormation, domain, courseID)
	if err != nil {
		return o, err
	}
	if _, err := s.st.DeleteOffer(ctx, o.ID); err != nil {
		return o, err
	}
	return o, s.audit(ctx, actor, domain, "offer.unpublish", fmt.Sprintf("course:%d", courseID), "ok", 0, map[string]any{"offer_id": o.ID})
}

// Search lists catalogue entries (the Go API behind `bridge offer list`
// and `search`, and the HTTP API later).
func (s *Service) Search(ctx context.Context, f store.OfferFilter) (store.OfferPage, error) {
	return s.st.SearchOffers(ctx, f)
}

// ModifiedReport is the outcome of a modification check.
type ModifiedReport struct {
	Checked  int     `json:"checked"`
	Modified []int64 `json:"modified"` // offer ids newly flagged
	Missing  []int64 `json:"missing"`  // offers whose course no longer exists
}

// CheckModified flags the shared parcours of a domain ("" = every
// domain) whose course changed since it was shared: Moodle's course
// timemodified is later than the one recorded with the shared version.
func (s *Service) CheckModified(ctx context.Context, domain string) (ModifiedReport, error) {
	rep := ModifiedReport{Modified: []int64{}, Missing: []int64{}}
	offers, err := s.st.ListSharedOffers(ctx, domain)
	if err != nil {
		return rep, err
	}
	byDomain := map[string][]store.Offer{}
	for _, o := range offers {
		byDomain[o.Domain] = append(byDomain[o.Domain], o)
	}
	var errs []error
	for name, list := range byDomain {
		if err := s.checkDomain(ctx, name, list, &rep); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	return rep, errors.Join(errs...)
}

func (s *Service) checkDomain(ctx context.Context, domain string, list []store.Offer, rep *ModifiedReport) error {
	d, err := s.domain(domain)
	if err != nil {
		return err
	}
	ids := make([]moodle.Int, len(list))
	for i, o := range list {
		ids[i] = moodle.Int(o.CourseID)
	}
	courses, err := d.Client.GetCourses(ctx, ids)
	if err != nil {
		return fmt.Errorf("read courses: %w", err)
	}
	modified := map[int64]int64{}
	for _, c := range courses {
		modified[int64(c.ID)] = int64(c.TimeModified)
	}
	for _, o := range list {
		rep.Checked++
		tm, ok := modified[o.CourseID]
		if !ok {
			rep.Missing = append(rep.Missing, o.ID)
			continue
		}
		if tm > o.CourseModified && !o.Modified {
			if err := s.st.SetOfferModified(ctx, o.ID, true); err != nil {
				return err
			}
			rep.Modified = append(rep.Modified, o.ID)
		}
	}
	return nil
}

// checkModifiedJob is offer.check_modified; its payload may name a domain
// ({"domain": "ac-a"}, as the configured schedules send), else the job's.
func (s *Service) checkModifiedJob(ctx context.Context, run *jobs.Run) (any, error) {
	var p struct {
		Domain string `json:"domain"`
	}
	if err := run.Decode(&p); err != nil {
		return nil, err
	}
	if p.Domain == "" {
		p.Domain = run.Domain()
	}
	return s.CheckModified(ctx, p.Domain)
}
