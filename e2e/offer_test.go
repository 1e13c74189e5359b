package e2e

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/store"
)

// demoParcours makes a parcours en démonstration on the national site as a
// designer would in Moodle: a course in "Parcours en démonstration" with
// three sections (and the Announcements forum Moodle adds), then its
// announced durations through set-metadata. It returns its shortname.
func (e *env) demoParcours(base, fullname string) string {
	e.t.Helper()
	out := e.bootstrap("national")
	cat := e.categoryID(out, "demonstration")
	short := nm(base)
	if e.course("national", short) == nil {
		if _, err := e.tg.site("national").client.CreateCourses(e.ctx, []moodle.CourseInput{{
			FullName: fullname, ShortName: short, CategoryID: moodle.Int(cat), Summary: "<p>Production d'écrits au cycle 2</p>",
			StartDate: 1788220800, CourseFormatOptions: []moodle.NameValue{{Name: "numsections", Value: "3"}},
		}}); err != nil {
			e.t.Fatalf("[%s] creating the parcours %s: %v", e.tg.kind, short, err)
		}
	}
	e.ok("workflow", "run", "set-metadata", "--domain", "national", "--course", short,
		"--remote-minutes", "180", "--inperson-minutes", "360", "--objectives", "Écrire au cycle 2")
	return short
}

// contents spells a course's sections and modules, in order, as
// "section N name: modname name, ...".
func (e *env) courseContents(siteName string, courseID int64) []string {
	e.t.Helper()
	var sections []struct {
		Section int    `json:"section"`
		Name    string `json:"name"`
		Modules []struct {
			Name    string `json:"name"`
			ModName string `json:"modname"`
		} `json:"modules"`
	}
	if err := e.tg.site(siteName).client.Call(e.ctx, "core_course_get_contents", moodle.Params{"courseid": courseID}, &sections); err != nil {
		e.t.Fatalf("[%s] %s: contents of %d: %v", e.tg.kind, siteName, courseID, err)
	}
	var out []string
	for _, s := range sections {
		var mods []string
		for _, m := range s.Modules {
			mods = append(mods, m.ModName+" "+m.Name)
		}
		out = append(out, fmt.Sprintf("section %d %s: %s", s.Section, s.Name, strings.Join(mods, ", ")))
	}
	return out
}

// searchOffers runs `offer search` in JSON with the given filters.
func (e *env) searchOffers(args ...string) store.OfferPage {
	e.t.Helper()
	out := e.ok(append([]string{"--format", "json", "offer", "search"}, args...)...)
	var page store.OfferPage
	if err := json.Unmarshal([]byte(out), &page); err != nil {
		e.t.Fatalf("[%s] offer search output: %v\n%s", e.tg.kind, err, out)
	}
	return page
}

// shareOffer shares a parcours and returns its catalogue id.
func (e *env) shareOffer(short string) int64 {
	e.t.Helper()
	out := e.ok("offer", "share", "--domain", "national", "--course", short, "--origin", "DGESCO",
		"--public", "Professeurs des écoles", "--keywords", "français,écriture")
	if !strings.Contains(out, "offer.share succeeded") {
		e.t.Fatalf("[%s] share: %s", e.tg.kind, out)
	}
	page := e.searchOffers("--kind", "parcours")
	if page.Total != 1 {
		e.t.Fatalf("[%s] catalogue after one share: %d entries", e.tg.kind, page.Total)
	}
	return page.Offers[0].ID
}

var requestLine = regexp.MustCompile(`request (\d+) (\w+):`)

// requestOffer asks for an offer on a target and returns the request id.
func (e *env) requestOffer(offerID int64, target, name, short string) string {
	e.t.Helper()
	out := e.ok("offer", "request", "--offer", fmt.Sprint(offerID), "--target", target, "--name", name, "--shortname", short)
	m := requestLine.FindStringSubmatch(out)
	if m == nil || m[2] != "requested" {
		e.t.Fatalf("[%s] offer request: %s", e.tg.kind, out)
	}
	return m[1]
}

