package e2e

import (
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/moodle"
)

// The académie's certificate issuer in the done-when scenario's configuration.
const issuerConfig = "    display_name: Académie de test\n    certificate:\n      service: Délégation académique à la formation\n" +
	"      signatory: Marie DUPONT\n      signatory_title: Déléguée académique à la formation\n      city: Rennes\n"

// TestBrowserWorkflow is the "done when": an académie's gestionnaire
// (a site administrator with a French profile) runs the whole workflow from
// Moodle alone on the real sites: finds a parcours in the offer, requests
// it, approves it, follows its deployment, creates a session from the new
// parcours, enrols participants by CSV, opens the session, follows it,
// marks "Formation terminée", downloads a certificate and archives the
// session. No screen shows a raw id, an HTTP code or English of the
// blocks. Blocks are added to new courses by the site's CLI (as "Add a
// block" would).
func TestBrowserWorkflow(t *testing.T) {
	e := newEnv(t, real, issuerConfig)
	orig := e.demoParcours("E2E-BWF", "Écrire au cycle 2")
	e.bootstrap("national")
	e.shareOffer(orig)
	_, host := e.sessionCourse("academie", nm("E2E-BWF-HOST"))
	e.browserSetup("academie", fmt.Sprint(host))
	gest := e.browserUser("academie", nm("gestionnaire"), "Gaëlle", "GESTIONNAIRE", "fr")
	e.browserSetup("academie", "siteadmin", fmt.Sprint(gest))
	e.browserSetup("academie", "prefs", fmt.Sprint(gest))
	e.user("academie", "e2e.wf.alice", "wf-alice@ac-a.fr", "Alice", "ALICE")
	e.user("academie", "e2e.wf.bob", "wf-bob@ac-a.fr", "Bob", "BERNARD")
	addr := e.serve()
	e.siteConfig("academie", "local_bridge", "bridgeurl", "http://"+addr)
	e.siteConfig("academie", "local_bridge", "domain", "academie")
	e.siteConfig("academie", "local_bridge", "sharedsecret", "e2e-secret-academie-0123456789abcdef0123456789")
	www := e.tg.site("academie").url
	b := newBrowser(t)
	look := func(shot string) page {
		t.Helper()
		p := b.look("wf-" + shot)
		for _, raw := range []string{"moodle:academie", "540 min", " min)", "(400)", "(403)", "(404)", "(409)", "(500)", "HTTP",
			"127.0.0.1:", "workflow.", "offer.deploy", "archive.course", "enrol.apply", "[remote_minutes", "Requests waiting",
			"Your requests", "Open what it made", "Course offer"} {
			if strings.Contains(p.Text, raw) {
				t.Errorf("%s shows %q: %s", shot, raw, excerpt(p.Text, strings.Index(p.Text, raw)))
			}
		}
		return p
	}
	// waitLine waits (without reloading) for the job line of a block to end, and returns its result link.
	waitLine := func(block, what string) string {
		t.Helper()
		deadline := time.Now().Add(3 * time.Minute)
		for time.Now().Before(deadline) {
			if href := b.str(fmt.Sprintf(`(document.querySelector('%s .local-bridge-jobs li[data-running="0"] a[href*="course/view.php"]') || {href: ''}).href`, block)); href != "" {
				return href
			}
			time.Sleep(500 * time.Millisecond)
		}
		look(what + "-timeout")
		t.Fatalf("%s: the job line did not end with a link", what)
		return ""
	}
	courseID := regexp.MustCompile(`id=(\d+)`)

	// 1. The offer: search, the detail, the request.
	b.login(www, nm("gestionnaire"), userPassword)
	b.open(fmt.Sprintf("%s/course/view.php?id=%d", www, host))
	b.act(`(() => { const f = document.querySelector('[data-block="bridge_offer"] form[method="get"]');
	  f.q.value = 'écrire'; f.querySelector('button[type=submit]').click(); })()`)
	look("offer-search")
	b.act(`document.querySelector('table.block-bridge-offer-results a').click()`)
	look("offer-detail")
	short := nm("E2E-BWF-AC")
	b.act(fmt.Sprintf(`(() => { const f = document.querySelector('form.block-bridge-offer-request');
	  f.name.value = 'Écrire au cycle 2 (académie)'; f.shortname.value = %q; f.querySelector('button[type=submit]').click(); })()`, short))
	p := look("offer-requested")
	if !strings.Contains(strings.Join(p.Alerts, " "), "est envoyée") {
		t.Fatalf("request: %v", p.Alerts)
	}
	// 2. Approve: the request is listed under the gestionnaire's own name; the deployment runs.
	if !strings.Contains(p.Text, "Gaëlle GESTIONNAIRE") {
		t.Errorf("pending request without the requester's name: %s", excerpt(p.Text, strings.Index(p.Text, "Demandes à traiter")))
	}
	b.act(`document.querySelector('table.block-bridge-offer-requests button[value=approve]').click()`)
	look("offer-approved")
	parcoursURL := waitLine("", "deploy")
	m := courseID.FindStringSubmatch(parcoursURL)
	if m == nil {
		t.Fatalf("deployment link %q", parcoursURL)
	}
	e.browserSetup("academie", m[1])

	// 3. Sessions from the new parcours: the calendar checked first, then created.
	b.open(parcoursURL)
	p = look("parcours")
	if p.Heading != "Écrire au cycle 2 (académie)" || !strings.Contains(p.Text, "Parcours en construction") {
		t.Errorf("deployed parcours: heading %q: %s", p.Heading, excerpt(p.Text, strings.Index(p.Text, "Gestion des parcours")))
	}
	b.act(`(() => { const f = document.querySelector('[data-block="bridge_workflow"] form input[name=transition][value="create-sessions"]').form;
	  f.name.value = 'Écrire au cycle 2 — session de janvier'; f.start.value = '2027-01-11'; f.end.value = '2027-01-29';
	  f.participants.value = '2'; f.max.value = '1'; f.querySelector('button[type=submit]').click(); })()`)
	look("sessions-plan")
	b.act(`[...document.querySelectorAll('form button[type=submit]')].find(x => /Créer les sessions/.test(x.innerText)).click()`)
	look("sessions-submitted")
	sessionURL := waitLine(`[data-block="bridge_workflow"]`, "sessions")
	m = courseID.FindStringSubmatch(sessionURL)
	if m == nil {
		t.Fatalf("session link %q", sessionURL)
	}
	session := m[1]
	e.browserSetup("academie", session)

	// 4. Enrolment by CSV (filepicker, preview, confirm).
	b.open(sessionURL)
	look("session")
	csvPath := filepath.Join(t.TempDir(), "inscrits.csv")
	os.WriteFile(csvPath, []byte("email;nom;prenom\nwf-alice@ac-a.fr;ALICE;Alice\nwf-bob@ac-a.fr;BERNARD;Bob\n"), 0o644)
	b.act(`document.querySelector('[data-block="bridge_csv"] a[href*="bridge_csv/action.php"]').click()`)
	look("csv-upload")
	b.uploadCSV(csvPath)
	var roles []string
	b.eval(`[...document.querySelectorAll('#id_role option')].map(o => o.value + '=' + o.innerText)`, &roles)
	if strings.Join(roles, ",") != "participant=Participant,tuteur=Tuteur,formateur=Formateur" {
		t.Errorf("CSV role choices: %v", roles)
	}
	// Split across the two sessions, one participant each.
	if b.str(`[...document.querySelectorAll('#id_sessions option')].find(o => /groupe 2\/2/.test(o.innerText)) ? 'yes' : ''`) == "" {
		t.Fatalf("CSV form: the other session of the parcours is not offered: %s", b.str(`(document.querySelector('#id_sessions') || {innerText: 'no list'}).innerText`))
	}
	b.eval(`(() => { [...document.querySelectorAll('#id_sessions option')].find(o => /groupe 2\/2/.test(o.innerText)).selected = true;
	  document.querySelector('#id_maxpersession').value = '1'; })()`, nil)
	b.act(`document.querySelector('#id_submitbutton').click()`)
	p = look("csv-preview")
	if !strings.Contains(p.Text, "(groupe 1/2)") || !strings.Contains(p.Text, "(groupe 2/2)") {
		t.Errorf("the split preview does not say each row's session: %s", excerpt(p.Text, 0))
	}
	if !strings.Contains(p.Text, "Rôle attribué : Participant") {
		t.Errorf("the CSV preview does not say the role given: %s", excerpt(p.Text, 0))
	}
	b.act(`[...document.querySelectorAll('form button[type=submit]')].find(x => /Inscrire 2 participant/.test(x.innerText)).click()`)
	p = look("csv-submitted")
	if !strings.Contains(strings.Join(p.Alerts, " "), "Inscription lancée") {
		t.Fatalf("CSV enrolment: %v", p.Alerts)
	}
	waitEnrolled := time.Now().Add(2 * time.Minute)
	for len(e.enrolledIDs(session)) < 2 && time.Now().Before(waitEnrolled) {
		time.Sleep(time.Second)
	}

	// 4b. Removing the absent keeps the safeguards: a file that would remove half of the participants removes
	// nobody, and the preview says so.
	onlyAlice := filepath.Join(t.TempDir(), "seule.csv")
	os.WriteFile(onlyAlice, []byte("email;nom;prenom\nwf-bob@ac-a.fr;BERNARD;Bob\n"), 0o644)
	b.open(sessionURL)
	b.act(`document.querySelector('[data-block="bridge_csv"] a[href*="bridge_csv/action.php"]').click()`)
	b.uploadCSV(onlyAlice)
	b.eval(`document.querySelector('#id_removeabsent').checked = true`, nil)
	b.act(`document.querySelector('#id_submitbutton').click()`)
	p = look("csv-remove-held")
	if !strings.Contains(p.Text, "1 personne(s) absente(s) du fichier sont conservées") || !strings.Contains(p.Text, "wf-alice@ac-a.fr") {
		t.Errorf("remove-absent preview does not show the held removal: %s", excerpt(p.Text, 0))
	}
	if strings.Contains(p.Text, "absent_from_file") {
		t.Errorf("the preview shows a raw reason code: %s", excerpt(p.Text, strings.Index(p.Text, "absent_from_file")))
	}
	if n := len(e.enrolledIDs(session)); n < 2 {
		t.Errorf("a preview removed people: %d enrolled", n)
	}

	// 5. Open the session: the block says what the description lacks (no raw key), the gestionnaire completes it.
	b.open(sessionURL)
	if text := b.str(`(() => { const blk = document.querySelector('[data-block="bridge_workflow"]');
	  blk.querySelectorAll('details').forEach(d => d.open = true); return blk.innerText; })()`); strings.Contains(text, "objectives") ||
		strings.Contains(text, "« create-parcours »") {
		t.Errorf("the workflow block shows raw keys: %s", text)
	}
	b.act(`(() => { const f = document.querySelector('[data-block="bridge_workflow"] form input[name=transition][value="set-metadata"]').form;
	  f.objectives.value = 'Écrire au cycle 2'; f.submit(); })()`)
	look("set-metadata")
	deadlineMeta := time.Now().Add(time.Minute)
	for b.str(`document.querySelector('[data-block="bridge_workflow"] form input[name=transition][value="open"]') ? 'yes' : ''`) == "" &&
		time.Now().Before(deadlineMeta) {
		time.Sleep(time.Second)
		b.open(sessionURL)
	}
	if b.str(`document.querySelector('[data-block="bridge_workflow"] form input[name=transition][value="open"]') ? 'yes' : ''`) == "" {
		t.Fatalf("the session cannot be opened (enrolled %v): %s", e.enrolledIDs(session), b.str(`(() => { const blk = document.querySelector('[data-block="bridge_workflow"]');
		  blk.querySelectorAll('details').forEach(d => d.open = true); return blk.innerText; })()`))
	}
	b.act(`document.querySelector('[data-block="bridge_workflow"] form input[name=transition][value="open"]').form.submit()`)
	p = look("open-submitted")
	if !strings.Contains(strings.Join(p.Alerts, " "), "Demande envoyée : Ouvrir la session") {
		t.Fatalf("open: %v", p.Alerts)
	}
	waitState := func(label, shot string) {
		t.Helper()
		deadline := time.Now().Add(2 * time.Minute)
		for {
			b.open(sessionURL)
			p := look(shot)
			if strings.Contains(p.Text, "État : "+label) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the session never reached %q: %s", label, excerpt(p.Text, strings.Index(p.Text, "Gestion des parcours")))
			}
			time.Sleep(2 * time.Second)
		}
	}
	waitState("Session en cours", "opened")

	// 6. Follow, mark "Formation terminée", and a certificate with the académie's name and signatory.
	b.act(`document.querySelector('[data-block="bridge_tracking"] a[href*="step=list"]').click()`)
	p = look("tracking-list")
	if !strings.Contains(p.Text, "Alice ALICE") || !strings.Contains(p.Text, "Retirer « Formation terminée »") {
		t.Errorf("tracking page: %s", excerpt(p.Text, 0))
	}
	alice := e.users("academie", "email", "wf-alice@ac-a.fr")[0].ID
	b.eval(fmt.Sprintf(`document.querySelector('input[name="userids[]"][value="%d"]').checked = true`, alice), nil)
	b.act(`document.querySelector('button[name=step][value=mark]').click()`)
	p = look("marked")
	if !strings.Contains(strings.Join(p.Alerts, " "), "Enregistré") {
		t.Errorf("mark: %v", p.Alerts)
	}
	pdf := b.certificateDownload(int64(alice))
	if text := pdfText(t, b.shots, pdf.Type, pdf.Data); text != "" {
		for _, want := range []string{"Académie de test", "Délégation académique à la formation", "Alice ALICE",
			"Je soussigné(e), Marie DUPONT", "Fait à Rennes, le", "du 11/01/2027 au 29/01/2027"} {
			if !strings.Contains(text, want) {
				t.Errorf("certificate lacks %q:\n%s", want, text)
			}
		}
	}

	// 7. Archive the session (asked first).
	b.open(sessionURL)
	b.act(`document.querySelector('[data-block="bridge_workflow"] form input[name=transition][value="archive"]').form.submit()`)
	look("archive-confirm")
	b.act(`[...document.querySelectorAll('form button, form input[type=submit]')].find(x => /Continue|Continuer/.test(x.innerText || x.value)).click()`)
	look("archive-submitted")
	waitState("Session archivée", "archived")
}

// enrolledIDs are the users enrolled in a course of the academie site.
func (e *env) enrolledIDs(course string) []int64 {
	var users []struct {
		ID int64 `json:"id"`
	}
	var id int64
	fmt.Sscan(course, &id)
	if err := e.tg.site("academie").client.Call(e.ctx, "core_enrol_get_enrolled_users", moodle.Params{"courseid": id}, &users); err != nil {
		return nil
	}
	out := make([]int64, 0, len(users))
	for _, u := range users {
		out = append(out, u.ID)
	}
	return out
}

// pdfText checks a downloaded certificate is a PDF, keeps it beside the
// screenshots and returns its text (pdftotext).
func pdfText(t *testing.T, dir, typ, data string) string {
	t.Helper()
	if !strings.HasPrefix(typ, "application/pdf") {
		t.Errorf("certificate download: content type %q", typ)
		return ""
	}
	raw, err := decodeB64(data)
	if err != nil {
		t.Errorf("certificate: %v", err)
		return ""
	}
	path := filepath.Join(dir, "wf-certificate.pdf")
	os.WriteFile(path, raw, 0o644)
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Errorf("pdftotext: %v", err)
		return ""
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

func decodeB64(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }
