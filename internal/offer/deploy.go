package offer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/notice"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/workflow"
)

// RequestInput is an academy user's request for a shared parcours.
type RequestInput struct {
	OfferID         int64
	TargetDomain    string
	RequestedBy     string // the requester's name in the audit trail
	RequesterUserID int64  // Moodle user id on the target domain, notified when deployed
	Name            string
	ShortName       string
	CategoryID      int64 // a sub-category of "Parcours de formation"; 0 = that category
}

// Request records a request ("Demander la mise à disposition") after
// checking the offer is shared, the target domain bootstrapped and the
// category inside its "Parcours de formation".
func (s *Service) Request(ctx context.Context, in RequestInput) (store.OfferRequest, error) {
	if strings.TrimSpace(in.Name) == "" || strings.TrimSpace(in.ShortName) == "" {
		return store.OfferRequest{}, refuse("name_missing", "nom et nom abrégé du parcours requis", "the parcours' name and shortname are required")
	}
	o, err := s.st.GetOffer(ctx, in.OfferID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (o.Kind != store.OfferParcours || o.Version == 0)) {
		return store.OfferRequest{}, refuse("no_offer", "le parcours %d n'est pas dans l'offre de parcours", "offer %d is not a shared parcours", in.OfferID)
	}
	if err != nil {
		return store.OfferRequest{}, err
	}
	d, err := s.domain(in.TargetDomain)
	if err != nil {
		return store.OfferRequest{}, err
	}
	if _, err := s.targetCategory(ctx, d, in.CategoryID); err != nil {
		return store.OfferRequest{}, err
	}
	if err := s.requireRestore(ctx, o, d); err != nil {
		return store.OfferRequest{}, err
	}
	if err := s.requireNoLiveRequest(ctx, in); err != nil {
		return store.OfferRequest{}, err
	}
	if err := s.requireFreeShortname(ctx, d, in); err != nil {
		return store.OfferRequest{}, err
	}
	r, err := s.st.CreateOfferRequest(ctx, store.OfferRequest{OfferID: in.OfferID, TargetDomain: in.TargetDomain,
		RequestedBy: actorOf(in.RequestedBy), RequesterUserID: in.RequesterUserID, Name: in.Name, ShortName: in.ShortName, CategoryID: in.CategoryID})
	if err != nil {
		return r, err
	}
	return r, s.audit(ctx, in.RequestedBy, in.TargetDomain, "offer.request", fmt.Sprintf("offer:%d", in.OfferID), "ok", 0,
		map[string]any{"request_id": r.ID, "shortname": r.ShortName})
}

// requireFreeShortname refuses a request whose shortname a live request
// of the domain already asks for (the same request twice, or two copies
// under one name), or that a course of the target site already holds:
// the deployment would otherwise have to adopt a course it did not make.
func (s *Service) requireFreeShortname(ctx context.Context, d *domains.Domain, in RequestInput) error {
	for _, state := range []string{store.RequestRequested, store.RequestApproved} {
		live, err := s.st.ListOfferRequests(ctx, in.TargetDomain, state)
		if err != nil {
			return err
		}
		for _, r := range live {
			if strings.EqualFold(r.ShortName, in.ShortName) {
				return refuse("duplicate_request", "la demande %d (%s) demande déjà le nom abrégé « %s » sur %s",
					"request %d (%s) already asks for shortname %q on %s", r.ID, r.State, in.ShortName, in.TargetDomain)
			}
		}
	}
	c, err := d.Client.FindCourse(ctx, in.ShortName, "")
	if err != nil {
		return err
	}
	if c != nil {
		return refuse("shortname_taken", "le nom abrégé « %s » est déjà pris sur %s par le cours %d (« %s ») : choisir un autre nom abrégé",
			"shortname %q is already taken on %s by course %d (%q): choose another shortname", in.ShortName, in.TargetDomain, int64(c.ID), c.FullName)
	}
	return nil
}

