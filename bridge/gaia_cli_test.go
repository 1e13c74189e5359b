package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/moodlesim"
	"github.com/magistere/bridge/internal/store"
)

// writeCP1252 writes CRLF lines in Windows-1252, as GAIA exports them.
func writeCP1252(t *testing.T, dir, name string, lines ...string) string {
	t.Helper()
	data, err := charmap.Windows1252.NewEncoder().Bytes([]byte(strings.Join(lines, "\r\n") + "\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestGaiaCLI: import (bad lines named, a known file skipped), link,
// dry run, sync as an in-process job, a second sync with nothing to do,
// and a participant dropped by a newer file reported, not unenrolled.
func TestGaiaCLI(t *testing.T) {
	const token = "gaia-cli-token-0123456789abcdef"
	sim := moodlesim.New(moodlesim.Options{Sites: []string{"national", "ac-a"}, Token: token})
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	client, err := moodle.New(moodle.Site{Name: "ac-a", WWWRoot: srv.URL + "/ac-a", Token: token}, moodle.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := client.CreateCourses(context.Background(), []moodle.CourseInput{{FullName: "Lire au cycle 2", ShortName: "GAIA-1", CategoryID: 1}})
	if err != nil {
		t.Fatal(err)
	}
	course := strconv.FormatInt(int64(cs[0].ID), 10)
	dir := t.TempDir()
	cfg := writeFile(t, dir, "bridge.yaml", `
data_dir: `+dir+`
domains:
  - name: ac-a
    wwwroot: `+srv.URL+`/ac-a
    token: `+token+`
    zone: A
    unknown_users: create
    create_auth: shibboleth
`)
	run := func(args ...string) result {
		return runBridge(t, time.Minute, nil, append([]string{"--config", cfg}, args...)...)
	}
	formations := writeCP1252(t, dir, "Formations_2026.csv",
		"Identifiant du dispositif|Identifiant du module|N° de groupe|Libellé du module|Date de début|Date de fin|Lieu",
		"26A0010123|45001|1|Lire et écrire au cycle 2|12/01/2026|13/01/2026|Collège Jean Moulin",
		"26A0010123|45001|2|Lire et écrire au cycle 2|19/01/2026|20/01/2026|Collège Jean Moulin")
	intervenants := writeCP1252(t, dir, "Intervenants_2026.csv",
		"Dispositif|Module|Groupe|NUMEN|Nom|Prénom|Courriel",
		"26A0010123|45001|1|12E3456789ABC|DAUDÉ|Noël|noel.daude@ac-a.fr")
	stagiaires := writeCP1252(t, dir, "Stagiaires_2026.csv",
		"Dispositif|Module|Groupe|Nom|Prénom|Courriel|RNE",
		"26A0010123|45001|1|LEFÈVRE|Hélène|helene.lefevre@ac-a.fr|0911234A",
		"26A0010123|45001|1|GARÇON|Zoé|zoe.garcon@ac-a.fr|0911234A",
		"26A0010123|45001|1|DUPONT|Jérôme|jerome.dupont@ac-a|0915678B")

	r := run("gaia", "import", "--domain", "ac-a", formations, intervenants, stagiaires)
	if r.code != 0 || !strings.Contains(r.stdout, "stagiaires, 2 row(s) imported (windows-1252), 1 bad line(s) skipped") ||
		!strings.Contains(r.stdout, "Stagiaires_2026.csv:4: Courriel: \"jerome.dupont@ac-a\"") {
		t.Fatalf("import: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = run("gaia", "import", "--domain", "ac-a", stagiaires)
	if r.code != 0 || !strings.Contains(r.stdout, "skipped, already imported (Stagiaires_2026.csv on ") {
		t.Fatalf("re-import: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	bad := writeFile(t, dir, "stagiaires_sans_module.csv", "Dispositif|Groupe|Courriel\n1|1|a@ac-a.fr\n")
	if r = run("gaia", "import", "--domain", "ac-a", bad); r.code != 1 || !strings.Contains(r.stdout, "NOT imported") {
		t.Fatalf("refused file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	if r = run("gaia", "link", "--domain", "ac-a", "--course", course, "--session", "26A0010123/45001/9"); r.code != 1 {
		t.Fatalf("link to an unknown session: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = run("gaia", "link", "--domain", "ac-a", "--course", course, "--session", "26a0010123/45001/1")
	if r.code != 0 || !strings.Contains(r.stdout, "linked to GAIA session 26A0010123/45001/1 (Lire et écrire au cycle 2, 2026-01-12") {
		t.Fatalf("link: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Linked already: another session is refused until the operator unlinks.
	r = run("--lang", "fr", "gaia", "link", "--domain", "ac-a", "--course", course, "--session", "26A0010123/45001/2")
	if r.code != 1 || !strings.Contains(r.stderr, "est déjà lié à une autre session GAIA : lancer d'abord « bridge gaia unlink » (already_linked)") {
		t.Fatalf("link to a second session: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	r = run("gaia", "sync", "--domain", "ac-a", "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, "dry run") || !strings.Contains(r.stdout, "will_create") {
		t.Fatalf("dry run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	sync := func() map[string]any {
		t.Helper()
		r := run("--format", "json", "gaia", "sync", "--domain", "ac-a")
		if r.code != 0 {
			t.Fatalf("sync: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		var res struct {
			Courses []map[string]any `json:"courses"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || len(res.Courses) != 1 {
			t.Fatalf("sync output: %v\n%s", err, r.stdout)
		}
		return res.Courses[0]
	}
	if c := sync(); c["changed"] != 3.0 || c["formateurs"] != 1.0 || c["participants"] != 2.0 {
		t.Fatalf("first sync = %v", c)
	}
	if c := sync(); c["changed"] != 0.0 {
		t.Fatalf("second sync = %v", c)
	}
	users, err := client.GetEnrolledUsers(context.Background(), cs[0].ID, moodle.EnrolledUsersOptions{})
	if err != nil || len(users) != 3 {
		t.Fatalf("enrolled = %+v, %v", users, err)
	}

	newer := writeCP1252(t, dir, "Stagiaires_2026_maj.csv",
		"Dispositif|Module|Groupe|Nom|Prénom|Courriel|RNE",
		"26A0010123|45001|1|LEFÈVRE|Hélène|helene.lefevre@ac-a.fr|0911234A")
	if r = run("gaia", "import", "--domain", "ac-a", newer); r.code != 0 {
		t.Fatalf("newer file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = run("gaia", "sync", "--domain", "ac-a")
	if r.code != 0 || !strings.Contains(r.stdout, "no longer in GAIA, still enrolled: user ") {
		t.Fatalf("sync after the newer file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if users, _ := client.GetEnrolledUsers(context.Background(), cs[0].ID, moodle.EnrolledUsersOptions{}); len(users) != 3 {
		t.Fatalf("an absent participant was unenrolled: %d enrolled", len(users))
	}
	if r = run("gaia", "unlink", "--domain", "ac-a", "--course", course); r.code != 0 {
		t.Fatalf("unlink: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	st, err := store.Open(context.Background(), "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, action := range []string{"gaia.link", "gaia.unlink"} {
		if a, _ := st.ListAudit(context.Background(), store.AuditFilter{Domain: "ac-a", Action: action}); len(a) != 1 {
			t.Errorf("audit %s = %+v", action, a)
		}
	}
}
