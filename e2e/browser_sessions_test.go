package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/moodle"
)

// planForm fills the session-planning form on the page (the block's on the
// course page, the planning page's after) and clicks "Vérifier le
// calendrier".
func (b *browser) planForm(name, start, end, participants, max, virtual string) {
	b.t.Helper()
	b.act(fmt.Sprintf(`(() => {
	  const f = [...document.querySelectorAll('form')].find(f => f.transition && f.transition.value === 'create-sessions' && !f.confirm);
	  f.name.value = %q; f.start.value = %q; f.end.value = %q; f.participants.value = %q; f.max.value = %q;
	  f.virtualclasses.value = %q;
	  [...f.querySelectorAll('button[type=submit]')].find(x => /Vérifier le calendrier/.test(x.innerText)).click(); })()`,
		name, start, end, participants, max, virtual))
}

// planned reads the planning page: the notifications with their kind, and
// what the form holds.
type planned struct {
	Warnings []string          `json:"warnings"`
	Infos    []string          `json:"infos"`
	Errors   []string          `json:"errors"`
	Success  []string          `json:"success"`
	Values   map[string]string `json:"values"`
	CanMake  bool              `json:"canmake"`
}

const readPlan = `(() => {
  const texts = sel => [...document.querySelectorAll(sel)].map(a => a.innerText.trim());
  const f = [...document.querySelectorAll('form')].find(f => f.transition && f.transition.value === 'create-sessions' && !f.confirm);
  const values = {};
  if (f) for (const k of ['name', 'start', 'end', 'participants', 'max', 'virtualclasses']) values[k] = f[k].value;
  return {warnings: texts('.alert-warning'), infos: texts('.alert-info'), errors: texts('.alert-danger, .alert-error'),
    success: texts('.alert-success'), values,
    canmake: [...document.querySelectorAll('form button[type=submit]')].some(x => /Créer les sessions/.test(x.innerText))};
})()`