// requireNoLiveRequest refuses a second request of the same person for
// the same parcours while the first one waits or deploys (the same form
// sent twice, under another shortname).
func (s *Service) requireNoLiveRequest(ctx context.Context, in RequestInput) error {
	if in.RequesterUserID == 0 {
		return nil
	}
	r, found, err := s.LiveRequest(ctx, in.TargetDomain, in.RequesterUserID, in.OfferID)
	if err != nil || !found {
		return err
	}
	return refuse("already_requested", "vous avez déjà demandé ce parcours (demande %d, « %s ») : elle est en attente de décision ou en cours de déploiement",
		"you already requested this parcours (request %d, %q): it waits for a decision or is being deployed", r.ID, r.ShortName)
}

// LiveRequest is a person's request for an offer that still waits for a
// decision or for its deployment, if any.
func (s *Service) LiveRequest(ctx context.Context, domain string, userID, offerID int64) (store.OfferRequest, bool, error) {
	for _, state := range []string{store.RequestRequested, store.RequestApproved} {
		live, err := s.st.ListOfferRequests(ctx, domain, state)
		if err != nil {
			return store.OfferRequest{}, false, err
		}
		for _, r := range live {
			if r.RequesterUserID == userID && r.OfferID == offerID {
				return r, true, nil
			}
		}
	}
	return store.OfferRequest{}, false, nil
}

// targetCategory resolves where a deployed parcours goes: the chosen
// category if it sits under the domain's "Parcours de formation", else a refusal.
func (s *Service) targetCategory(ctx context.Context, d *domains.Domain, chosen int64) (int64, error) {
	cats, err := s.categories(ctx, d.Name())
	if err != nil {
		return 0, err
	}
	parcours := cats[domains.CatParcours]
	if chosen == 0 {
		return parcours, nil
	}
	ok, err := underCategory(ctx, d, chosen, parcours)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, refuse("bad_category", "la catégorie %d n'est pas une sous-catégorie de « Parcours de formation » sur %s",
			"category %d is not under \"Parcours de formation\" on %s", chosen, d.Name())
	}
	return chosen, nil
}

// Approve accepts a requested deployment and queues its job.
func (s *Service) Approve(ctx context.Context, id int64, actor string) (store.OfferRequest, store.Job, error) {
	r, err := s.st.UpdateOfferRequest(ctx, id, store.RequestUpdate{State: store.RequestApproved, DecidedBy: actorOf(actor)}, store.RequestRequested)
	if err != nil {
		return r, store.Job{}, err
	}
	if err := s.audit(ctx, actor, r.TargetDomain, "offer.approve", fmt.Sprintf("request:%d", id), "ok", 0, nil); err != nil {
		return r, store.Job{}, err
	}
	j, _, err := s.SubmitDeploy(ctx, id, actor)
	if err != nil {
		return r, j, err
	}
	r, err = s.st.GetOfferRequest(ctx, id)
	return r, j, err
}

// Reject refuses a request, with a reason told to the requester.
func (s *Service) Reject(ctx context.Context, id int64, actor, reason string) (store.OfferRequest, error) {
	if strings.TrimSpace(reason) == "" {
		return store.OfferRequest{}, refuse("reason_missing", "un motif de refus est requis", "a reason is required")
	}
	r, err := s.st.UpdateOfferRequest(ctx, id, store.RequestUpdate{State: store.RequestRejected, DecidedBy: actorOf(actor), Reason: reason}, store.RequestRequested)
	if err != nil {
		return r, err
	}
	if err := s.audit(ctx, actor, r.TargetDomain, "offer.reject", fmt.Sprintf("request:%d", id), "ok", 0, map[string]any{"reason": reason}); err != nil {
		return r, err
	}
	// The requester learns the outcome in Moodle; the decision stands even
	// if the message cannot be sent (it is in the block's "Vos demandes").
	if d, err := s.domain(r.TargetDomain); err == nil && r.RequesterUserID != 0 {
		text := fmt.Sprintf("<p>Votre demande du parcours « %s » (%s) a été refusée.</p><p>Motif : %s</p>",
			html.EscapeString(r.Name), html.EscapeString(r.ShortName), html.EscapeString(reason))
		_, _ = s.message(ctx, d, r.RequesterUserID, text, fmt.Sprintf("offer-request-%d-rejected", r.ID))
	}
	return r, nil
}

