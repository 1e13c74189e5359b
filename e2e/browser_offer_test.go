package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/moodle"
)

// TestBrowserOffer runs the offer of parcours from Moodle alone on the real
// sites: a French trainer searches the national offer with its filters,
// opens a parcours and requests it (no second request), a site
// administrator sees the request under the trainer's name and approves it,
// the deployment runs, and the trainer is told by a Moodle message and
// opens the new course; a second request is refused with a reason the
// trainer reads.
func TestBrowserOffer(t *testing.T) {
	e := newEnv(t, real, "")
	orig := e.demoParcours("E2E-BOFR", "Écrire au cycle 2")
	e.bootstrap("national")
	offerID := e.shareOffer(orig)
	_, course := e.sessionCourse("academie", nm("E2E-BOFR-HOST"))
	if blocks, _ := e.browserSetup("academie", fmt.Sprint(course)); len(blocks) != 4 {
		t.Fatalf("blocks on the course page: %v", blocks)
	}
	trainer := e.browserUser("academie", nm("demandeuse"), "Fanny", "FORMATRICE", "fr")
	if err := e.tg.site("academie").client.EnrolUsers(e.ctx, []moodle.Enrolment{
		{RoleID: 3, UserID: moodle.Int(trainer), CourseID: moodle.Int(course)}}); err != nil {
		t.Fatal(err)
	}
	admin := e.users("academie", "username", adminUser)
	e.browserSetup("academie", "prefs", fmt.Sprint(admin[0].ID), fmt.Sprint(trainer))
	// The daemon reaches the academie site through a proxy that holds each
	// write for 2 s, so the deployment (an upload, a restore, the course's
	// name, the requester's enrolment and message: under 1.5 s here otherwise)
	// cannot end before the page after the approval is read. On a fast
	// machine it did, and the line's refresh by itself could not be seen.
	// (The message's link names the proxy: the check below reads the course id.)
	addr := e.throughFaults("latency=2s,writes", "academie").serve()
	e.siteConfig("academie", "local_bridge", "bridgeurl", "http://"+addr)
	e.siteConfig("academie", "local_bridge", "domain", "academie")
	e.siteConfig("academie", "local_bridge", "sharedsecret", "e2e-secret-academie-0123456789abcdef0123456789")
	www := e.tg.site("academie").url
	courseURL := fmt.Sprintf("%s/course/view.php?id=%d", www, course)
	b := newBrowser(t)
	noRaw := func(p page, where string) {
		t.Helper()
		for _, raw := range []string{"moodle:academie:user", " min)", "540 min", "(400)", "(403)", "(404)", "(409)", "(422)", "(500)", "127.0.0.1:"} {
			if strings.Contains(p.Text, raw) {
				t.Errorf("%s shows %q: %s", where, raw, excerpt(p.Text, strings.Index(p.Text, raw)))
			}
		}
	}

	// The trainer searches from the block: a button, the offer's page.
	b.login(www, nm("demandeuse"), userPassword)
	b.open(courseURL)
	b.act(`(() => { const f = document.querySelector('[data-block="bridge_offer"] form[method="get"]');
	  f.q.value = 'ecrire'; f.querySelector('button[type=submit]').click(); })()`)
	p := b.look("offer-search")
	noRaw(p, "offer search")
	if !strings.Contains(p.Text, "Offre de parcours") || !strings.Contains(p.Text, "Écrire au cycle 2") || !strings.Contains(p.Text, "9 h") {
		t.Errorf("offer search: heading %q text %s", p.Heading, excerpt(p.Text, 0))
	}
	var origins, publics []string
	b.eval(`[...document.querySelectorAll('#bo-origin option')].map(o => o.value)`, &origins)
	b.eval(`[...document.querySelectorAll('#bo-public option')].map(o => o.value)`, &publics)
	if !contains(origins, "DGESCO") || !contains(publics, "Professeurs des écoles") {
		t.Errorf("filters: origins %v publics %v", origins, publics)
	}
	// Filters: the right origin and duration find it, a shorter duration does not.
	for _, c := range []struct {
		duration string
		found    bool
	}{{"upto12h", true}, {"upto3h", false}} {
		b.act(fmt.Sprintf(`(() => { const f = document.querySelector('form.block-bridge-offer-search');
		  f.origin.value = 'DGESCO'; f.duration.value = %q; f.querySelector('button[type=submit]').click(); })()`, c.duration))
		p = b.look("offer-filter-" + c.duration)
		if got := strings.Contains(p.Text, "Écrire au cycle 2"); got != c.found {
			t.Errorf("filter duration %s: found %v, want %v", c.duration, got, c.found)
		}
	}

	// The detail, and the request with a proposed shortname.
	b.open(fmt.Sprintf("%s/blocks/bridge_offer/action.php?courseid=%d&step=detail&offerid=%d", www, course, offerID))
	p = b.look("offer-detail")
	noRaw(p, "offer detail")
	for _, want := range []string{"À distance", "3 h", "En présence", "6 h", "DGESCO", "Demander ce parcours"} {
		if !strings.Contains(p.Text, want) {
			t.Errorf("offer detail lacks %q: %s", want, excerpt(p.Text, 0))
		}
	}
	if proposed := b.str(`document.querySelector('#bo-shortname').value`); !strings.HasPrefix(proposed, "ECRIRE-AU-CYCLE-2-") {
		t.Errorf("proposed shortname %q", proposed)
	}
	short := nm("E2E-BOFR-AC")
	b.act(fmt.Sprintf(`(() => { const f = document.querySelector('form.block-bridge-offer-request');
	  f.name.value = 'Écrire au cycle 2 (académie)'; f.shortname.value = %q; f.querySelector('button[type=submit]').click(); })()`, short))
	p = b.look("offer-requested")
	if !strings.Contains(strings.Join(p.Alerts, " "), "Votre demande « Écrire au cycle 2 (académie) » est envoyée") {
		t.Errorf("request: alerts %v", p.Alerts)
	}
	// No second request: the detail says it waits, and offers no form.
	b.open(fmt.Sprintf("%s/blocks/bridge_offer/action.php?courseid=%d&step=detail&offerid=%d", www, course, offerID))
	p = b.look("offer-detail-again")
	if !strings.Contains(p.Text, "Vous avez déjà demandé ce parcours") || b.str(`document.querySelector('form.block-bridge-offer-request') ? 'form' : ''`) != "" {
		t.Errorf("second request: %s", excerpt(p.Text, 0))
	}

	// The administrator (not enrolled, English) sees the request under the trainer's name and approves it.
	b.login(www, adminUser, adminPassword)
	b.open(courseURL)
	p = b.look("admin-offer-block")
	if !strings.Contains(p.Text, "Requests waiting for a decision: 1") {
		t.Errorf("admin block: %s", excerpt(p.Text, 0))
	}
	b.act(`document.querySelector('[data-block="bridge_offer"] a.block-bridge-offer-pending').click()`)
	p = b.look("admin-offer-requests")
	noRaw(p, "pending requests")
	if !strings.Contains(p.Text, "Fanny FORMATRICE") || !strings.Contains(p.Text, short) {
		t.Errorf("pending requests: %s", excerpt(p.Text, strings.Index(p.Text, "Requests")))
	}
	approved := time.Now()
	b.act(`document.querySelector('table.block-bridge-offer-requests button[value=approve]').click()`)
	p = b.look("admin-offer-approved")
	if !strings.Contains(strings.Join(p.Alerts, " "), "approved: the parcours is being deployed") {
		t.Errorf("approve: alerts %v", p.Alerts)
	}
	// The deployment's line follows the job by itself (local_bridge/jobs): no reload, the page stays the same
	// (the marker survives) until the line says it is done and links to the new course.
	if b.str(`document.querySelector('.local-bridge-jobs li[data-running="1"]') ? 'running' : ''`) != "running" {
		t.Errorf("the deployment is not shown running right after the approval (%s after it; the poll could not be checked)",
			time.Since(approved).Round(100*time.Millisecond))
	}
	b.eval(`window.__h18stay = 1`, nil)
	deadline := time.Now().Add(3 * time.Minute)
	for b.str(`(document.querySelector('.local-bridge-jobs li[data-running="0"] a[href*="course/view.php"]') || {href: ''}).href`) == "" {
		if time.Now().After(deadline) {
			b.look("admin-offer-deploy-timeout")
			t.Fatalf("the deployment's line did not reach its end by itself")
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("the deployment's line showed its end %s after the approval", time.Since(approved).Round(100*time.Millisecond))
	if b.str(`String(window.__h18stay || '')`) != "1" {
		t.Errorf("the page was reloaded: the job line did not refresh by itself")
	}
	p = b.look("admin-offer-deployed")
	if !strings.Contains(p.Text, "Open what it made") {
		t.Errorf("the finished deployment does not link to its course: %s", excerpt(p.Text, strings.Index(p.Text, "Your requests")))
	}
	noRaw(p, "deployed")
	deployed := e.mustCourse("academie", short)

	// The requester got a Moodle message with the link, and may open the course.
	if db := e.realDB("academie"); db != nil {
		link := fmt.Sprintf("%%course/view.php?id=%d\"%%", deployed.ID)
		if n := db.count("SELECT COUNT(*) FROM mdl_messages WHERE fullmessage LIKE ? OR fullmessagehtml LIKE ?", link, link); n != 1 {
			t.Errorf("messages with the deployed course's link: %d", n)
		}
	}
	b.login(www, nm("demandeuse"), userPassword)
	b.open(courseURL)
	p = b.look("trainer-offer-block-deployed")
	if !strings.Contains(p.Text, "déployée") {
		t.Errorf("trainer's requests after deployment: %s", excerpt(p.Text, 0))
	}
	b.act(`document.querySelector('[data-block="bridge_offer"] .block-bridge-offer-mine a').click()`)
	p = b.look("trainer-deployed-course")
	if p.Heading != "Écrire au cycle 2 (académie)" || strings.Contains(p.URL, "enrol/") {
		t.Errorf("the requester cannot open the deployed course: %s heading %q", p.URL, p.Heading)
	}

	// Asked again, refused with a reason the trainer reads.
	b.open(fmt.Sprintf("%s/blocks/bridge_offer/action.php?courseid=%d&step=detail&offerid=%d", www, course, offerID))
	b.act(fmt.Sprintf(`(() => { const f = document.querySelector('form.block-bridge-offer-request');
	  f.shortname.value = %q; f.querySelector('button[type=submit]').click(); })()`, nm("E2E-BOFR-BIS")))
	b.login(www, adminUser, adminPassword)
	b.open(www + "/blocks/bridge_offer/action.php?courseid=" + fmt.Sprint(course))
	b.act(`document.querySelector('table.block-bridge-offer-requests button[value=reject]').click()`)
	p = b.look("admin-offer-reject-noreason")
	if !strings.Contains(strings.Join(p.Alerts, " "), "a reason is required") {
		t.Errorf("reject without a reason: alerts %v", p.Alerts)
	}
	b.act(`(() => { document.querySelector('table.block-bridge-offer-requests input[name=reason]').value = 'Déjà déployé dans l\'académie';
	  document.querySelector('table.block-bridge-offer-requests button[value=reject]').click(); })()`)
	p = b.look("admin-offer-rejected")
	if !strings.Contains(strings.Join(p.Alerts, " "), "rejected") {
		t.Errorf("reject: alerts %v", p.Alerts)
	}
	b.login(www, nm("demandeuse"), userPassword)
	b.open(www + "/blocks/bridge_offer/action.php?courseid=" + fmt.Sprint(course))
	p = b.look("trainer-offer-rejected")
	if !strings.Contains(p.Text, "refusée") || !strings.Contains(p.Text, "Déjà déployé dans l'académie") {
		t.Errorf("the trainer does not read the refusal: %s", excerpt(p.Text, strings.Index(p.Text, "Vos demandes")))
	}
}