// offerCourseCount is the number of courses with a shortname in the real
// site's database (-1 on the simulator).
func (e *env) offerCourseCount(siteName, short string) int {
	if db := e.realDB(siteName); db != nil {
		return db.count("SELECT COUNT(*) FROM mdl_course WHERE shortname = ?", short)
	}
	return -1
}

func TestOfferShareDeploy(t *testing.T) {
	run(t, "offer-share-deploy", func(e *env) *state {
		orig := e.demoParcours("E2E-OFR1", "Écrire au cycle 2")
		acad := e.bootstrap("academie")
		parcoursCat := e.categoryID(acad, "parcours")
		offerID := e.shareOffer(orig)

		// The catalogue ignores accents and case, and filters on indexing.
		for _, text := range []string{"ecrire", "ÉCRIRE", "Ecriture"} {
			if p := e.searchOffers("--text", text, "--origin", "dgesco", "--min-minutes", "500"); p.Total != 1 || p.Offers[0].ID != offerID {
				e.t.Errorf("[%s] search %q: %d entries", e.tg.kind, text, p.Total)
			}
		}
		if p := e.searchOffers("--text", "mathématiques"); p.Total != 0 {
			e.t.Errorf("[%s] search for another subject found %d entries", e.tg.kind, p.Total)
		}
		if p := e.searchOffers("--text", "ecrire", "--max-minutes", "100"); p.Total != 0 {
			e.t.Errorf("[%s] 540 min parcours found with --max-minutes 100", e.tg.kind)
		}

		short := nm("E2E-OFR1-AC")
		req := e.requestOffer(offerID, "academie", "Écrire au cycle 2 (académie)", short)
		if c := e.course("academie", short); c != nil {
			e.t.Fatalf("[%s] the course exists before approval", e.tg.kind)
		}
		out := e.ok("offer", "approve", "--request", req, "--by", "gestionnaire")
		if !strings.Contains(out, "offer.deploy succeeded") {
			e.t.Fatalf("[%s] approve: %s", e.tg.kind, out)
		}
		deployed := e.mustCourse("academie", short)
		if deployed.CategoryID != parcoursCat || deployed.FullName != "Écrire au cycle 2 (académie)" {
			e.t.Errorf("[%s] deployed course: category %d (want %d) fullname %q", e.tg.kind, deployed.CategoryID, parcoursCat, deployed.FullName)
		}
		src := e.courseContents("national", e.mustCourse("national", orig).ID)
		dst := e.courseContents("academie", deployed.ID)
		if strings.Join(src, "\n") != strings.Join(dst, "\n") {
			e.t.Errorf("[%s] deployed contents differ from the original:\n%s\n---\n%s", e.tg.kind, strings.Join(src, "\n"), strings.Join(dst, "\n"))
		}
		if len(src) != 4 {
			e.t.Errorf("[%s] original has %d sections, want 4:\n%s", e.tg.kind, len(src), strings.Join(src, "\n"))
		}
		if n := e.offerCourseCount("academie", short); n != -1 && n != 1 {
			e.t.Errorf("[real] %d courses %s in academie's database", n, short)
		}
		show := e.ok("workflow", "show", "--domain", "academie", "--course", short)

		st := newState()
		e.snapCourse(st, "national", orig)
		e.snapCourse(st, "academie", short)
		for i, l := range dst {
			st.set(fmt.Sprintf("academie %s contents %d", short, i), "%s", l)
		}
		st.set("state "+short, "%s", stateWord(show))
		return st
	})
}

