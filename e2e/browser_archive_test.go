package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/moodle"
)

// TestBrowserArchive archives a session from the workflow block and
// unarchives it, as a French trainer on the real site: archiving asks
// first on Moodle's confirmation page, the block follows the job to
// "Session archivée" with the course frozen in Moodle, and "Désarchiver la
// session" brings it back open.
func TestBrowserArchive(t *testing.T) {
	e := newEnv(t, real, "")
	_, course := e.sessionCourse("academie", nm("E2E-BARCH"))
	blocks, fullname := e.browserSetup("academie", fmt.Sprint(course))
	if len(blocks) != 4 {
		t.Fatalf("blocks on the course page: %v", blocks)
	}
	trainer := e.browserUser("academie", nm("archiviste"), "Fanny", "FORMATRICE", "fr")
	if err := e.tg.site("academie").client.EnrolUsers(e.ctx, []moodle.Enrolment{
		{RoleID: 3, UserID: moodle.Int(trainer), CourseID: moodle.Int(course)}}); err != nil {
		t.Fatal(err)
	}
	e.browserSetup("academie", "prefs", fmt.Sprint(trainer))
	addr := e.serve()
	e.siteConfig("academie", "local_bridge", "bridgeurl", "http://"+addr)
	e.siteConfig("academie", "local_bridge", "domain", "academie")
	e.siteConfig("academie", "local_bridge", "sharedsecret", "e2e-secret-academie-0123456789abcdef0123456789")
	www := e.tg.site("academie").url
	courseURL := fmt.Sprintf("%s/course/view.php?id=%d", www, course)
	b := newBrowser(t)
	b.login(www, nm("archiviste"), userPassword)
	b.open(courseURL)
	p := b.look("archive-course")
	if !strings.Contains(p.Text, "Archiver la session") || strings.Contains(p.Text, "Désarchiver") {
		t.Fatalf("the workflow block does not offer archiving a session: %s", excerpt(p.Text, 0))
	}
	transition := func(name string) {
		b.act(fmt.Sprintf(`document.querySelector('[data-block="bridge_workflow"] form input[name=transition][value=%q]').form.submit()`, name))
	}
	// Archiving asks first; Cancel archives nothing.
	transition("archive")
	p = b.look("archive-confirm")
	if p.Heading != fullname || !strings.Contains(p.Text, "Archiver « "+fullname+" » ?") {
		t.Errorf("archive confirmation: heading %q text %s", p.Heading, excerpt(p.Text, 0))
	}
	b.act(`[...document.querySelectorAll('form button, form input[type=submit]')].find(x => /Continue|Continuer/.test(x.innerText || x.value)).click()`)
	p = b.look("archive-submitted")
	if !strings.Contains(strings.Join(p.Alerts, " "), "Demande envoyée : Archiver la session") {
		t.Errorf("archive: alerts %v", p.Alerts)
	}
	waitState := func(label, shot string) page {
		t.Helper()
		deadline := time.Now().Add(2 * time.Minute)
		for {
			b.open(courseURL)
			p := b.look(shot)
			if strings.Contains(p.Text, "État : "+label) {
				return p
			}
			if time.Now().After(deadline) {
				t.Fatalf("the course never reached %q: %s", label, excerpt(p.Text, strings.Index(p.Text, "Gestion des parcours")))
			}
			time.Sleep(2 * time.Second)
		}
	}
	p = waitState("Session archivée", "archive-done")
	if db := e.realDB("academie"); db != nil {
		if n := db.count("SELECT COUNT(*) FROM mdl_context WHERE contextlevel = 50 AND instanceid = ? AND locked = 1", course); n != 1 {
			t.Errorf("the archived course is not frozen in Moodle")
		}
	}
	if !strings.Contains(p.Text, "Désarchiver la session") {
		t.Fatalf("no unarchive on the archived session: %s", b.str(`(() => { const blk = document.querySelector('[data-block="bridge_workflow"]');
		  blk.querySelectorAll('details').forEach(d => d.open = true); return blk.innerText; })()`))
	}
	transition("unarchive")
	p = b.look("unarchive-submitted")
	if !strings.Contains(strings.Join(p.Alerts, " "), "Demande envoyée : Désarchiver la session") {
		t.Errorf("unarchive: alerts %v", p.Alerts)
	}
	p = waitState("Session en préparation", "unarchive-done")
	if db := e.realDB("academie"); db != nil {
		if n := db.count("SELECT COUNT(*) FROM mdl_context WHERE contextlevel = 50 AND instanceid = ? AND locked = 1", course); n != 0 {
			t.Errorf("the unarchived course is still frozen")
		}
	}
	for _, raw := range []string{"archive.course", "archive.unarchive", "(409)", "(500)"} {
		if strings.Contains(p.Text, raw) {
			t.Errorf("the block shows %q", raw)
		}
	}
}
