package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/moodle"
)

// TestBrowserCSVAuthAndModals: on the real site, as a French trainer, the
// CSV block of a domain that creates unknown people offers the login
// method of the created accounts (its create_auth first, then its
// create_auths), the preview says which one the accounts get, a method the
// domain does not allow is refused in one sentence, and the job creates the
// account with the chosen method. Removing the absent, trash and archiving
// ask in Moodle's modal first: Cancel changes nothing, confirming acts
// (trash is only cancelled here; TestBrowserArchive keeps the no-JavaScript
// path, the confirmation page).
func TestBrowserCSVAuthAndModals(t *testing.T) {
	e := newEnv(t, real, "    unknown_users: create\n    create_auth: shibboleth\n    create_auths: [manual]\n")
	_, course := e.sessionCourse("academie", nm("E2E-BAUTH"))
	_, fullname := e.browserSetup("academie", fmt.Sprint(course))
	trainer := e.browserUser("academie", nm("auth-formatrice"), "Fanny", "FORMATRICE", "fr")
	site := e.tg.site("academie")
	enrols := []moodle.Enrolment{{RoleID: 3, UserID: moodle.Int(trainer), CourseID: moodle.Int(course)}}
	var emails []string
	for i := 1; i <= 6; i++ {
		email := strings.ToLower(nm(fmt.Sprintf("auth-p%d", i))) + "@ac-a.fr"
		id := e.user("academie", nm(fmt.Sprintf("e2e.auth.p%d", i)), email, "Prénom", fmt.Sprintf("PERSONNE%d", i))
		enrols = append(enrols, moodle.Enrolment{RoleID: 5, UserID: moodle.Int(id), CourseID: moodle.Int(course)})
		emails = append(emails, email)
	}
	if err := site.client.EnrolUsers(e.ctx, enrols); err != nil {
		t.Fatal(err)
	}
	e.browserSetup("academie", "prefs", fmt.Sprint(trainer))
	addr := e.serve()
	e.siteConfig("academie", "local_bridge", "bridgeurl", "http://"+addr)
	e.siteConfig("academie", "local_bridge", "domain", "academie")
	e.siteConfig("academie", "local_bridge", "sharedsecret", "e2e-secret-academie-0123456789abcdef0123456789")
	courseURL := fmt.Sprintf("%s/course/view.php?id=%d", site.url, course)
	b := newBrowser(t)
	b.login(site.url, nm("auth-formatrice"), userPassword)

	// The file keeps five of the six participants and adds someone without an account.
	nina := strings.ToLower(nm("auth-nina")) + "@ac-a.fr"
	var csv strings.Builder
	csv.WriteString("email;nom;prenom\n")
	for _, m := range emails[:5] {
		fmt.Fprintf(&csv, "%s;PERSONNE;Prénom\n", m)
	}
	fmt.Fprintf(&csv, "%s;NOUVELLE;Nina\n", nina)
	csvPath := filepath.Join(t.TempDir(), "auth.csv")
	os.WriteFile(csvPath, []byte(csv.String()), 0o644)

	b.open(courseURL)
	b.act(`document.querySelector('[data-block="bridge_csv"] a[href*="bridge_csv/action.php"]').click()`)
	b.uploadCSV(csvPath)
	var auths []string
	b.eval(`[...document.querySelectorAll('#id_auth option')].map(o => o.value + '=' + o.innerText)`, &auths)
	if strings.Join(auths, ",") != "shibboleth=Shibboleth,manual=Compte manuel" {
		t.Errorf("login methods offered: %v", auths)
	}
	if label := b.str(`(document.querySelector('label[for="id_auth"]') || {innerText: ''}).innerText.trim()`); label != "Méthode de connexion des comptes créés" {
		t.Errorf("the login method's label: %q", label)
	}
	// Shown only when creating the accounts.
	visible := `(() => { const s = document.querySelector('#id_auth'); return s && s.offsetParent !== null ? 'yes' : 'no'; })()`
	if v := b.str(visible); v != "no" {
		t.Errorf("the login method is shown while unknown people are rejected")
	}
	b.eval(`(() => { const u = document.querySelector('#id_unknown'); u.value = 'create'; u.dispatchEvent(new Event('change', {bubbles: true})); })()`, nil)
	b.waitFor(`document.querySelector('#id_auth').offsetParent !== null`, "the login method once create is chosen")
	b.eval(`(() => { document.querySelector('#id_auth').value = 'manual'; document.querySelector('#id_removeabsent').checked = true; })()`, nil)
	b.look("auth-upload")
	b.act(`document.querySelector('#id_submitbutton').click()`)
	p := b.look("auth-preview")
	if !strings.Contains(p.Text, "Comptes créés avec : Compte manuel") {
		t.Errorf("the preview does not say the login method: %s", excerpt(p.Text, 0))
	}
	previewURL := b.str("location.href")

	// A method the domain does not allow (a hand-made URL): one sentence, nothing else.
	b.open(strings.Replace(previewURL, "auth=manual", "auth=cas", 1))
	p = b.look("auth-refused")
	if a := strings.Join(p.Alerts, " "); !strings.HasPrefix(a, "La méthode de connexion « cas » n'est pas permise par l'académie") {
		t.Errorf("auth=cas: alerts %v", p.Alerts)
	}
	b.open(previewURL)

	// Removing the absent asks in a modal; Cancel keeps everything.
	confirmButton := `[...document.querySelectorAll('form button[type=submit]')].find(x => /Inscrire 1 participant/.test(x.innerText))`
	modal := `document.querySelector('.modal.show .modal-dialog')`
	b.eval(confirmButton+`.click()`, nil)
	b.waitFor(modal, "the removal's modal")
	p = b.look("auth-remove-modal")
	modalText := b.str(`document.querySelector('.modal.show').innerText`)
	if !strings.Contains(modalText, "Désinscrire de « "+fullname+" » 1 personne(s) absente(s) du fichier ?") {
		t.Errorf("removal modal: %q", modalText)
	}
	b.eval(`document.querySelector('.modal.show [data-action="cancel"]').click()`, nil)
	b.waitFor(`!document.querySelector('.modal.show')`, "the modal to close")
	time.Sleep(time.Second)
	if u := b.str("location.href"); u != previewURL {
		t.Errorf("Cancel left the preview: %s", u)
	}
	if n := len(e.enrolledIDs(fmt.Sprint(course))); n != 7 || len(e.users("academie", "email", nina)) != 0 {
		t.Errorf("after Cancel: %d enrolled (want the 7 of before), or the new account was made", n)
	}
	b.eval(confirmButton+`.click()`, nil)
	b.waitFor(modal, "the removal's modal again")
	b.act(`document.querySelector('.modal.show [data-action="save"]').click()`)
	p = b.look("auth-submitted")
	if !strings.Contains(strings.Join(p.Alerts, " "), "Inscription lancée") {
		t.Fatalf("CSV enrolment after the modal: %v", p.Alerts)
	}
	var created []rawUser
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(time.Second) {
		if created = e.users("academie", "email", nina); len(created) == 1 && len(e.enrolledIDs(fmt.Sprint(course))) == 7 {
			break
		}
	}
	if len(created) != 1 || created[0].Auth != "manual" {
		t.Fatalf("the created account: %+v, want auth manual", created)
	}
	if absent := e.users("academie", "email", emails[5]); len(absent) != 1 || contains64(e.enrolledIDs(fmt.Sprint(course)), absent[0].ID) {
		t.Errorf("the person absent from the file is still enrolled")
	}

	// Trash asks in a modal; Cancel sends nothing.
	b.open(courseURL)
	trash := `document.querySelector('[data-block="bridge_workflow"] form input[name=transition][value="trash"]').form.querySelector('button[type=submit]')`
	b.eval(trash+`.click()`, nil)
	b.waitFor(modal, "the trash modal")
	b.look("trash-modal")
	if text := b.str(`document.querySelector('.modal.show').innerText`); !strings.Contains(text, "Mettre « "+fullname+" » à la corbeille ?") ||
		!strings.Contains(text, "Mettre à la corbeille") {
		t.Errorf("trash modal: %q", text)
	}
	b.eval(`document.querySelector('.modal.show [data-action="cancel"]').click()`, nil)
	b.waitFor(`!document.querySelector('.modal.show')`, "the modal to close")
	time.Sleep(time.Second)
	if u := b.str("location.href"); u != courseURL {
		t.Errorf("Cancel left the course page: %s", u)
	}

	// Archiving asks in a modal too; Cancel archives nothing, confirming asks the bridge.
	archive := `document.querySelector('[data-block="bridge_workflow"] form input[name=transition][value="archive"]').form.querySelector('button[type=submit]')`
	b.eval(archive+`.click()`, nil)
	b.waitFor(modal, "the archive modal")
	b.look("archive-modal")
	if text := b.str(`document.querySelector('.modal.show').innerText`); !strings.Contains(text, "Archiver « "+fullname+" » ?") {
		t.Errorf("archive modal: %q", text)
	}
	b.eval(`document.querySelector('.modal.show [data-action="cancel"]').click()`, nil)
	b.waitFor(`!document.querySelector('.modal.show')`, "the modal to close")
	time.Sleep(time.Second)
	if u := b.str("location.href"); u != courseURL {
		t.Errorf("Cancel left the course page: %s", u)
	}
	b.eval(archive+`.click()`, nil)
	b.waitFor(modal, "the archive modal again")
	b.act(`document.querySelector('.modal.show [data-action="save"]').click()`)
	p = b.look("archive-modal-submitted")
	if !strings.Contains(strings.Join(p.Alerts, " "), "Demande envoyée : Archiver la session") {
		t.Errorf("archive after the modal: alerts %v (heading %q)", p.Alerts, p.Heading)
	}
}

func contains64(list []int64, v int64) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
