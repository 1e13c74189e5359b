package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"testing"

	"github.com/magistere/bridge/internal/moodle"
)

// gaiaDropMail replaces the drop fixtures' mail domains so the people are
// new on every run that does not reset the sites.
func gaiaDropMail(academy string) string { return nm("gaia-drop-"+academy) + ".fr" }

// gaiaDrop copies a night of internal/gaia/testdata/drop (the ministry's
// layout: three académies, Windows-1252) into the scenario's drop
// directory, e-mails rewritten.
func (e *env) gaiaDrop(night string) string {
	e.t.Helper()
	drop := filepath.Join(e.dir, "gaia-drop")
	src := filepath.Join("..", "internal", "gaia", "testdata", "drop", night)
	ents, err := os.ReadDir(src)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(drop, night), 0o755); err != nil {
		e.t.Fatal(err)
	}
	for _, ent := range ents {
		raw, err := os.ReadFile(filepath.Join(src, ent.Name()))
		if err != nil {
			e.t.Fatal(err)
		}
		for _, ac := range []string{"a", "b", "c"} {
			raw = bytes.ReplaceAll(raw, []byte("@ac-"+ac+".fr"), []byte("@"+gaiaDropMail(ac)))
			raw = bytes.ReplaceAll(raw, []byte("@AC-"+strings.ToUpper(ac)+".fr"), []byte("@"+gaiaDropMail(ac)))
		}
		if err := os.WriteFile(filepath.Join(drop, night, ent.Name()), raw, 0o600); err != nil {
			e.t.Fatal(err)
		}
	}
	return drop
}

// withGaiaCode makes academie take the drop as académie A05 (gaia_code)
// from drop (gaia.drop_dir).
func (e *env) withGaiaCode(drop string) {
	e.t.Helper()
	raw, err := os.ReadFile(e.config)
	if err != nil {
		e.t.Fatal(err)
	}
	raw = regexp.MustCompile(`(?m)^(  - name: academie\n(?:    .*\n)*?    zone: .*\n)`).ReplaceAll(raw, []byte("${1}    gaia_code: A05\n"))
	raw = append(raw, []byte("gaia:\n  drop_dir: "+drop+"\n  grace: 1h\n")...)
	if err := os.WriteFile(e.config, raw, 0o600); err != nil {
		e.t.Fatal(err)
	}
}

// gaiaInstance lists the e-mails enrolled through a course's GAIA
// enrolment instance (local_bridge_named_enrolment, nothing created).
func (e *env) gaiaInstance(short, session string) []string {
	e.t.Helper()
	c := e.mustCourse("academie", short)
	var out struct {
		InstanceID int64 `json:"instanceid"`
		Members    []struct {
			UserID int64 `json:"userid"`
		} `json:"members"`
	}
	if err := e.tg.site("academie").client.Call(e.ctx, "local_bridge_named_enrolment",
		moodle.Params{"courseid": c.ID, "name": "GAIA " + session, "create": 0}, &out); err != nil {
		e.t.Fatalf("[%s] GAIA instance of %s: %v", e.tg.kind, short, err)
	}
	byID := map[int64]string{}
	for _, u := range e.enrolled("academie", c.ID) {
		byID[int64(u.ID)] = strings.ToLower(u.Email)
	}
	var mails []string
	for _, m := range out.Members {
		mails = append(mails, strings.SplitN(byID[m.UserID], "@", 2)[0])
	}
	sort.Strings(mails)
	return mails
}

var scanSyncLine = regexp.MustCompile(`course \d+ ← GAIA (\S+): (\d+) participant\(s\), (\d+) formateur\(s\), (\d+) change\(s\)`)

// changesOf maps each linked session to its changes in a scan's output.
func changesOf(out string) map[string]string {
	m := map[string]string{}
	for _, s := range scanSyncLine.FindAllStringSubmatch(out, -1) {
		m[s[1]] = s[2] + "p " + s[3] + "f " + s[4] + "c"
	}
	return m
}