// message sends one Moodle message (HTML) from the bridge's account. sent
// is false when Moodle refused it (the bridge's role needs
// moodle/site:messageanyuser to write to someone it shares no course with).
// clientID is its natural key: sent once (package notice), even by a
// deployment resumed after a crash.
func (s *Service) message(ctx context.Context, d *domains.Domain, userID int64, htmlText, clientID string) (bool, error) {
	res, err := notice.Send(ctx, s.st, d.Name(), d.Client, []moodle.MessageInput{{ToUserID: moodle.Int(userID), Text: htmlText,
		TextFormat: 1, ClientMsgID: clientID}})
	if err != nil {
		return false, err
	}
	return res.Sent+res.Already > 0, nil
}

// DeployKey is the idempotency key of a request's deployment: deploying
// the same request again returns the same job, and the job itself finds
// the course by its shortname before creating one.
func DeployKey(requestID int64) string { return "offer.deploy:" + strconv.FormatInt(requestID, 10) }

type deployPayload struct {
	RequestID int64 `json:"request_id"`
}

// SubmitDeploy queues (or returns) the deployment job of an approved
// request; a failed deployment is queued again. created is false when the
// request's job already existed.
func (s *Service) SubmitDeploy(ctx context.Context, id int64, actor string) (store.Job, bool, error) {
	r, err := s.st.GetOfferRequest(ctx, id)
	if err != nil {
		return store.Job{}, false, err
	}
	switch r.State {
	case store.RequestApproved, store.RequestDeployed, store.RequestFailed:
	default:
		return store.Job{}, false, refuse("not_approved", "la demande %d est %s : elle doit être approuvée", "request %d is %s: it must be approved first", id, r.State)
	}
	spec := jobs.Spec{Kind: KindDeploy, Domain: r.TargetDomain, Key: DeployKey(id), Payload: deployPayload{RequestID: id}, RequestedBy: actor}
	j, created, err := s.q.Submit(ctx, spec)
	for err == nil && !created && j.State == store.JobSucceeded {
		// The key returned a finished deployment. If its course was
		// deleted in Moodle since, that job's "succeeded" would be a lie
		// and the parcours would never come back: deploy anew, under a key
		// after that job's (the job finds a course by shortname first).
		// A later deployment under such a key is the one to return.
		next := fmt.Sprintf("%s#after-%d", DeployKey(id), j.ID)
		if later, lerr := s.st.JobByKey(ctx, next); lerr == nil {
			j = later
			continue
		} else if !errors.Is(lerr, store.ErrNotFound) {
			return j, false, lerr
		}
		var gone bool
		if gone, err = s.deployedCourseGone(ctx, id); err != nil || !gone {
			break
		}
		spec.Key = next
		j, created, err = s.q.Submit(ctx, spec)
	}
	if err != nil {
		return j, created, err
	}
	if !created && (j.State == store.JobFailed || j.State == store.JobCancelled) {
		if _, err := s.st.UpdateOfferRequest(ctx, id, store.RequestUpdate{State: store.RequestApproved}, store.RequestFailed); err != nil {
			return j, created, err
		}
		if j, err = s.q.Retry(ctx, j.ID, actorOf(actor)); err != nil {
			return j, created, err
		}
	}
	if r.JobID != j.ID {
		_, err = s.st.UpdateOfferRequest(ctx, id, store.RequestUpdate{State: r.State, JobID: j.ID})
	}
	return j, created, err
}

// deployedCourseGone reports whether a deployed request's course no
// longer exists on its target site.
func (s *Service) deployedCourseGone(ctx context.Context, id int64) (bool, error) {
	r, err := s.st.GetOfferRequest(ctx, id)
	if err != nil || r.State != store.RequestDeployed || r.CourseID == 0 {
		return false, err
	}
	d, err := s.domain(r.TargetDomain)
	if err != nil {
		return false, err
	}
	found, err := d.Client.GetCoursesByField(ctx, "id", strconv.FormatInt(r.CourseID, 10))
	return err == nil && len(found) == 0, err
}