func TestOfferDeployTwice(t *testing.T) {
	run(t, "offer-deploy-twice", func(e *env) *state {
		orig := e.demoParcours("E2E-OFR2", "Lire au cycle 3")
		e.bootstrap("academie")
		offerID := e.shareOffer(orig)
		short := nm("E2E-OFR2-AC")
		req := e.requestOffer(offerID, "academie", "Lire au cycle 3 (académie)", short)
		first := e.ok("offer", "approve", "--request", req)
		job := regexp.MustCompile(`job (\d+) offer.deploy succeeded`).FindStringSubmatch(first)
		if job == nil {
			e.t.Fatalf("[%s] approve: %s", e.tg.kind, first)
		}
		id := e.mustCourse("academie", short).ID
		// The operator deploys again, twice: the same job, the same course.
		for i := 0; i < 2; i++ {
			again := e.ok("offer", "deploy", "--request", req)
			if !strings.Contains(again, "same deployment as job "+job[1]) || !strings.Contains(again, "succeeded") {
				e.t.Errorf("[%s] deploy again: %s", e.tg.kind, again)
			}
		}
		if c := e.mustCourse("academie", short); c.ID != id {
			e.t.Errorf("[%s] the course changed id: %d then %d", e.tg.kind, id, c.ID)
		}
		if n := e.offerCourseCount("academie", short); n != -1 && n != 1 {
			e.t.Errorf("[real] %d courses %s after deploying again", n, short)
		}
		if db := e.realDB("academie"); db != nil {
			if n := db.count("SELECT COUNT(*) FROM mdl_course WHERE fullname = ?", "Lire au cycle 3 (académie)"); n < 1 {
				e.t.Errorf("[real] no course named after the request")
			}
		}
		// An administrator deletes the deployed parcours in Moodle; deploying
		// the request again brings it back (a new job), not the old job's
		// "succeeded" with no course.
		if _, err := e.tg.site("academie").client.DeleteCourses(e.ctx, []moodle.Int{moodle.Int(id)}); err != nil {
			e.t.Fatalf("[%s] deleting %s by hand: %v", e.tg.kind, short, err)
		}
		if e.course("academie", short) != nil {
			e.t.Fatalf("[%s] %s still there after its deletion", e.tg.kind, short)
		}
		out := e.ok("offer", "deploy", "--request", req)
		if strings.Contains(out, "same deployment as job") || !strings.Contains(out, "offer.deploy succeeded") {
			e.t.Errorf("[%s] deploy after a deletion by hand: %s", e.tg.kind, out)
		}
		back := e.mustCourse("academie", short)
		if back.ID == id {
			e.t.Errorf("[%s] the deleted course came back with its id", e.tg.kind)
		}
		if n := e.offerCourseCount("academie", short); n != -1 && n != 1 {
			e.t.Errorf("[real] %d courses %s after the redeployment", n, short)
		}
		// And once more: the new deployment is the one returned.
		redeployed := regexp.MustCompile(`job (\d+) offer.deploy succeeded`).FindStringSubmatch(out)
		if again := e.ok("offer", "deploy", "--request", req); redeployed == nil || !strings.Contains(again, "same deployment as job "+redeployed[1]+"\n") {
			e.t.Errorf("[%s] deploy after the redeployment: %s", e.tg.kind, again)
		}
		id = back.ID
		// Another request with the same name: Moodle's restore would call
		// the course "… copy 1" with the shortname "…_1"; the bridge keeps
		// the names requested.
		short2 := nm("E2E-OFR2-AC2")
		req2 := e.requestOffer(offerID, "academie", "Lire au cycle 3 (académie)", short2)
		e.ok("offer", "approve", "--request", req2)
		second := e.mustCourse("academie", short2)
		if second.ID == id || second.FullName != "Lire au cycle 3 (académie)" {
			e.t.Errorf("[%s] second request's course: id %d fullname %q", e.tg.kind, second.ID, second.FullName)
		}
		if e.course("academie", short2+"_1") != nil {
			e.t.Errorf("[%s] a course %s_1 exists", e.tg.kind, short2)
		}
		st := newState()
		e.snapCourse(st, "academie", short)
		e.snapCourse(st, "academie", short2)
		return st
	})
}

