package offer_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/config"
	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/moodlesim"
	"github.com/magistere/bridge/internal/offer"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
	"github.com/magistere/bridge/internal/workflow"
)

// harness is a national site and two academies on a simulated Moodle, a
// SQLite store, the offer service and (once started) a worker pool.
type harness struct {
	t       *testing.T
	ctx     context.Context
	sim     *moodlesim.Server
	st      *store.Store
	fleet   *domains.Fleet
	q       *jobs.Queue
	reg     *jobs.Registry
	svc     *offer.Service
	dataDir string
	stop    func()
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	sim := moodlesim.New(moodlesim.Options{Sites: []string{"national", "ac-a", "ac-b"}, Token: "tok"})
	srv := httptest.NewServer(sim.Handler())
	cfg := config.Defaults()
	cfg.National = "national"
	for _, name := range []string{"national", "ac-a", "ac-b"} {
		cfg.Domains = append(cfg.Domains, config.Domain{Name: name, WWWRoot: srv.URL + "/" + name, Token: "tok", Zone: "A",
			MaxInputVars: 5000, Concurrency: 2, Timeout: 10 * time.Second, Roles: map[string]string{}})
	}
	fleet, err := domains.NewFleet(&cfg, srv.Client(), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.SQLite(t)
	reg := jobs.NewRegistry()
	q := jobs.NewQueue(st)
	dataDir := t.TempDir()
	svc := offer.New(st, fleet, q, dataDir)
	svc.PollEvery = 5 * time.Millisecond
	svc.Register(reg)
	h := &harness{t: t, ctx: ctx, sim: sim, st: st, fleet: fleet, q: q, reg: reg, svc: svc, dataDir: dataDir, stop: func() {}}
	t.Cleanup(func() { cancel(); h.stop(); srv.Close() })
	return h
}

func (h *harness) startPool() {
	pool := jobs.NewPool(h.st, h.reg, jobs.PoolOptions{Concurrency: 2, PollInterval: 10 * time.Millisecond, Logger: zerolog.Nop()})
	h.q.OnSubmit(pool.Notify)
	ctx, cancel := context.WithCancel(h.ctx)
	done := make(chan struct{})
	go func() { pool.Run(ctx); close(done) }()
	h.stop = func() { cancel(); <-done }
}

func (h *harness) client(domain string) *moodle.Client {
	d, err := h.fleet.Get(domain)
	if err != nil {
		h.t.Fatal(err)
	}
	return d.Client
}

func (h *harness) bootstrap(domain string) map[string]int64 {
	h.t.Helper()
	d, _ := h.fleet.Get(domain)
	if _, err := domains.Bootstrap(h.ctx, d, h.st); err != nil {
		h.t.Fatalf("bootstrap %s: %v", domain, err)
	}
	cats, err := h.st.DomainCategories(h.ctx, domain)
	if err != nil {
		h.t.Fatal(err)
	}
	out := map[string]int64{}
	for k, c := range cats {
		out[k] = c.CategoryID
	}
	return out
}

// parcours creates a course with activities in a category and announces its durations.
func (h *harness) parcours(domain, shortname string, category int64) int64 {
	h.t.Helper()
	created, err := h.client(domain).CreateCourses(h.ctx, []moodle.CourseInput{{FullName: "Écrire au cycle 2 — " + shortname,
		ShortName: shortname, CategoryID: moodle.Int(category), Summary: "<p>Production d'écrits</p>"}})
	if err != nil {
		h.t.Fatal(err)
	}
	id := int64(created[0].ID)
	site := h.sim.Site(domain)
	for _, a := range []struct{ name, mod string }{{"Présentation", "page"}, {"Forum des stagiaires", "forum"}, {"Quiz final", "quiz"}} {
		if _, err := site.AddActivity(int(id), a.name, a.mod, 1); err != nil {
			h.t.Fatal(err)
		}
	}
	remote, inperson := 180, 360
	if err := h.st.SetCourseMetadata(h.ctx, domain, id, store.CourseMetadata{RemoteMinutes: &remote, InPersonMinutes: &inperson, Objectives: "Écrire"}); err != nil {
		h.t.Fatal(err)
	}
	return id
}

func (h *harness) wait(j store.Job) store.Job {
	h.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		got, err := h.st.GetJob(h.ctx, j.ID)
		if err != nil {
			h.t.Fatal(err)
		}
		switch got.State {
		case store.JobSucceeded:
			return got
		case store.JobFailed, store.JobCancelled:
			h.t.Fatalf("job %d %s: %s", got.ID, got.State, got.LastError)
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.t.Fatalf("job %d did not finish", j.ID)
	return j
}

// outline is a course's sections and activities as core_course_get_contents lists them.
func (h *harness) outline(domain string, courseID int64) []string {
	h.t.Helper()
	secs, err := h.client(domain).GetContents(h.ctx, moodle.Int(courseID))
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, s := range secs {
		out = append(out, "section:"+s.Name)
		for _, m := range s.Modules {
			out = append(out, m.ModName+":"+m.Name)
		}
	}
	return out
}

func refusalCode(err error) string {
	var r *offer.Refusal
	if errors.As(err, &r) {
		return r.Code
	}
	return ""
}

func fileSHA(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func (h *harness) share(course int64) store.Offer {
	h.t.Helper()
	j, err := h.svc.SubmitShare(h.ctx, offer.ShareRequest{Domain: "national", CourseID: course, RequestedBy: "dgesco",
		Indexing: offer.Indexing{Origin: "DGESCO", Collection: "Parcours hybride", Publics: []string{"Professeurs des écoles"}, Keywords: []string{"français"}}})
	if err != nil {
		h.t.Fatal(err)
	}
	h.wait(j)
	o, err := h.st.OfferByCourse(h.ctx, store.OfferParcours, "national", course)
	if err != nil {
		h.t.Fatal(err)
	}
	return o
}

func TestShareSearchRequestDeploy(t *testing.T) {
	h := newHarness(t)
	h.startPool()
	nat := h.bootstrap("national")
	acA := h.bootstrap("ac-a")

	hidden := h.parcours("national", "GAB1", nat[domains.CatGabarit])
	if code := refusalCode(h.svc.CheckShare(h.ctx, offer.ShareRequest{Domain: "national", CourseID: hidden, Indexing: offer.Indexing{Origin: "DGESCO"}})); code != "not_in_demonstration" {
		t.Fatalf("share from the gabarit category: refusal %q", code)
	}
	course := h.parcours("national", "ECR2", nat[domains.CatDemonstration])
	if code := refusalCode(h.svc.CheckShare(h.ctx, offer.ShareRequest{Domain: "national", CourseID: course})); code != "metadata_missing" {
		t.Fatalf("share without origin: refusal %q", code)
	}

	o := h.share(course)
	if o.Version != 1 || o.Checksum == "" || fileSHA(t, o.FilePath) != o.Checksum || o.TotalMinutes() != 540 || o.Title == "" {
		t.Fatalf("shared entry: %+v", o)
	}
	if want := filepath.Join(h.dataDir, "offers", "1", "v1.mbz"); o.FilePath != want {
		t.Fatalf("backup stored at %s, want %s", o.FilePath, want)
	}
	page, err := h.svc.Search(h.ctx, store.OfferFilter{Text: "ECRIRE", Origin: "dgesco", Public: "professeurs des ecoles", MinMinutes: 500})
	if err != nil || page.Total != 1 || page.Offers[0].ID != o.ID {
		t.Fatalf("search: %+v %v", page, err)
	}
	if page, _ := h.svc.Search(h.ctx, store.OfferFilter{Text: "ecrire", MaxMinutes: 100}); page.Total != 0 {
		t.Fatalf("duration filter ignored: %+v", page)
	}

	if _, err := h.svc.Request(h.ctx, offer.RequestInput{OfferID: o.ID, TargetDomain: "ac-b", Name: "x", ShortName: "x"}); refusalCode(err) != "not_bootstrapped" {
		t.Fatalf("request into an unbootstrapped domain: %v", err)
	}
	if _, err := h.svc.Request(h.ctx, offer.RequestInput{OfferID: o.ID, TargetDomain: "ac-a", Name: "x", ShortName: "x", CategoryID: acA[domains.CatGabarit]}); refusalCode(err) != "bad_category" {
		t.Fatalf("request into the gabarit category: %v", err)
	}
	req, err := h.svc.Request(h.ctx, offer.RequestInput{OfferID: o.ID, TargetDomain: "ac-a", RequestedBy: "alice", RequesterUserID: 2,
		Name: "Écrire au cycle 2 (ac-a)", ShortName: "AC-A-ECR2", CategoryID: acA[domains.CatParcours]})
	if err != nil || req.State != store.RequestRequested {
		t.Fatalf("request: %+v %v", req, err)
	}
	// The same person asking again for the same parcours, under another
	// shortname, while the first request waits: refused.
	if _, err := h.svc.Request(h.ctx, offer.RequestInput{OfferID: o.ID, TargetDomain: "ac-a", RequestedBy: "alice", RequesterUserID: 2,
		Name: "Écrire au cycle 2 (bis)", ShortName: "AC-A-ECR2-BIS"}); refusalCode(err) != "already_requested" {
		t.Fatalf("the same request twice: %v", err)
	}
	if _, _, err := h.svc.SubmitDeploy(h.ctx, req.ID, "gest"); refusalCode(err) != "not_approved" {
		t.Fatalf("deploy before approval: %v", err)
	}
	req, j, err := h.svc.Approve(h.ctx, req.ID, "gest")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Reject(h.ctx, req.ID, "other", "trop tard"); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("reject after approval: %v", err)
	}
	j = h.wait(j)
	req, _ = h.st.GetOfferRequest(h.ctx, req.ID)
	newID := int64(h.sim.Site("ac-a").CourseIDByShortname("AC-A-ECR2"))
	if req.State != store.RequestDeployed || newID == 0 || req.CourseID != newID {
		t.Fatalf("request after deploy: %+v (course %d)", req, newID)
	}
	if src, dst := h.outline("national", course), h.outline("ac-a", newID); !reflect.DeepEqual(src, dst) || len(src) < 4 {
		t.Fatalf("outlines differ:\nsource %v\ntarget %v", src, dst)
	}
	c, _ := h.client("ac-a").FindCourse(h.ctx, "AC-A-ECR2", "")
	if int64(c.CategoryID) != acA[domains.CatParcours] || c.FullName != "Écrire au cycle 2 (ac-a)" {
		t.Fatalf("deployed course: %+v", c)
	}
	cs, err := h.st.GetCourseState(h.ctx, "ac-a", newID)
	if err != nil || cs.State != workflow.StateParcoursConstruction {
		t.Fatalf("state: %+v %v", cs, err)
	}
	if md, _ := h.st.GetCourseMetadata(h.ctx, "ac-a", newID); md.RemoteMinutes == nil || *md.RemoteMinutes != 180 {
		t.Fatalf("metadata not copied: %+v", md)
	}
	if n := h.sim.Site("ac-a").CallCounts()["core_message_send_instant_messages"]; n != 1 {
		t.Fatalf("requester notified %d times", n)
	}
	if ids := h.sim.Site("ac-a").EnrolledUserIDs(int(newID)); !slices.Contains(ids, 2) {
		t.Fatalf("the requester was not given access to the deployed course: enrolled %v", ids)
	}
	// Once deployed, the same person may ask again; a refusal tells them why.
	again2, err := h.svc.Request(h.ctx, offer.RequestInput{OfferID: o.ID, TargetDomain: "ac-a", RequestedBy: "alice", RequesterUserID: 2,
		Name: "Écrire au cycle 2 (ter)", ShortName: "AC-A-ECR2-TER"})
	if err != nil {
		t.Fatalf("a new request after the deployment: %v", err)
	}
	if _, err := h.svc.Reject(h.ctx, again2.ID, "gest", "déjà disponible"); err != nil {
		t.Fatal(err)
	}
	if n := h.sim.Site("ac-a").CallCounts()["core_message_send_instant_messages"]; n != 2 {
		t.Fatalf("requester not told of the refusal: %d messages", n)
	}

	// Deploying again is the same job: one course.
	again, created, err := h.svc.SubmitDeploy(h.ctx, req.ID, "gest")
	if err != nil || created || again.ID != j.ID {
		t.Fatalf("second deploy: job %d created=%v %v", again.ID, created, err)
	}
	before := h.sim.Site("ac-a").Counts().Courses

	// A second request with the same shortname is refused: the course
	// holding it is not that request's to adopt (integrity issue, case 2).
	_, err = h.svc.Request(h.ctx, offer.RequestInput{OfferID: o.ID, TargetDomain: "ac-a", Name: "Autre", ShortName: "AC-A-ECR2"})
	var ref *offer.Refusal
	if !errors.As(err, &ref) || ref.Code != "shortname_taken" {
		t.Fatalf("a second request for a taken shortname: %v", err)
	}
	if after := h.sim.Site("ac-a").Counts().Courses; after != before {
		t.Fatalf("courses on ac-a: %d then %d", before, after)
	}
	if n := h.sim.Site("ac-a").CallCounts()["upload.php"]; n != 1 {
		t.Fatalf("upload.php called %d times", n)
	}
	// A course made by hand with the requested shortname between request
	// and deployment is not taken over: the deployment fails and says why.
	req3, err := h.svc.Request(h.ctx, offer.RequestInput{OfferID: o.ID, TargetDomain: "ac-a", Name: "Trois", ShortName: "AC-A-ECR3"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.client("ac-a").CreateCourses(h.ctx, []moodle.CourseInput{{FullName: "Sans rapport", ShortName: "AC-A-ECR3",
		CategoryID: moodle.Int(acA[domains.CatParcours])}}); err != nil {
		t.Fatal(err)
	}
	_, j3, err := h.svc.Approve(h.ctx, req3.ID, "gest")
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if j3, _ = h.st.GetJob(h.ctx, j3.ID); j3.State == store.JobFailed || j3.State == store.JobSucceeded {
			break
		}
	}
	if j3.State != store.JobFailed || !strings.Contains(j3.LastError, "shortname_taken") {
		t.Fatalf("deploying onto a hand-made course: %s %s", j3.State, j3.LastError)
	}
	if cs, err := h.st.GetCourseState(h.ctx, "ac-a", newID+1); err == nil {
		t.Fatalf("the hand-made course got a recorded state: %+v", cs)
	}

	// Re-sharing bumps the version and replaces the file.
	o2 := h.share(course)
	if o2.ID != o.ID || o2.Version != 2 || filepath.Base(o2.FilePath) != "v2.mbz" {
		t.Fatalf("re-share: %+v", o2)
	}
	if _, err := os.Stat(o.FilePath); !os.IsNotExist(err) {
		t.Fatalf("old version kept: %v", err)
	}
	if _, err := h.svc.Unshare(h.ctx, "national", course, "dgesco"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(o.FilePath)); !os.IsNotExist(err) {
		t.Fatalf("backups kept after unshare: %v", err)
	}
	if page, _ := h.svc.Search(h.ctx, store.OfferFilter{}); page.Total != 0 {
		t.Fatalf("catalogue after unshare: %+v", page)
	}
}

// TestDeployResumesAfterUpload: a worker died after the upload step was
// checkpointed; the next attempt restores from the uploaded draft without
// uploading again.
func TestDeployResumesAfterUpload(t *testing.T) {
	h := newHarness(t)
	nat := h.bootstrap("national")
	acA := h.bootstrap("ac-a")
	course := h.parcours("national", "ECR2", nat[domains.CatDemonstration])
	h.startPool()
	o := h.share(course)
	h.stop()

	req, _ := h.svc.Request(h.ctx, offer.RequestInput{OfferID: o.ID, TargetDomain: "ac-a", Name: "Écrire", ShortName: "RESUME", CategoryID: acA[domains.CatParcours]})
	req, j, err := h.svc.Approve(h.ctx, req.ID, "gest")
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(o.FilePath)
	draft, err := h.client("ac-a").Upload(h.ctx, 0, moodle.UploadFile{Name: "offer.mbz", Reader: f})
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := h.st.SeedStep(h.ctx, j.ID, "upload", []byte(`{"draft_item":`+strconv.FormatInt(int64(draft[0].ItemID), 10)+`}`)); err != nil {
		t.Fatal(err)
	}
	h.startPool()
	h.wait(j)
	if n := h.sim.Site("ac-a").CallCounts()["upload.php"]; n != 1 {
		t.Fatalf("upload.php called %d times, want the one before the crash", n)
	}
	if h.sim.Site("ac-a").CourseIDByShortname("RESUME") == 0 {
		t.Fatal("no course restored")
	}
}

// TestDeploySameSiteDuplicates: a request from the hub's own domain uses
// core_course_duplicate_course, no backup transfer.
func TestDeploySameSiteDuplicates(t *testing.T) {
	h := newHarness(t)
	h.startPool()
	nat := h.bootstrap("national")
	course := h.parcours("national", "ECR2", nat[domains.CatDemonstration])
	o := h.share(course)
	req, err := h.svc.Request(h.ctx, offer.RequestInput{OfferID: o.ID, TargetDomain: "national", Name: "Copie", ShortName: "NAT-COPY"})
	if err != nil {
		t.Fatal(err)
	}
	_, j, err := h.svc.Approve(h.ctx, req.ID, "gest")
	if err != nil {
		t.Fatal(err)
	}
	h.wait(j)
	calls := h.sim.Site("national").CallCounts()
	if calls["core_course_duplicate_course"] != 1 || calls["upload.php"] != 0 {
		t.Fatalf("calls: %v", calls)
	}
	id := int64(h.sim.Site("national").CourseIDByShortname("NAT-COPY"))
	if src, dst := h.outline("national", course), h.outline("national", id); !reflect.DeepEqual(src, dst) {
		t.Fatalf("outlines differ:\n%v\n%v", src, dst)
	}
}

func TestRejectAndCheckModified(t *testing.T) {
	h := newHarness(t)
	h.startPool()
	nat := h.bootstrap("national")
	h.bootstrap("ac-a")
	course := h.parcours("national", "ECR2", nat[domains.CatDemonstration])
	o := h.share(course)
	req, _ := h.svc.Request(h.ctx, offer.RequestInput{OfferID: o.ID, TargetDomain: "ac-a", Name: "x", ShortName: "x"})
	if _, err := h.svc.Reject(h.ctx, req.ID, "gest", " "); refusalCode(err) != "reason_missing" {
		t.Fatalf("reject without reason: %v", err)
	}
	r, err := h.svc.Reject(h.ctx, req.ID, "gest", "déjà disponible")
	if err != nil || r.State != store.RequestRejected || r.Reason != "déjà disponible" {
		t.Fatalf("reject: %+v %v", r, err)
	}
	if _, _, err := h.svc.Approve(h.ctx, req.ID, "gest"); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("approve after reject: %v", err)
	}

	rep, err := h.svc.CheckModified(h.ctx, "")
	if err != nil || rep.Checked != 1 || len(rep.Modified) != 0 {
		t.Fatalf("unchanged course: %+v %v", rep, err)
	}
	// The course changed after the shared version (the simulator does not
	// move timemodified on edits, so the recorded time is moved back).
	o.CourseModified -= 60
	if _, err := h.st.PutOffer(h.ctx, o); err != nil {
		t.Fatal(err)
	}
	j, _, err := h.q.Submit(h.ctx, jobs.Spec{Kind: offer.KindCheckModified, Payload: map[string]string{"domain": "national"}})
	if err != nil {
		t.Fatal(err)
	}
	h.wait(j)
	got, _ := h.st.GetOffer(h.ctx, o.ID)
	if !got.Modified {
		t.Fatalf("entry not flagged: %+v", got)
	}
}

func TestPublishSession(t *testing.T) {
	h := newHarness(t)
	cats := h.bootstrap("ac-a")
	session := h.parcours("ac-a", "SESS1", cats[domains.CatAutoInscriptionLocale])
	prep := h.parcours("ac-a", "SESS2", cats[domains.CatSession])
	if _, err := h.svc.Publish(h.ctx, offer.PublishRequest{Domain: "ac-a", CourseID: prep}); refusalCode(err) != "session_not_open" {
		t.Fatalf("publish a session en préparation: %v", err)
	}
	// A local self-enrolment session is not published nationally.
	if _, err := h.svc.Publish(h.ctx, offer.PublishRequest{Domain: "ac-a", CourseID: session, Scope: store.ScopeNational}); refusalCode(err) != "scope_mismatch" {
		t.Fatalf("publish a local session nationally: %v", err)
	}
	// A session opened without self-enrolment is not published.
	if err := h.st.PutCourseState(h.ctx, store.CourseState{Domain: "ac-a", CourseID: prep, State: workflow.StateSessionEnCours}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Publish(h.ctx, offer.PublishRequest{Domain: "ac-a", CourseID: prep}); refusalCode(err) != "not_self_enrolment" {
		t.Fatalf("publish a session open without self-enrolment: %v", err)
	}
	o, err := h.svc.Publish(h.ctx, offer.PublishRequest{Domain: "ac-a", CourseID: session, Indexing: offer.Indexing{Origin: "Académie"}})
	if err != nil || o.Kind != store.OfferFormation || o.Scope != store.ScopeLocal {
		t.Fatalf("publish: %+v %v", o, err)
	}
	if p, _ := h.svc.Search(h.ctx, store.OfferFilter{Domain: "ac-b"}); p.Total != 0 {
		t.Fatalf("local session shown to another academy: %+v", p)
	}
	if p, _ := h.svc.Search(h.ctx, store.OfferFilter{Domain: "ac-a", Kind: store.OfferFormation}); p.Total != 1 {
		t.Fatalf("local session hidden from its academy: %+v", p)
	}
	if _, err := h.svc.Unpublish(h.ctx, "ac-a", session, "gest"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Unpublish(h.ctx, "ac-a", session, "gest"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second unpublish: %v", err)
	}
}

// TestDeployKeepsNamesAndRedeploysDeleted: Moodle's restore renames a
// course "… copy 1" / "…_1" when another course has its full name; the
// deployment puts the requested names back. A deployed course deleted in
// Moodle is deployed again by a new job rather than reported as done.
func TestDeployKeepsNamesAndRedeploysDeleted(t *testing.T) {
	h := newHarness(t)
	h.startPool()
	nat := h.bootstrap("national")
	h.bootstrap("ac-a")
	o := h.share(h.parcours("national", "ECR2", nat[domains.CatDemonstration]))
	deploy := func(short string) (store.Job, int64) {
		t.Helper()
		req, err := h.svc.Request(h.ctx, offer.RequestInput{OfferID: o.ID, TargetDomain: "ac-a", Name: "Écrire (ac-a)", ShortName: short})
		if err != nil {
			t.Fatal(err)
		}
		_, j, err := h.svc.Approve(h.ctx, req.ID, "gest")
		if err != nil {
			t.Fatal(err)
		}
		return h.wait(j), req.ID
	}
	deploy("FIRST")
	j, reqID := deploy("SECOND") // same full name as FIRST
	id := h.sim.Site("ac-a").CourseIDByShortname("SECOND")
	if id == 0 || h.sim.Site("ac-a").CourseIDByShortname("SECOND_1") != 0 {
		t.Fatalf("SECOND is %d, SECOND_1 is %d", id, h.sim.Site("ac-a").CourseIDByShortname("SECOND_1"))
	}
	if _, err := h.client("ac-a").DeleteCourses(h.ctx, []moodle.Int{moodle.Int(id)}); err != nil {
		t.Fatal(err)
	}
	again, created, err := h.svc.SubmitDeploy(h.ctx, reqID, "gest")
	if err != nil || !created || again.ID == j.ID {
		t.Fatalf("deploy after the deletion: job %d (first %d) created=%v %v", again.ID, j.ID, created, err)
	}
	h.wait(again)
	back := h.sim.Site("ac-a").CourseIDByShortname("SECOND")
	if back == 0 || back == id {
		t.Fatalf("SECOND after the redeployment: %d (was %d)", back, id)
	}
	if same, created, err := h.svc.SubmitDeploy(h.ctx, reqID, "gest"); err != nil || created || same.ID != again.ID {
		t.Fatalf("deploy once more: job %d created=%v %v, want job %d", same.ID, created, err, again.ID)
	}
}