// deployPlan is what the deployment works from, fixed at its first step.
type deployPlan struct {
	Request      store.OfferRequest `json:"request"`
	Offer        store.Offer        `json:"offer"`
	CategoryID   int64              `json:"category_id"`
	SameSite     bool               `json:"same_site"`
	SourceDomain string             `json:"source_domain"`
	// Since is when the deployment job was created (unix): a course with
	// the requested shortname and name created since then, where the copy
	// goes, is this job's own copy whose checkpoint a crash lost.
	Since int64 `json:"since,omitempty"`
}

// deployStep is the outcome of the upload and restore steps.
type deployStep struct {
	Existing  int64  `json:"existing,omitempty"` // a course with the shortname was already there
	DraftItem int64  `json:"draft_item,omitempty"`
	RestoreID string `json:"restore_id,omitempty"`
	CourseID  int64  `json:"course_id,omitempty"`
}

// DeployResult is the deployment job's result.
type DeployResult struct {
	RequestID int64  `json:"request_id"`
	Domain    string `json:"domain"`
	CourseID  int64  `json:"course_id"`
	ShortName string `json:"shortname"`
	Existing  bool   `json:"existing"` // found by shortname, not created by this run
	Notified  bool   `json:"notified"`
	// Access: the requester was enrolled as formateur in the new course.
	Access bool `json:"access"`
}

func (s *Service) deployJob(ctx context.Context, run *jobs.Run) (any, error) {
	var p deployPayload
	if err := run.Decode(&p); err != nil {
		return nil, err
	}
	res, err := s.deploy(ctx, run, p.RequestID)
	if err != nil && failure.IsPermanent(err) && ctx.Err() == nil {
		// Best effort: the job's own error says the same if this write fails.
		_, _ = s.st.UpdateOfferRequest(context.WithoutCancel(ctx), p.RequestID, store.RequestUpdate{State: store.RequestFailed, Reason: err.Error()},
			store.RequestApproved, store.RequestFailed)
	}
	return res, err
}

func (s *Service) deploy(ctx context.Context, run *jobs.Run, requestID int64) (*DeployResult, error) {
	var plan deployPlan
	if err := run.Step("plan", func(ctx context.Context) (any, error) {
		p, err := s.planDeploy(ctx, requestID)
		p.Since = run.Job().CreatedAt.Unix()
		return p, err
	}, &plan); err != nil {
		return nil, err
	}
	d, err := s.domain(plan.Request.TargetDomain)
	if err != nil {
		return nil, err
	}
	var got deployStep
	if plan.SameSite {
		err = run.Step("duplicate", func(ctx context.Context) (any, error) { return s.duplicate(ctx, d, plan) }, &got)
	} else {
		err = s.uploadAndRestore(run, d, plan, &got)
	}
	if err != nil {
		return nil, err
	}
	run.Progress(4, 5, "recording the new parcours")
	if err := s.recordDeployState(ctx, run, plan, got); err != nil {
		return nil, err
	}
	if err := s.recordDeploy(run, plan, got); err != nil {
		return nil, err
	}
	res := &DeployResult{RequestID: requestID, Domain: d.Name(), CourseID: got.CourseID, ShortName: plan.Request.ShortName, Existing: got.Existing != 0}
	if err := run.Step("access", func(ctx context.Context) (any, error) { return s.giveAccess(ctx, d, plan, got.CourseID) }, &res.Access); err != nil {
		return nil, err
	}
	if err := run.Step("notify", func(ctx context.Context) (any, error) { return s.notify(ctx, run, d, plan, got.CourseID) }, &res.Notified); err != nil {
		return nil, err
	}
	run.Progress(5, 5, fmt.Sprintf("parcours %d deployed on %s", got.CourseID, d.Name()))
	return res, nil
}