func TestOfferRefusals(t *testing.T) {
	run(t, "offer-refusals", func(e *env) *state {
		orig := e.demoParcours("E2E-OFR3", "Calculer au cycle 1")
		e.bootstrap("academie")
		st := newState()

		// Sharing a parcours still in construction is refused.
		constr := e.parcours("national", "E2E-OFR3C")
		r := e.bridge("offer", "share", "--domain", "national", "--course", constr, "--origin", "DGESCO")
		if r.code != 1 || !strings.Contains(r.stderr, "not_in_demonstration") {
			e.t.Errorf("[%s] share of a parcours en construction: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		// A request for an offer that does not exist.
		r = e.bridge("offer", "request", "--offer", "9999", "--target", "academie", "--name", "X", "--shortname", nm("E2E-OFR3-X"))
		if r.code != 1 || !strings.Contains(r.stderr, "no_offer") {
			e.t.Errorf("[%s] request for offer 9999: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		st.set("request unknown offer", "exit %d", r.code)

		offerID := e.shareOffer(orig)
		short := nm("E2E-OFR3-AC")
		req := e.requestOffer(offerID, "academie", "Calculer (académie)", short)
		// Deploying before approval is refused.
		r = e.bridge("offer", "deploy", "--request", req)
		if r.code != 1 || !strings.Contains(r.stderr, "not_approved") {
			e.t.Errorf("[%s] deploy before approval: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		if e.course("academie", short) != nil {
			e.t.Fatalf("[%s] a refused deploy created the course", e.tg.kind)
		}
		e.ok("offer", "approve", "--request", req)
		id := e.mustCourse("academie", short).ID
		// Approving twice, or rejecting an approved request, is refused.
		r = e.bridge("offer", "approve", "--request", req)
		if r.code != 1 || r.stderr == "" {
			e.t.Errorf("[%s] second approve: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		st.set("approve twice", "exit %d", r.code)
		r = e.bridge("offer", "reject", "--request", req, "--reason", "trop tard")
		if r.code != 1 || r.stderr == "" {
			e.t.Errorf("[%s] reject after approval: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		st.set("reject approved", "exit %d", r.code)
		if c := e.mustCourse("academie", short); c.ID != id {
			e.t.Errorf("[%s] refused commands changed the course", e.tg.kind)
		}
		if n := e.offerCourseCount("academie", short); n != -1 && n != 1 {
			e.t.Errorf("[real] %d courses %s", n, short)
		}
		// A second request, rejected: nothing is deployed.
		short2 := nm("E2E-OFR3-AC2")
		req2 := e.requestOffer(offerID, "academie", "Calculer bis", short2)
		out := e.ok("offer", "reject", "--request", req2, "--reason", "doublon")
		if !strings.Contains(out, "rejected") {
			e.t.Errorf("[%s] reject: %s", e.tg.kind, out)
		}
		r = e.bridge("offer", "approve", "--request", req2)
		if r.code != 1 {
			e.t.Errorf("[%s] approve after reject: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		st.set("approve rejected", "exit %d", r.code)
		e.snapCourse(st, "academie", short)
		e.snapCourse(st, "academie", short2)
		e.snapCourse(st, "national", constr)
		return st
	})
}

func TestOfferDeployWithoutPlugin(t *testing.T) {
	run(t, "offer-deploy-without-plugin", func(e *env) *state {
		orig := e.demoParcours("E2E-OFR4", "Dire au cycle 2")
		e.bootstrap("sanslb")
		offerID := e.shareOffer(orig)
		short := nm("E2E-OFR4-SLB")
		drafts := func() int {
			if db := e.realDB("sanslb"); db != nil {
				return db.count("SELECT COUNT(*) FROM mdl_files WHERE filearea = 'draft' AND filename LIKE 'offer-%'")
			}
			return 0
		}
		draftsBefore := drafts()
		st := newState()
		// The request is refused at once, naming the missing plugin.
		r := e.bridge("offer", "request", "--offer", fmt.Sprint(offerID), "--target", "sanslb", "--name", "Dire (sanslb)", "--shortname", short)
		if r.code != 1 || !strings.Contains(r.stderr, "plugin_missing") || !strings.Contains(r.stderr, "local_bridge_restore_course") {
			e.t.Errorf("[%s] request for a site without local_bridge: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		st.set("request to sanslb", "exit %d", r.code)
		// Nothing was recorded: request 1 does not exist.
		r = e.bridge("offer", "approve", "--request", "1")
		if r.code != 1 || strings.Contains(r.stdout, "approved") {
			e.t.Errorf("[%s] approve of the refused request: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		if n := e.offerCourseCount("sanslb", short); n > 0 {
			e.t.Errorf("[real] %d courses %s on sanslb", n, short)
		}
		if n := drafts(); n != draftsBefore {
			e.t.Errorf("[real] %d offer backups uploaded to sanslb", n-draftsBefore)
		}
		e.snapCourse(st, "sanslb", short)
		return st
	})
}