// TestBrowserPlanSessions: in the workflow block, a trainer planning
// sessions sees the calendar warnings before anything is created, as a
// warning (never a green box), beyond the data as calendar_unknown; a
// refused creation keeps what was typed; the confirmed plan is sent.
// Zone B (the academie site of the suite), school year 2026/2027.
func TestBrowserPlanSessions(t *testing.T) {
	e := newEnv(t, real, "")
	parc := e.parcours("academie", "E2E-PLAN")
	pc := e.course("academie", parc)
	if pc == nil {
		t.Fatalf("parcours %s not made", parc)
	}
	course := pc.ID
	e.browserSetup("academie", fmt.Sprint(course))
	trainer := e.browserUser("academie", nm("planif"), "Paule", "PLANIF", "fr")
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
	b := newBrowser(t)
	b.login(www, nm("planif"), userPassword)
	b.open(fmt.Sprintf("%s/course/view.php?id=%d", www, course))
	p := b.look("plan-course")
	if !strings.Contains(p.Text, "Vérifier le calendrier") {
		t.Fatalf("the workflow block offers no calendar check:\n%s", excerpt(p.Text, 0))
	}
	read := func() planned {
		t.Helper()
		var got planned
		b.eval(readPlan, &got)
		return got
	}
	noSession := func(when string) {
		t.Helper()
		if e.course("academie", parc+"-S1") != nil {
			t.Fatalf("%s: a session exists before \"Créer les sessions\"", when)
		}
	}

	// Friday 18 December 2026, the eve of Noël (zone B: 19/12/2026 to
	// 03/01/2027), and an evening virtual class in the holidays.
	b.planForm("Lecture", "2026-12-18", "2027-01-29", "50", "25", "21/12/2026 19:30\n12/01/2027 14:00")
	p = b.look("plan-check-noel")
	got := read()
	warn := strings.Join(got.Warnings, "\n")
	for _, want := range []string{"vendredi", "Vacances de Noël", "Classe virtuelle du 21/12/2026 19:30 hors des heures ouvrées",
		"Classe virtuelle du 21/12/2026 19:30 pendant les vacances scolaires"} {
		if !strings.Contains(warn, want) {
			t.Errorf("Noël plan: no %q in the warnings %q", want, got.Warnings)
		}
	}
	if strings.Contains(warn, "12/01/2027") || len(got.Success) != 0 {
		t.Errorf("Noël plan: warnings %q, success %q", got.Warnings, got.Success)
	}
	if got.Values["name"] != "Lecture" || got.Values["start"] != "2026-12-18" || got.Values["end"] != "2027-01-29" ||
		got.Values["participants"] != "50" || got.Values["max"] != "25" || got.Values["virtualclasses"] != "21/12/2026 19:30\n12/01/2027 14:00" ||
		!got.CanMake || !strings.Contains(p.Text, "2 session(s)") {
		t.Errorf("Noël plan: form %v, can create %v, text %s", got.Values, got.CanMake, excerpt(p.Text, 0))
	}
	noSession("after the check")

	// Beyond the data: never silent.
	b.planForm("Lecture", "2028-09-04", "2028-10-13", "50", "25", "")
	b.look("plan-check-unknown")
	got = read()
	if want := "calendrier scolaire inconnu pour le 04/09/2028 (zone B) : mettre à jour les données"; !strings.Contains(strings.Join(got.Warnings, "\n"), want) {
		t.Errorf("beyond the data: warnings %q, want %q", got.Warnings, want)
	}

	// A slot the bridge cannot read: said in a sentence, the typing kept,
	// nothing to create.
	b.planForm("Lecture", "2027-01-11", "2027-01-29", "50", "25", "lundi 9h")
	b.look("plan-bad-slot")
	got = read()
	if !strings.Contains(strings.Join(got.Errors, "\n"), "JJ/MM/AAAA HH:MM") || got.Values["virtualclasses"] != "lundi 9h" || got.CanMake {
		t.Errorf("bad slot: errors %q, form %v, can create %v", got.Errors, got.Values, got.CanMake)
	}

	// The end before the start: the bridge refuses the creation; the page
	// says why and the form still holds what was typed.
	b.planForm("Lecture à l'envers", "2028-09-04", "2028-09-01", "50", "25", "")
	b.act(`[...document.querySelectorAll('form button[type=submit]')].find(x => /Créer les sessions/.test(x.innerText)).click()`)
	b.look("plan-refused")
	got = read()
	if !strings.Contains(strings.Join(got.Errors, "\n"), "précède le début") || got.Values["name"] != "Lecture à l'envers" ||
		got.Values["start"] != "2028-09-04" || got.Values["end"] != "2028-09-01" || got.Values["participants"] != "50" {
		t.Errorf("refused: errors %q, form %v", got.Errors, got.Values)
	}
	noSession("after a refusal")

	// A quiet plan: an information, not a success box.
	b.planForm("Lecture", "2027-01-11", "2027-01-29", "20", "25", "12/01/2027 14:00")
	b.look("plan-check-quiet")
	got = read()
	if len(got.Warnings) != 0 || len(got.Success) != 0 || !strings.Contains(strings.Join(got.Infos, "\n"), "Aucune alerte du calendrier") || !got.CanMake {
		t.Errorf("quiet plan: warnings %q, success %q, infos %q, can create %v", got.Warnings, got.Success, got.Infos, got.CanMake)
	}
	// The checked values are the ones sent, the slots with them: the
	// evening class is still a warning once the request is accepted.
	b.planForm("Lecture", "2027-01-11", "2027-01-29", "20", "25", "12/01/2027 19:00")
	b.look("plan-check-evening")
	b.act(`[...document.querySelectorAll('form button[type=submit]')].find(x => /Créer les sessions/.test(x.innerText)).click()`)
	p = b.look("plan-created")
	var sent planned
	b.eval(readPlan, &sent)
	if !strings.Contains(p.URL, "/course/view.php") || !strings.Contains(strings.Join(sent.Warnings, "\n"), "Demande envoyée : Créer des sessions") ||
		!strings.Contains(strings.Join(sent.Warnings, "\n"), "Classe virtuelle du 12/01/2027 19:00 hors des heures ouvrées") || len(sent.Success) != 0 {
		t.Errorf("created: %s warnings %q success %q", p.URL, sent.Warnings, sent.Success)
	}
}