func (s *Service) planDeploy(ctx context.Context, requestID int64) (deployPlan, error) {
	r, err := s.st.GetOfferRequest(ctx, requestID)
	if err != nil {
		return deployPlan{}, err
	}
	if r.State != store.RequestApproved && r.State != store.RequestDeployed && r.State != store.RequestFailed {
		return deployPlan{}, refuse("not_approved", "la demande %d est %s", "request %d is %s", requestID, r.State)
	}
	o, err := s.st.GetOffer(ctx, r.OfferID)
	if errors.Is(err, store.ErrNotFound) {
		return deployPlan{}, refuse("no_offer", "le parcours %d n'est plus partagé", "offer %d is no longer shared", r.OfferID)
	}
	if err != nil {
		return deployPlan{}, err
	}
	target, err := s.domain(r.TargetDomain)
	if err != nil {
		return deployPlan{}, err
	}
	source, err := s.domain(o.Domain)
	if err != nil {
		return deployPlan{}, err
	}
	cat, err := s.targetCategory(ctx, target, r.CategoryID)
	if err != nil {
		return deployPlan{}, err
	}
	same := source.Name() == target.Name() || source.Config.WWWRoot == target.Config.WWWRoot
	if err := s.requireRestore(ctx, o, target); err != nil {
		return deployPlan{}, err
	}
	return deployPlan{Request: r, Offer: o, CategoryID: cat, SameSite: same, SourceDomain: source.Name()}, nil
}

// restoreFunctions are the local_bridge functions a deployment to
// another site calls.
var restoreFunctions = []string{"local_bridge_restore_course", "local_bridge_get_restore_status"}

// requireRestore refuses a deployment to another site that lacks
// local_bridge's restore functions. Without this check the upload went
// through and the restore failed with Moodle's bare "Can't find data record
// in database table external_functions", after the request was approved.
func (s *Service) requireRestore(ctx context.Context, o store.Offer, target *domains.Domain) error {
	source, err := s.domain(o.Domain)
	if err != nil {
		return err
	}
	if source.Name() == target.Name() || source.Config.WWWRoot == target.Config.WWWRoot {
		return nil // same site: core_course_duplicate_course, no plugin needed
	}
	err = target.Client.RequireFunctions(ctx, restoreFunctions...)
	var missing *moodle.MissingFunctionsError
	if errors.As(err, &missing) {
		return refuse("plugin_missing", "le site %s n'offre pas %s : installer le plugin local_bridge (et ajouter ses fonctions au service web) avant de déployer",
			"site %s does not offer %s: install the local_bridge plugin (and add its functions to the web service) before deploying",
			target.Name(), strings.Join(missing.Missing, ", "))
	}
	return err
}

// existing looks the course up by its shortname: a timeout or a crash
// after a create does not mean it did not happen. A course found there is
// adopted only when it is provably this request's: recorded as its
// deployment, or created since the job started in the category the copy
// goes to. Any other course holding the shortname is refused, never
// taken over.
func (s *Service) existing(ctx context.Context, d *domains.Domain, plan deployPlan) (int64, error) {
	c, err := d.Client.FindCourse(ctx, plan.Request.ShortName, "")
	if err != nil || c == nil {
		return 0, err
	}
	id := int64(c.ID)
	trail, err := s.st.ListTransitions(ctx, d.Name(), id)
	if err != nil {
		return 0, err
	}
	for _, t := range trail {
		var p struct {
			RequestID int64 `json:"request_id"`
		}
		if t.Transition == "offer-deploy" && json.Unmarshal(t.Params, &p) == nil && p.RequestID == plan.Request.ID {
			return id, nil
		}
	}
	// Moodle may suffix the name of a restored copy (" copy 1"): a prefix.
	if len(trail) == 0 && int64(c.CategoryID) == plan.CategoryID && plan.Since > 0 && int64(c.TimeCreated) >= plan.Since &&
		strings.HasPrefix(c.FullName, plan.Request.Name) {
		return id, nil
	}
	return 0, refuse("shortname_taken", "le nom abrégé « %s » est déjà pris sur %s par le cours %d (« %s »), qui n'est pas issu de cette demande : choisir un autre nom abrégé",
		"shortname %q is already taken on %s by course %d (%q), which this request did not make: choose another shortname",
		plan.Request.ShortName, d.Name(), id, c.FullName)
}

