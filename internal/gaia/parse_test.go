package gaia

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/failure"
)

func parseFixture(t *testing.T, name, kind string) *File {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(name, data, kind)
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return f
}

func problemLines(f *File) string {
	var out []string
	for _, p := range f.Problems {
		out = append(out, p.String())
	}
	return strings.Join(out, "\n")
}

func TestParseFormationsCP1252(t *testing.T) {
	f := parseFixture(t, "formations_ac-a_2026.csv", "")
	if f.Kind != KindFormations || f.Encoding != "windows-1252" || f.Lines != 4 {
		t.Fatalf("kind %s encoding %s lines %d", f.Kind, f.Encoding, f.Lines)
	}
	if len(f.Sessions) != 2 {
		t.Fatalf("sessions = %+v", f.Sessions)
	}
	s := f.Sessions[0]
	if s.Key != "26A0010123/45001/1" || s.Label != "Lire et écrire au cycle 2" || s.StartsOn != "2026-01-12" ||
		s.EndsOn != "2026-01-13" || s.Place != "Collège Jean Moulin, Évry" {
		t.Fatalf("session = %+v", s)
	}
	want := "formations_ac-a_2026.csv:4: Date de début: \"32/01/2026\" is not a date (DD/MM/YYYY)\n" +
		"formations_ac-a_2026.csv:5: session 26A0010123/45001/1 already on line 2"
	if got := problemLines(f); got != want {
		t.Fatalf("problems:\n%s\nwant:\n%s", got, want)
	}
}

func TestParseStagiairesNamesEveryBadLine(t *testing.T) {
	f := parseFixture(t, "stagiaires_ac-a_2026.csv", "")
	if f.Kind != KindStagiaires || f.Encoding != "windows-1252" {
		t.Fatalf("kind %s encoding %s", f.Kind, f.Encoding)
	}
	var got []string
	for _, p := range f.People {
		got = append(got, p.SessionKey+" "+p.Email+" "+p.LastName+" "+p.FirstName+" "+p.Establishment+" "+p.Role)
	}
	want := []string{
		"26A0010123/45001/1 helene.lefevre@ac-a.fr LEFÈVRE Hélène 0911234A participant",
		"26A0010123/45001/1 francois.muller@ac-a.fr MÜLLER François 0915678B participant",
		"26A0010123/45001/1 zoe.garcon@ac-a.fr GARÇON Zoé 0911234A participant",
		"26A0010123/45001/2 coeur.oeuvrard@ac-a.fr ŒUVRARD Cœur 0919999C participant",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("people:\n%s", strings.Join(got, "\n"))
	}
	codes := map[int]string{}
	for _, p := range f.Problems {
		if p.File != "stagiaires_ac-a_2026.csv" {
			t.Errorf("problem without its file: %+v", p)
		}
		codes[p.Line] = p.Code + ":" + p.Field
	}
	wantCodes := map[int]string{5: CodeInvalidEmail + ":Courriel", 6: CodeDuplicate + ":", 7: CodeFieldCount + ":", 8: CodeMissing + ":Module"}
	if len(codes) != len(wantCodes) {
		t.Fatalf("problems:\n%s", problemLines(f))
	}
	for line, c := range wantCodes {
		if codes[line] != c {
			t.Errorf("line %d: %q, want %q\n%s", line, codes[line], c, problemLines(f))
		}
	}
}

func TestParseIntervenantsAndAliases(t *testing.T) {
	f := parseFixture(t, "intervenants_ac-a_2026.csv", "")
	if f.Kind != KindIntervenants || len(f.People) != 3 || len(f.Problems) != 0 {
		t.Fatalf("kind %s people %+v problems %v", f.Kind, f.People, f.Problems)
	}
	if p := f.People[0]; p.Role != RoleFormateur || p.IDNumber != "12E3456789ABC" || p.Email != "noel.daude@ac-a.fr" || p.LastName != "DAUDÉ" {
		t.Fatalf("formateur = %+v", p)
	}
	// Other header spellings, UTF-8 with BOM, LF, no kind in the name: the
	// columns tell a Stagiaires file.
	g := parseFixture(t, "export_gaia.txt", "")
	if g.Kind != KindStagiaires || g.Encoding != "utf-8" || len(g.People) != 1 {
		t.Fatalf("export: kind %s encoding %s people %+v problems %v", g.Kind, g.Encoding, g.People, g.Problems)
	}
	if p := g.People[0]; p.SessionKey != "P26A01/45001/1" || p.FirstName != "Émile" || p.Establishment != "0911234A" {
		t.Fatalf("export person = %+v", p)
	}
}

func TestParseRefusesUnusableFiles(t *testing.T) {
	cases := map[string]struct{ name, data, kind, want string }{
		"empty":          {"stagiaires.csv", "\r\n\r\n", "", "empty file"},
		"missing column": {"stagiaires.csv", "Dispositif|Groupe|Nom|Courriel\r\n", "", "identifiant du module"},
		"unknown kind":   {"export.csv", "Dispositif|Module|Groupe|Nom\r\n", "", "cannot tell"},
		"bad forced":     {"x.csv", "Dispositif|Module|Groupe\r\n", "sessions", "unknown kind"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(c.name, []byte(c.data), c.kind)
			var fe *FileError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), c.want) || failure.IsRetryable(err) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestSessionKeyAndNormalize(t *testing.T) {
	if k := SessionKey(" 26a001 ", "45001", " 1"); k != "26A001/45001/1" {
		t.Fatalf("key = %q", k)
	}
	for in, want := range map[string]string{"N° de groupe": "ndegroupe", "Adresse mél": "adressemel", "PRÉNOM": "prenom", "Œuvre": "oeuvre"} {
		if got := normalize(in); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
}
