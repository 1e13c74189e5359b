package gaia

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
)

func dropFixture(t *testing.T, night, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "drop", night, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseMinistryLayout(t *testing.T) {
	f, err := Parse("A05_Formations_20270110.csv", dropFixture(t, "20270110", "A05_Formations_20270110.csv"), "")
	if err != nil {
		t.Fatal(err)
	}
	if f.Layout != LayoutMinistry || f.Kind != KindFormations || f.Encoding != "windows-1252" || len(f.Sessions) != 3 || len(f.Problems) != 0 {
		t.Fatalf("layout %s kind %s encoding %s sessions %+v problems %v", f.Layout, f.Kind, f.Encoding, f.Sessions, f.Problems)
	}
	s := f.Sessions[0]
	// Group "01" is group 1.
	if s.Key != "26A0050123/45001/1" || s.Group != "1" || s.Label != "Lire et écrire au cycle 2" || s.StartsOn != "2027-01-11" ||
		s.EndsOn != "2027-03-12" || s.Place != "0911234A - Collège Jean Moulin, Évry" {
		t.Fatalf("session = %+v", s)
	}
	if !National(f.Sessions[2].Dispositif) || National(s.Dispositif) {
		t.Fatalf("national: %s %v, %s %v", f.Sessions[2].Dispositif, National(f.Sessions[2].Dispositif), s.Dispositif, National(s.Dispositif))
	}
	if len(f.IDs) != 3 || f.IDs[0] != (store.GaiaSessionID{GaiaID: "81001", Module: "45001", SessionKey: "26A0050123/45001/1"}) {
		t.Fatalf("ids = %+v", f.IDs)
	}

	st, err := Parse("A05_Stagiaires_20270110.csv", dropFixture(t, "20270110", "A05_Stagiaires_20270110.csv"), "")
	if err != nil {
		t.Fatal(err)
	}
	if st.Layout != LayoutMinistry || st.Kind != KindStagiaires || len(st.Refs) != 5 || len(st.Problems) != 1 {
		t.Fatalf("stagiaires: layout %s kind %s refs %+v problems %v", st.Layout, st.Kind, st.Refs, st.Problems)
	}
	if p := st.Problems[0]; p.Line != 4 || p.Code != CodeInvalidEmail || p.Field != "courriel" {
		t.Fatalf("bad line = %+v", p)
	}
	st.Resolve(NewIndex(f.IDs))
	var got []string
	for _, p := range st.People {
		got = append(got, p.SessionKey+" "+p.Email+" "+p.LastName+" "+p.FirstName)
	}
	want := []string{
		"26A0050123/45001/1 helene.lefevre@ac-a.fr LEFÈVRE Hélène",
		"26A0050123/45001/1 francois.muller@ac-a.fr MÜLLER François",
		"26A0050123/45001/1 zoe.garcon@ac-a.fr GARÇON Zoé", // " Zoe.Garcon@AC-A.fr " normalised
		"26A0050123/45001/2 coeur.oeuvrard@ac-a.fr ŒUVRARD Cœur",
		"26N0990001/77001/1 anne.nationale@ac-a.fr NATIONALE Anne",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("people:\n%s", strings.Join(got, "\n"))
	}

	// Trainers attach to every session of their module.
	in, err := Parse("A05_Intervenants_20270110.csv", dropFixture(t, "20270110", "A05_Intervenants_20270110.csv"), "")
	if err != nil {
		t.Fatal(err)
	}
	in.Resolve(NewIndex(f.IDs))
	got = nil
	for _, p := range in.People {
		got = append(got, p.SessionKey+" "+p.Email+" "+p.Role)
	}
	sort.Strings(got)
	want = []string{"26A0050123/45001/1 noel.daude@ac-a.fr formateur", "26A0050123/45001/2 noel.daude@ac-a.fr formateur",
		"26N0990001/77001/1 berenice.ferrand@ac-a.fr formateur"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("intervenants:\n%s", strings.Join(got, "\n"))
	}
}

func TestParseMinistryWithHeaderAndBadLines(t *testing.T) {
	data := "table|session|nom|prénom|courriel\r\n" +
		"STAGIAIRES|81001|A|B|a.b@ac-a.fr\r\n" +
		"FORMATIONS|81001|A|B|c.d@ac-a.fr\r\n" + // another table's line
		"STAGIAIRES|81001|A\r\n" + // too few fields
		"STAGIAIRES||A|B|e.f@ac-a.fr\r\n" + // no session
		"STAGIAIRES|81 001|C|D|A.B@ac-a.fr\r\n" // same person, id with a space
	f, err := Parse("export.csv", []byte(data), "")
	if err != nil {
		t.Fatal(err)
	}
	if f.Layout != LayoutMinistry || !f.Header || f.Kind != KindStagiaires || len(f.Refs) != 1 {
		t.Fatalf("layout %s header %v kind %s refs %+v", f.Layout, f.Header, f.Kind, f.Refs)
	}
	codes := map[int]string{}
	for _, p := range f.Problems {
		codes[p.Line] = p.Code
	}
	want := map[int]string{3: CodeTable, 4: CodeFieldCount, 5: CodeMissing, 6: CodeDuplicate}
	for line, c := range want {
		if codes[line] != c {
			t.Errorf("line %d: %q, want %q (%v)", line, codes[line], c, f.Problems)
		}
	}
	f.Resolve(NewIndex(nil))
	if len(f.People) != 0 || f.Problems[0].Code != CodeUnknownSession || f.Problems[0].Line != 2 {
		t.Fatalf("unresolved: people %+v problems %v", f.People, f.Problems)
	}
	// The header layout is still told apart.
	g := parseFixture(t, "stagiaires_ac-a_2026.csv", "")
	if g.Layout != LayoutHeader {
		t.Fatalf("header file read as %s", g.Layout)
	}
}

func TestNormalisedKeys(t *testing.T) {
	for in, want := range map[[3]string]string{
		{"26a0050123", "45001", "01"}:   "26A0050123/45001/1",
		{" 26A 0050123 ", "45001", "1"}: "26A0050123/45001/1",
		{"26A0050123", "45001", "00"}:   "26A0050123/45001/0",
		{"26A0050123", "45001", "g1"}:   "26A0050123/45001/G1",
	} {
		if got := SessionKey(in[0], in[1], in[2]); got != want {
			t.Errorf("SessionKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// copyDrop copies the fixture nights into a drop directory.
func copyDrop(t *testing.T, dst string, nights ...string) {
	t.Helper()
	for _, night := range nights {
		src := filepath.Join("testdata", "drop", night)
		ents, err := os.ReadDir(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dst, night), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			data, err := os.ReadFile(filepath.Join(src, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dst, night, e.Name()), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func peopleOf(t *testing.T, st *store.Store, domain, key string) string {
	t.Helper()
	ps, err := st.GaiaPeople(context.Background(), domain, key)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range ps {
		out = append(out, p.Role[:1]+":"+p.Email)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func TestScanDrop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		drop := t.TempDir()
		copyDrop(t, drop, "20270110")
		a := &Scanner{St: st, Domain: "ac-a", Code: "A05", DropDir: drop, Grace: time.Hour}
		b := &Scanner{St: st, Domain: "ac-b", Code: "a12", DropDir: drop, Grace: time.Hour}

		dry, _, err := a.Scan(ctx, true)
		if err != nil || dry.Status != ScanWouldImport {
			t.Fatalf("dry run: %+v %v", dry, err)
		}
		if files, _ := st.ListGaiaFiles(ctx, "ac-a"); len(files) != 0 {
			t.Fatalf("the dry run imported %d file(s)", len(files))
		}
		res, _, err := a.Scan(ctx, false)
		if err != nil || res.Status != ScanImported || res.Drop != "20270110" {
			t.Fatalf("scan: %+v %v", res, err)
		}
		// Own three files, and A12's national rows (not A31's: none).
		if res.Sessions != 3 || res.National != 1 || res.Participants != 6 || res.Formateurs != 3 {
			t.Fatalf("counts: %+v", res)
		}
		var names []string
		for _, f := range res.Files {
			names = append(names, f.Name)
			if f.Layout != LayoutMinistry {
				t.Errorf("%s: layout %q", f.Name, f.Layout)
			}
		}
		if strings.Join(names, " ") != "A05_Formations_20270110.csv A12_Formations_20270110.csv A05_Intervenants_20270110.csv "+
			"A05_Stagiaires_20270110.csv A12_Stagiaires_20270110.csv" {
			t.Fatalf("files: %s", strings.Join(names, " "))
		}
		if got := peopleOf(t, st, "ac-a", "26A0050123/45001/1"); got != "f:noel.daude@ac-a.fr p:francois.muller@ac-a.fr p:helene.lefevre@ac-a.fr p:zoe.garcon@ac-a.fr" {
			t.Fatalf("session 81001: %s", got)
		}
		// The national session holds both académies' trainees, in each domain.
		const nat = "26N0990001/77001/1"
		if got := peopleOf(t, st, "ac-a", nat); got != "f:berenice.ferrand@ac-a.fr p:anne.nationale@ac-a.fr p:ines.rousseau@ac-b.fr" {
			t.Fatalf("national in ac-a: %s", got)
		}
		if _, _, err := b.Scan(ctx, false); err != nil {
			t.Fatal(err)
		}
		if got := peopleOf(t, st, "ac-b", nat); got != "f:berenice.ferrand@ac-a.fr p:anne.nationale@ac-a.fr p:ines.rousseau@ac-b.fr" {
			t.Fatalf("national in ac-b: %s", got)
		}
		if known, _ := st.GaiaSessionKnown(ctx, "ac-b", "26A0050123/45001/1"); known {
			t.Fatal("ac-b got ac-a's academic session")
		}

		again, _, err := a.Scan(ctx, false)
		if err != nil || again.Status != ScanUnchanged {
			t.Fatalf("second scan of the same drop: %+v %v", again, err)
		}

		// The next night: Müller left, Petit joined.
		copyDrop(t, drop, "20270111")
		next, _, err := a.Scan(ctx, false)
		if err != nil || next.Status != ScanImported || next.Drop != "20270111" {
			t.Fatalf("next night: %+v %v", next, err)
		}
		if got := peopleOf(t, st, "ac-a", "26A0050123/45001/1"); got != "f:noel.daude@ac-a.fr p:emile.petit@ac-a.fr p:helene.lefevre@ac-a.fr p:zoe.garcon@ac-a.fr" {
			t.Fatalf("session 81001 the next night: %s", got)
		}
	})
}

func TestScanPartialAndMissing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		drop := t.TempDir()
		copyDrop(t, drop, "20270110")
		os.Remove(filepath.Join(drop, "20270110", "A31_Stagiaires_20270110.csv"))
		now := time.Now()
		sc := &Scanner{St: st, Domain: "ac-c", Code: "A31", DropDir: drop, Grace: 2 * time.Hour, Now: func() time.Time { return now }}
		res, _, err := sc.Scan(ctx, false)
		if err != nil || res.Status != ScanHeld || !strings.Contains(res.Held, "A31_Stagiaires_20270110.csv") {
			t.Fatalf("partial drop: %+v %v", res, err)
		}
		if known, _ := st.GaiaSessionKnown(ctx, "ac-c", "26A3100789/47003/3"); known {
			t.Fatal("a held drop was imported")
		}
		// Past the grace period: what is there goes in, the missing file is an error naming it.
		now = now.Add(3 * time.Hour)
		res, _, err = sc.Scan(ctx, false)
		var me *MissingError
		if res.Status != ScanImported || err == nil || !strings.Contains(err.Error(), "A31_Stagiaires_20270110.csv") || !asMissing(err, &me) {
			t.Fatalf("after the grace period: %+v %v", res, err)
		}
		if got := peopleOf(t, st, "ac-c", "26A3100789/47003/3"); got != "f:gaelle.klein@ac-c.fr" {
			t.Fatalf("people: %s", got)
		}
		// An académie with no file at all.
		none := &Scanner{St: st, Domain: "ac-z", Code: "A99", DropDir: drop, Grace: time.Hour}
		res, _, err = none.Scan(ctx, false)
		if res.Status != ScanMissing || err == nil || !strings.Contains(err.Error(), "A99_Formations_20270110.csv, A99_Intervenants_20270110.csv, A99_Stagiaires_20270110.csv") {
			t.Fatalf("no file: %+v %v", res, err)
		}
	})
}

func asMissing(err error, me **MissingError) bool {
	for err != nil {
		if m, ok := err.(*MissingError); ok {
			*me = m
			return true
		}
		u, ok := err.(interface{ Unwrap() []error })
		if !ok {
			return false
		}
		for _, e := range u.Unwrap() {
			if asMissing(e, me) {
				return true
			}
		}
		return false
	}
	return false
}
