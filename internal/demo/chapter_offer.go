package demo

import (
	"fmt"
	"reflect"

	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/offer"
	"github.com/magistere/bridge/internal/store"
)

func init() {
	Register(Chapter{Order: 50, Name: "national offer", Run: chapterOffer})
}

// chapterOffer shares a parcours from the national site, finds it in the
// catalogue, deploys it into ac-a on request, deploys again (same job,
// one course), publishes a local session and checks for modifications.
func chapterOffer(e *Env) error {
	svc := e.App.Offer
	cats := map[string]map[string]int64{}
	for _, dom := range []string{National, AcademyA} {
		if _, err := e.App.Domains.Bootstrap(e.Ctx, dom); err != nil {
			return err
		}
		all, err := e.App.Store.DomainCategories(e.Ctx, dom)
		if err != nil {
			return err
		}
		cats[dom] = map[string]int64{}
		for k, c := range all {
			cats[dom][k] = c.CategoryID
		}
	}
	e.Step("national and ac-a bootstrapped (category skeleton recorded)")
	course, err := offerParcours(e, cats[National][domains.CatDemonstration])
	if err != nil {
		return err
	}
	if err := svc.CheckShare(e.Ctx, offer.ShareRequest{Domain: National, CourseID: course}); err != nil {
		e.Step("share refused without an origin, as expected: %v", err)
	} else {
		return fmt.Errorf("share without an origin was allowed")
	}
	j, err := e.RunJob(jobs.Spec{Kind: offer.KindShare, Domain: National, Payload: offer.ShareRequest{Domain: National, CourseID: course,
		RequestedBy: "dgesco", Indexing: offer.Indexing{Origin: "DGESCO", Collection: "Parcours hybride",
			Publics: []string{"Professeurs des écoles"}, Keywords: []string{"français", "écriture"}}}})
	if err != nil {
		return err
	}
	e.Step("parcours %d shared by job %d: backup on the national site, downloaded with its SHA-256", course, j.ID)
	page, err := svc.Search(e.Ctx, store.OfferFilter{Text: "ECRITURE", Origin: "dgesco", Public: "professeurs des ecoles", MinMinutes: 300})
	if err != nil || page.Total != 1 {
		return fmt.Errorf("search: %d entries, %v", page.Total, err)
	}
	o := page.Offers[0]
	e.Step("search \"ECRITURE\" origin dgesco public \"professeurs des ecoles\" >= 300 min: offer %d %q v%d, %d min, sha256 %.12s…",
		o.ID, o.Title, o.Version, o.TotalMinutes(), o.Checksum)

	req, err := svc.Request(e.Ctx, offer.RequestInput{OfferID: o.ID, TargetDomain: AcademyA, RequestedBy: "formateur.ac-a",
		RequesterUserID: 2, Name: "Écrire au cycle 2 (ac-a)", ShortName: "AC-A-ECR2"})
	if err != nil {
		return err
	}
	e.Step("request %d from ac-a: %s", req.ID, req.State)
	req, dj, err := svc.Approve(e.Ctx, req.ID, "gestionnaire.ac-a")
	if err != nil {
		return err
	}
	e.Step("request %d approved: deployment job %d (upload, restore, record, notify)", req.ID, dj.ID)
	if dj, err = e.WaitJob(dj.ID); err != nil {
		return err
	}
	if err := compareDeployed(e, course, req.ID); err != nil {
		return err
	}
	again, created, err := svc.SubmitDeploy(e.Ctx, req.ID, "gestionnaire.ac-a")
	if err != nil {
		return err
	}
	n := e.Sim.Site(AcademyA).CallCounts()["upload.php"]
	if created || again.ID != dj.ID || e.Sim.Site(AcademyA).CourseIDByShortname("AC-A-ECR2") == 0 {
		return fmt.Errorf("second deployment: job %d created=%v", again.ID, created)
	}
	e.Step("deploying again returns job %d (created=%v): still one course, upload.php called %d time(s)", again.ID, created, n)
	e.Step("a SIGKILL of `bridge serve` mid-deployment is exercised by bridge/offer_cli_test.go: the restarted bridge resumes after the upload checkpoint")

	if err := offerSession(e, svc, cats[AcademyA][domains.CatAutoInscriptionLocale]); err != nil {
		return err
	}
	mj, err := e.RunJob(jobs.Spec{Kind: offer.KindCheckModified, Payload: map[string]string{"domain": National}})
	if err != nil {
		return err
	}
	e.Step("offer.check_modified (schedule it every 15 min): %s", mj.Result)
	return nil
}