// duplicate copies the course inside one site (core_course_duplicate_course).
func (s *Service) duplicate(ctx context.Context, d *domains.Domain, plan deployPlan) (deployStep, error) {
	if id, err := s.existing(ctx, d, plan); err != nil || id != 0 {
		return deployStep{Existing: id, CourseID: id}, err
	}
	visible := 1
	c, err := d.Client.DuplicateCourse(ctx, moodle.DuplicateInput{CourseID: moodle.Int(plan.Offer.CourseID), FullName: plan.Request.Name,
		ShortName: plan.Request.ShortName, CategoryID: moodle.Int(plan.CategoryID), Visible: &visible})
	if err != nil {
		return deployStep{}, fmt.Errorf("duplicate course %d on %s: %w", plan.Offer.CourseID, d.Name(), err)
	}
	return deployStep{CourseID: int64(c.ID)}, nil
}

func (s *Service) uploadAndRestore(run *jobs.Run, d *domains.Domain, plan deployPlan, got *deployStep) error {
	run.Progress(1, 5, "uploading the backup")
	if err := run.Step("upload", func(ctx context.Context) (any, error) { return s.upload(ctx, d, plan) }, got); err != nil {
		return err
	}
	run.Progress(2, 5, "starting the restore")
	if err := run.Step("restore-start", func(ctx context.Context) (any, error) {
		return s.restoreStart(ctx, d, plan, *got)
	}, got); err != nil {
		return err
	}
	return run.Step("restore-wait", func(ctx context.Context) (any, error) { return s.restoreWait(ctx, run, d, plan, *got) }, got)
}

func (s *Service) upload(ctx context.Context, d *domains.Domain, plan deployPlan) (deployStep, error) {
	if id, err := s.existing(ctx, d, plan); err != nil || id != 0 {
		return deployStep{Existing: id, CourseID: id}, err
	}
	f, err := openVerified(plan.Offer)
	if err != nil {
		return deployStep{}, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return deployStep{}, failure.Retryable(fmt.Errorf("offer %d: backup file: %w", plan.Offer.ID, err))
	}
	name := fmt.Sprintf("offer-%d-v%d.mbz", plan.Offer.ID, plan.Offer.Version)
	files, err := d.Client.Upload(ctx, 0, moodle.UploadFile{Name: name, Reader: f})
	if err != nil {
		return deployStep{}, fmt.Errorf("upload the backup of offer %d to %s: %w", plan.Offer.ID, d.Name(), err)
	}
	// The site says how much it stored: a transfer cut short (seen once
	// through the fault proxy: the restore then failed its prechecks on a
	// truncated file) is uploaded again rather than restored.
	if got := int64(files[0].FileSize); got != info.Size() {
		return deployStep{}, failure.Retryable(fmt.Errorf("upload the backup of offer %d to %s: the site stored %d of its %d bytes",
			plan.Offer.ID, d.Name(), got, info.Size()))
	}
	return deployStep{DraftItem: int64(files[0].ItemID)}, nil
}

// openVerified opens an offer's backup after checking its SHA-256
// against the catalogue: a damaged file must not become a course.
func openVerified(o store.Offer) (*os.File, error) {
	f, err := os.Open(o.FilePath)
	if err != nil {
		return nil, failure.Permanent(fmt.Errorf("offer %d: backup file: %w", o.ID, err))
	}
	sum := sha256.New()
	if _, err := io.Copy(sum, f); err != nil {
		f.Close()
		return nil, failure.Retryable(fmt.Errorf("offer %d: read backup: %w", o.ID, err))
	}
	if got := hex.EncodeToString(sum.Sum(nil)); got != o.Checksum {
		f.Close()
		return nil, failure.Permanent(fmt.Errorf("offer %d: backup checksum %s, catalogue says %s", o.ID, got, o.Checksum))
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, failure.Retryable(fmt.Errorf("offer %d: rewind backup: %w", o.ID, err))
	}
	return f, nil
}

func (s *Service) restoreStart(ctx context.Context, d *domains.Domain, plan deployPlan, got deployStep) (deployStep, error) {
	if got.CourseID != 0 {
		return got, nil
	}
	if id, err := s.existing(ctx, d, plan); err != nil || id != 0 {
		return deployStep{Existing: id, CourseID: id}, err
	}
	started, err := d.Client.RestoreCourse(ctx, moodle.RestoreInput{DraftItemID: moodle.Int(got.DraftItem), CategoryID: moodle.Int(plan.CategoryID),
		FullName: plan.Request.Name, ShortName: plan.Request.ShortName})
	if err != nil {
		return deployStep{}, fmt.Errorf("restore offer %d on %s: %w", plan.Offer.ID, d.Name(), err)
	}
	got.RestoreID = started.RestoreID
	return got, nil
}

