// Package offer is the national offer: the catalogue of shared parcours
// ("offre de parcours", a backup any academy can deploy) and published
// sessions ("offre de formation", metadata only), and the requests to
// deploy a shared parcours into an academy ("Demander la mise à
// disposition").
//
// m@gistère shares by writing a backup into the hub's data directory by
// direct file and database access, and deploys synchronously inside a web
// request. Here every long operation is a job with checkpointed steps over
// web services (local_bridge backup/restore, upload.php, pluginfile.php),
// between independent Moodle sites: sharing backs the course up on its
// site and keeps the .mbz under data_dir/offers/<id>/v<version>.mbz with
// its SHA-256; deploying uploads it to the target site and restores it.
// With several replicas on one MySQL store, data_dir must be shared.
package offer

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
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
	KindShare         = "offer.share"
	KindDeploy        = "offer.deploy"
	KindCheckModified = "offer.check_modified"
)

// Service runs the national offer over a fleet of domains.
type Service struct {
	st      *store.Store
	fleet   *domains.Fleet
	q       *jobs.Queue
	dataDir string
	wf      *workflow.Service // the owner of course states
	// PollEvery is the first interval between two polls of an asynchronous
	// backup or restore; it doubles up to MaxPoll.
	PollEvery time.Duration
	MaxPoll   time.Duration
}

// New builds the service; backups are kept under dataDir/offers.
func New(st *store.Store, fleet *domains.Fleet, q *jobs.Queue, dataDir string) *Service {
	return &Service{st: st, fleet: fleet, q: q, dataDir: dataDir, wf: workflow.New(st, fleet, q), PollEvery: 100 * time.Millisecond, MaxPoll: 2 * time.Second}
}

// Register binds the offer's job kinds.
func (s *Service) Register(reg *jobs.Registry) {
	reg.Register(KindShare, s.shareJob)
	reg.Register(KindDeploy, s.deployJob)
	reg.Register(KindCheckModified, s.checkModifiedJob)
	reg.Register(KindDigest, s.digestJob)
}

// Refusal says why an operation is not allowed now, in French (for the
// Moodle blocks) and English: the shared refusal type (package refusal).
type Refusal = refusal.Refusal

func refuse(code, fr, en string, args ...any) *Refusal { return refusal.New(code, fr, en, args...) }

func (s *Service) domain(name string) (*domains.Domain, error) {
	d, err := s.fleet.Get(name)
	if err != nil {
		return nil, failure.Permanent(err)
	}
	return d, nil
}

// categories returns a domain's bootstrap categories, or a refusal naming
// the command to run when the domain was never bootstrapped.
func (s *Service) categories(ctx context.Context, domain string) (map[string]int64, error) {
	cats, err := s.st.DomainCategories(ctx, domain)
	if err != nil {
		return nil, err
	}
	if _, ok := cats[domains.CatParcours]; !ok || len(cats) < len(domains.Skeleton) {
		return nil, refuse("not_bootstrapped", "le domaine %s n'est pas initialisé : lancer « bridge domains bootstrap --domain %s »",
			"domain %s is not bootstrapped: run `bridge domains bootstrap --domain %s`", domain, domain)
	}
	out := map[string]int64{}
	for k, c := range cats {
		out[k] = c.CategoryID
	}
	return out, nil
}

// getCourse reads one course; a missing course is a refusal.
func getCourse(ctx context.Context, d *domains.Domain, id int64) (*moodle.Course, error) {
	cs, err := d.Client.GetCoursesByField(ctx, "id", strconv.FormatInt(id, 10))
	if err != nil {
		return nil, fmt.Errorf("read course %d on %s: %w", id, d.Name(), err)
	}
	if len(cs) == 0 {
		return nil, refuse("no_course", "le cours %d n'existe pas sur %s", "course %d does not exist on %s", id, d.Name())
	}
	return &cs[0], nil
}

// underCategory reports whether category id sits at or under ancestor.
func underCategory(ctx context.Context, d *domains.Domain, id, ancestor int64) (bool, error) {
	if id == ancestor {
		return true, nil
	}
	cats, err := d.Client.GetCategories(ctx, []moodle.KeyValue{{Key: "id", Value: strconv.FormatInt(id, 10)}}, false)
	if err != nil {
		return false, fmt.Errorf("read category %d on %s: %w", id, d.Name(), err)
	}
	if len(cats) == 0 {
		return false, nil
	}
	for _, p := range splitPath(cats[0].Path) {
		if p == ancestor {
			return true, nil
		}
	}
	return false, nil
}

func splitPath(path string) []int64 {
	var out []int64
	cur := int64(-1)
	for _, r := range path + "/" {
		switch {
		case r == '/':
			if cur >= 0 {
				out = append(out, cur)
			}
			cur = -1
		case r >= '0' && r <= '9':
			if cur < 0 {
				cur = 0
			}
			cur = cur*10 + int64(r-'0')
		}
	}
	return out
}

// audit records an action on the offer; a failed audit write is returned.
func (s *Service) audit(ctx context.Context, actor, domain, action, target, outcome string, jobID int64, params any) error {
	raw, _ := json.Marshal(params)
	if actor == "" {
		actor = "system"
	}
	_, err := s.st.RecordAudit(ctx, store.AuditEntry{Actor: actor, Domain: domain, Action: action, Target: target,
		Params: raw, Outcome: outcome, JobID: jobID})
	return err
}

// offerDir is where an entry's backups live.
func (s *Service) offerDir(id int64) string {
	return filepath.Join(s.dataDir, "offers", strconv.FormatInt(id, 10))
}

// poll calls check until it reports done, waiting PollEvery, doubling up
// to MaxPoll, between calls. It stops when ctx ends.
func (s *Service) poll(ctx context.Context, check func(ctx context.Context) (bool, error)) error {
	wait := s.PollEvery
	for {
		done, err := check(ctx)
		if err != nil || done {
			return err
		}
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-time.After(wait):
		}
		wait = min(wait*2, s.MaxPoll)
	}
}