// offerParcours creates a parcours en démonstration with activities and its durations.
func offerParcours(e *Env, category int64) (int64, error) {
	d, err := e.App.Fleet.Get(National)
	if err != nil {
		return 0, err
	}
	created, err := d.Client.CreateCourses(e.Ctx, []moodle.CourseInput{{FullName: "Écrire au cycle 2", ShortName: "NAT-ECR2",
		CategoryID: moodle.Int(category), Summary: "<p>Production d'écrits au cycle 2</p>"}})
	if err != nil {
		return 0, err
	}
	id := int64(created[0].ID)
	for _, a := range []struct{ name, mod string }{{"Présentation", "page"}, {"Forum", "forum"}, {"Quiz de positionnement", "quiz"}} {
		if _, err := e.Sim.Site(National).AddActivity(int(id), a.name, a.mod, 1); err != nil {
			return 0, err
		}
	}
	remote, inperson := 180, 360
	if err := e.App.Store.SetCourseMetadata(e.Ctx, National, id, store.CourseMetadata{RemoteMinutes: &remote, InPersonMinutes: &inperson,
		Objectives: "Enseigner la production d'écrits"}); err != nil {
		return 0, err
	}
	e.Step("national: parcours %d in \"Parcours en démonstration\" with 3 activities, 3 h remote + 6 h in person", id)
	return id, nil
}

func outline(e *Env, dom string, id int64) ([]string, error) {
	d, err := e.App.Fleet.Get(dom)
	if err != nil {
		return nil, err
	}
	secs, err := d.Client.GetContents(e.Ctx, moodle.Int(id))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range secs {
		out = append(out, "section "+s.Name)
		for _, m := range s.Modules {
			out = append(out, m.ModName+" "+m.Name)
		}
	}
	return out, nil
}

func compareDeployed(e *Env, source, requestID int64) error {
	req, err := e.App.Store.GetOfferRequest(e.Ctx, requestID)
	if err != nil {
		return err
	}
	src, err := outline(e, National, source)
	if err != nil {
		return err
	}
	dst, err := outline(e, AcademyA, req.CourseID)
	if err != nil {
		return err
	}
	if !reflect.DeepEqual(src, dst) {
		return fmt.Errorf("deployed outline %v differs from %v", dst, src)
	}
	cs, err := e.App.Store.GetCourseState(e.Ctx, AcademyA, req.CourseID)
	if err != nil {
		return err
	}
	e.Step("ac-a: course %d %s, state %s, same outline as the source (%d sections and activities)", req.CourseID, req.State, cs.State, len(src))
	return nil
}

func offerSession(e *Env, svc *offer.Service, category int64) error {
	d, err := e.App.Fleet.Get(AcademyA)
	if err != nil {
		return err
	}
	created, err := d.Client.CreateCourses(e.Ctx, []moodle.CourseInput{{FullName: "Session locale : écrire au cycle 2", ShortName: "AC-A-SLAF-1",
		CategoryID: moodle.Int(category)}})
	if err != nil {
		return err
	}
	id := int64(created[0].ID)
	remote, inperson := 120, 180
	if err := e.App.Store.SetCourseMetadata(e.Ctx, AcademyA, id, store.CourseMetadata{RemoteMinutes: &remote, InPersonMinutes: &inperson}); err != nil {
		return err
	}
	o, err := svc.Publish(e.Ctx, offer.PublishRequest{Domain: AcademyA, CourseID: id, Scope: store.ScopeLocal, Indexing: offer.Indexing{Origin: "Académie"}, RequestedBy: "demo"})
	if err != nil {
		return err
	}
	seenB, _ := svc.Search(e.Ctx, store.OfferFilter{Kind: store.OfferFormation, Domain: AcademyB})
	seenA, _ := svc.Search(e.Ctx, store.OfferFilter{Kind: store.OfferFormation, Domain: AcademyA})
	e.Step("local session %d published (offer %d): visible from ac-a %d, from ac-b %d", id, o.ID, seenA.Total, seenB.Total)
	return nil
}