func (s *Service) restoreWait(ctx context.Context, run *jobs.Run, d *domains.Domain, plan deployPlan, got deployStep) (deployStep, error) {
	if got.CourseID != 0 {
		return got, nil
	}
	var st *moodle.RestoreStatus
	err := s.poll(ctx, func(ctx context.Context) (bool, error) {
		var err error
		if st, err = d.Client.GetRestoreStatus(ctx, got.RestoreID); err != nil {
			return false, err
		}
		run.Progress(3, 5, fmt.Sprintf("restore %s (%.0f%%)", st.Status, float64(st.Progress)*100))
		return st.Status == moodle.StatusDone || st.Status == moodle.StatusFailed, nil
	})
	if err != nil {
		return got, err
	}
	if st.Status == moodle.StatusDone && st.CourseID != 0 {
		got.CourseID = int64(st.CourseID)
		return got, keepRequestedNames(ctx, d, plan, got.CourseID)
	}
	// A restore started twice (crash before its checkpoint) fails on the
	// shortname the first one took: that course is ours.
	if id, ferr := s.existing(ctx, d, plan); ferr != nil || id != 0 {
		got.CourseID, got.Existing = id, id
		return got, ferr
	}
	return got, failure.Permanent(fmt.Errorf("restore of offer %d on %s failed: %s", plan.Offer.ID, d.Name(), st.Error))
}

// keepRequestedNames puts the requested names back on a restored course.
// Moodle's restore (restore_dbops::calculate_course_names) renames the
// course to "NAME copy 1" / "SHORT_1" when any other course of the site
// already has the same full name, even though the short name is free: the
// parcours would then not be found by its short name, and a second deploy
// would restore it again.
func keepRequestedNames(ctx context.Context, d *domains.Domain, plan deployPlan, courseID int64) error {
	found, err := d.Client.GetCoursesByField(ctx, "id", strconv.FormatInt(courseID, 10))
	if err != nil || len(found) == 0 {
		return err
	}
	c := found[0]
	if c.ShortName == plan.Request.ShortName && c.FullName == plan.Request.Name {
		return nil
	}
	if _, err := d.Client.UpdateCourses(ctx, []moodle.CourseUpdate{{ID: moodle.Int(courseID), FullName: plan.Request.Name,
		ShortName: plan.Request.ShortName}}); err != nil {
		return fmt.Errorf("restored course %d on %s is named %q (%s): renaming it %s: %w", courseID, d.Name(), c.FullName, c.ShortName,
			plan.Request.ShortName, err)
	}
	return nil
}

// recordDeploy writes the deployed parcours's metadata and the audit
// entry as one step whose checkpoint is in the same transaction (a crash
// never audits the deployment twice), then marks the request deployed (an
// idempotent update, its own step).
func (s *Service) recordDeploy(run *jobs.Run, plan deployPlan, got deployStep) error {
	dom := plan.Request.TargetDomain
	who := plan.Request.DecidedBy
	if who == "" {
		who = "system"
	}
	if err := run.StepTx("record", func(ctx context.Context, tx *store.Tx) (any, error) {
		md := store.CourseMetadata{RemoteMinutes: plan.Offer.RemoteMinutes, InPersonMinutes: plan.Offer.InPersonMinutes}
		if err := tx.SetCourseMetadata(ctx, dom, got.CourseID, md); err != nil {
			return nil, err
		}
		params, _ := json.Marshal(map[string]any{"request_id": plan.Request.ID, "offer_id": plan.Offer.ID, "existing": got.Existing != 0})
		_, err := tx.RecordAudit(ctx, store.AuditEntry{Actor: who, Domain: dom, Action: "offer.deploy",
			Target: fmt.Sprintf("course:%d", got.CourseID), Params: params, Outcome: "ok", JobID: run.ID()})
		return nil, err
	}, nil); err != nil {
		return err
	}
	return run.Step("request", func(ctx context.Context) (any, error) {
		_, err := s.st.UpdateOfferRequest(ctx, plan.Request.ID, store.RequestUpdate{State: store.RequestDeployed, CourseID: got.CourseID, JobID: run.ID()})
		return nil, err
	}, nil)
}