// TestGaiaDropScan is issue 21's done-when: the ministry's drop (three
// académies, a national dispositif shared by two, group "01", Windows-1252
// accents, a bad line) is scanned, linked and synced; a second scan of the
// same drop changes nothing; with override, the next night's drop removes
// exactly the trainee who left (from the GAIA enrolment instance), after a
// dry run that changes nothing.
func TestGaiaDropScan(t *testing.T) {
	run(t, "gaia-drop-scan", func(e *env) *state {
		parc := e.parcours("academie", "E2E-GAIAD")
		e.ok("sessions", "create", "--domain", "academie", "--from", parc, "--name", "GAIA",
			"--start", "2027-01-11", "--end", "2027-03-12", "--participants", "30", "--max", "25")
		s1, s2 := parc+"-S1", parc+"-S2"
		e.withUnknownUsers("create")
		e.withGaiaCode(e.gaiaDrop("20270110"))
		const local, national = "26A0050123/45001/1", "26N0990001/77001/1"

		dry := e.ok("gaia", "scan", "--dry-run")
		if !strings.Contains(dry, "drop 20270110: dry run, would import") || strings.Contains(e.ok("gaia", "status", "--domain", "academie"), "file ") {
			e.t.Errorf("[%s] dry-run scan:\n%s", e.tg.kind, dry)
		}
		out := e.ok("gaia", "scan")
		for _, want := range []string{"drop 20270110: imported", "A05_Stagiaires_20270110.csv: stagiaires, 5 row(s) (windows-1252, ministry layout), 1 bad line(s)",
			"A12_Stagiaires_20270110.csv: stagiaires, 1 national row(s)", "3 session(s) (1 national), 6 participant(s), 3 formateur(s)",
			`"jerome.dupont@`} {
			if !strings.Contains(out, want) {
				e.t.Errorf("[%s] scan: no %q in:\n%s", e.tg.kind, want, out)
			}
		}
		// Linking is validated: a parcours is not a session, GAIA has no group 9.
		if r := e.bridge("gaia", "link", "--domain", "academie", "--course", parc, "--session", local); r.code == 0 || !strings.Contains(r.stderr, "not a session") {
			e.t.Errorf("[%s] link to a parcours: exit %d\n%s%s", e.tg.kind, r.code, r.stdout, r.stderr)
		}
		if r := e.bridge("gaia", "link", "--domain", "academie", "--course", s1, "--session", "26A0050123/45001/9"); r.code == 0 {
			e.t.Errorf("[%s] link to an unknown session: exit 0\n%s", e.tg.kind, r.stdout)
		}
		// Group "01" is group 1; ids in any case.
		e.ok("gaia", "link", "--domain", "academie", "--course", s1, "--session", "26a0050123/45001/01", "--group", "GAIA groupe 1", "--override")
		e.ok("gaia", "link", "--domain", "academie", "--course", s2, "--session", national)

		out = e.ok("gaia", "scan")
		if ch := changesOf(out); !strings.Contains(out, "unchanged") || ch[local] != "3p 1f 4c" || ch[national] != "2p 1f 3c" {
			e.t.Errorf("[%s] scan after linking: %v\n%s", e.tg.kind, ch, out)
		}
		if got := strings.Join(e.gaiaInstance(s1, local), " "); got != "francois.muller helene.lefevre noel.daude zoe.garcon" {
			e.t.Errorf("[%s] GAIA instance of %s: %s", e.tg.kind, s1, got)
		}
		// The national session has both académies' trainees.
		if got := strings.Join(e.gaiaInstance(s2, national), " "); got != "anne.nationale berenice.ferrand ines.rousseau" {
			e.t.Errorf("[%s] GAIA instance of %s: %s", e.tg.kind, s2, got)
		}
		before := newState()
		e.snapCourse(before, "academie", s1)
		e.snapCourse(before, "academie", s2)

		again := e.ok("gaia", "scan")
		if ch := changesOf(again); ch[local] != "3p 1f 0c" || ch[national] != "2p 1f 0c" {
			e.t.Errorf("[%s] second scan of the same drop: %v\n%s", e.tg.kind, ch, again)
		}
		after := newState()
		e.snapCourse(after, "academie", s1)
		e.snapCourse(after, "academie", s2)
		if d := before.diff(after); d != "" {
			e.t.Errorf("[%s] the second scan changed Moodle:\n%s", e.tg.kind, d)
		}

		// The next night: François Müller left session 81001, Émile Petit joined.
		e.gaiaDrop("20270111")
		dry = e.ok("gaia", "scan", "--dry-run")
		if ch := changesOf(dry); ch[local] != "3p 1f 2c" || strings.Count(dry, "will be unenrolled from the GAIA enrolment") != 1 {
			e.t.Errorf("[%s] dry run of the next night: %v\n%s", e.tg.kind, ch, dry)
		}
		if got := strings.Join(e.gaiaInstance(s1, local), " "); got != "francois.muller helene.lefevre noel.daude zoe.garcon" {
			e.t.Errorf("[%s] the dry run changed the GAIA instance: %s", e.tg.kind, got)
		}
		out = e.ok("gaia", "scan")
		if ch := changesOf(out); !strings.Contains(out, "drop 20270111: imported") || ch[local] != "3p 1f 2c" || ch[national] != "2p 1f 0c" ||
			strings.Count(out, "unenrolled from the GAIA enrolment") != 1 {
			e.t.Errorf("[%s] next night: %v\n%s", e.tg.kind, ch, out)
		}
		if got := strings.Join(e.gaiaInstance(s1, local), " "); got != "emile.petit helene.lefevre noel.daude zoe.garcon" {
			e.t.Errorf("[%s] GAIA instance after the next night: %s", e.tg.kind, got)
		}
		enrolled := map[string]string{}
		for _, u := range e.enrolled("academie", e.mustCourse("academie", s1).ID) {
			var roles []string
			for _, r := range u.Roles {
				roles = append(roles, r.ShortName)
			}
			enrolled[strings.SplitN(strings.ToLower(u.Email), "@", 2)[0]] = strings.Join(roles, ",")
		}
		want := map[string]string{"emile.petit": "student", "helene.lefevre": "student", "zoe.garcon": "student", "noel.daude": "editingteacher"}
		if fmt.Sprint(enrolled) != fmt.Sprint(want) {
			e.t.Errorf("[%s] %s after the next night: %v, want %v", e.tg.kind, s1, enrolled, want)
		}
		if db := e.realDB("academie"); db != nil {
			if n := db.count(`SELECT COUNT(*) FROM mdl_enrol en JOIN mdl_course c ON c.id = en.courseid WHERE c.shortname = ? AND en.enrol = 'manual' AND en.name = ?`,
				s1, "GAIA "+local); n != 1 {
				e.t.Errorf("[real] %d manual instance(s) named GAIA %s in %s, want 1", n, local, s1)
			}
			if n := db.count(`SELECT COUNT(*) FROM mdl_groups_members gm JOIN mdl_groups g ON g.id = gm.groupid JOIN mdl_course c ON c.id = g.courseid
				WHERE c.shortname = ? AND g.name = 'GAIA groupe 1'`, s1); n != 4 {
				e.t.Errorf("[real] %d member(s) in GAIA groupe 1, want 4", n)
			}
		}
		// The collective attendance report has the GAIA session's block.
		var noel int64
		for _, u := range e.enrolled("academie", e.mustCourse("academie", s1).ID) {
			if strings.HasPrefix(strings.ToLower(u.Email), "noel.daude@") {
				noel = int64(u.ID)
			}
		}
		certs := filepath.Join(e.dir, "certs")
		e.ok("certificates", "--domain", "academie", "--course", s1, "--out", certs, "--as", fmt.Sprint(noel))
		ents, _ := os.ReadDir(certs)
		found := false
		for _, en := range ents {
			if !strings.HasPrefix(en.Name(), "releve-presence") || !strings.HasSuffix(en.Name(), ".pdf") {
				continue
			}
			found = true
			text := e.pdfText(filepath.Join(certs, en.Name()))
			block := strings.Index(text, "26A0050123 / Module 45001 : Lire et écrire au cycle 2 / Groupe 1 / Session du 11/01/2027")
			if block < 0 || strings.Index(text, "PETIT") < block || strings.Contains(text, "Autres participants") {
				e.t.Errorf("[%s] collective report without its GAIA block:\n%s", e.tg.kind, text)
			}
		}
		if !found {
			e.t.Errorf("[%s] no collective report in %s", e.tg.kind, certs)
		}
		// The follow-up list filters by GAIA session, or the others.
		for filter, want := range map[string]int{"26A0050123/45001/01": 3, "others": 0} {
			list := e.ok("tracking", "list", "--domain", "academie", "--course", s1, "--as", fmt.Sprint(noel), "--gaia", filter)
			if n := strings.Count(strings.TrimSpace(list), "\n"); n != want {
				e.t.Errorf("[%s] tracking list --gaia %s: %d row(s), want %d:\n%s", e.tg.kind, filter, n, want, list)
			}
		}
		if r := e.bridge("tracking", "list", "--domain", "academie", "--course", s1, "--as", fmt.Sprint(noel), "--gaia", national); r.code != 2 {
			e.t.Errorf("[%s] tracking list --gaia with another session: exit %d\n%s", e.tg.kind, r.code, r.stderr)
		}
		st := newState()
		e.snapCourse(st, "academie", s1)
		e.snapCourse(st, "academie", s2)
		st.set("gaia instance "+s1, "%s", strings.Join(e.gaiaInstance(s1, local), " "))
		st.set("gaia instance "+s2, "%s", strings.Join(e.gaiaInstance(s2, national), " "))
		return st
	})
}