// giveAccess enrols the requester in the deployed course with the
// domain's formateur role, so the link in their message opens it.
// Enrolling again is a no-op, so a retried step is harmless.
func (s *Service) giveAccess(ctx context.Context, d *domains.Domain, plan deployPlan, courseID int64) (bool, error) {
	if plan.Request.RequesterUserID == 0 {
		return false, nil
	}
	roles, err := s.st.DomainRoles(ctx, d.Name())
	if err != nil {
		return false, err
	}
	role := roles["formateur"].RoleID
	if role == 0 {
		// Not bootstrapped with roles: a stock Moodle's formateur role.
		role = domains.StandardRoleIDs["editingteacher"]
	}
	err = d.Client.EnrolUsers(ctx, []moodle.Enrolment{{RoleID: moodle.Int(role), UserID: moodle.Int(plan.Request.RequesterUserID),
		CourseID: moodle.Int(courseID)}})
	if err != nil && !moodle.IsMailFailure(err) {
		return false, fmt.Errorf("enrol requester %d in course %d: %w", plan.Request.RequesterUserID, courseID, err)
	}
	return true, nil
}

// recordDeployState asks the workflow to record the deployed parcours as
// "Parcours en construction" (state, trail, audit and the step's
// checkpoint in one transaction). A course found again whose record has
// moved on since (an earlier deploy made it, and it was demonstrated…)
// keeps its state: a re-run never rewinds it.
func (s *Service) recordDeployState(ctx context.Context, run *jobs.Run, plan deployPlan, got deployStep) error {
	dom := plan.Request.TargetDomain
	from := ""
	cs, err := s.st.GetCourseState(ctx, dom, got.CourseID)
	switch {
	case err == nil && cs.State != workflow.StateParcoursConstruction:
		return nil
	case err == nil:
		from = cs.State
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	params := map[string]any{"offer_id": plan.Offer.ID, "version": plan.Offer.Version, "source_domain": plan.SourceDomain,
		"source_course_id": plan.Offer.CourseID, "request_id": plan.Request.ID}
	return s.wf.RecordStep(run, "state", workflow.Change{Transition: workflow.OfferDeploy, From: from,
		Next:  store.CourseState{Domain: dom, CourseID: got.CourseID, State: workflow.StateParcoursConstruction},
		Actor: plan.Request.DecidedBy, Params: params})
}

// notify tells the requester their parcours is ready. Moodle may answer
// "not sent" after it stored the message; that is logged, not retried,
// since retrying would send it twice.
func (s *Service) notify(ctx context.Context, run *jobs.Run, d *domains.Domain, plan deployPlan, courseID int64) (bool, error) {
	if plan.Request.RequesterUserID == 0 {
		return false, nil
	}
	url := html.EscapeString(courseURL(d, courseID))
	text := fmt.Sprintf(`<p>Votre demande a été acceptée : le parcours « %s » (%s) est disponible dans « Parcours de formation », et vous y êtes inscrit comme formateur.</p><p><a href="%s">Ouvrir le parcours</a></p>`,
		html.EscapeString(plan.Request.Name), html.EscapeString(plan.Request.ShortName), url)
	sent, err := s.message(ctx, d, plan.Request.RequesterUserID, text, fmt.Sprintf("offer-request-%d", plan.Request.ID))
	if err != nil {
		if failure.IsRetryable(err) {
			return false, err
		}
		run.Logger().Warn().Err(err).Int64("user", plan.Request.RequesterUserID).Msg("requester not notified")
		return false, nil
	}
	if !sent {
		run.Logger().Warn().Int64("user", plan.Request.RequesterUserID).Msg("requester not notified: message refused")
		return false, nil
	}
	return true, nil
}
