package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
)

func gaiaSHA(c byte) string { return strings.Repeat(string(c), 64) }

func TestGaiaImportSkipsKnownHashAndReplacesPeople(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		const key = "24A001/4501/1"
		first := store.GaiaFile{Domain: "ac-a", SHA256: gaiaSHA('a'), Kind: "stagiaires", Name: "stagiaires.csv", Rows: 2}
		people := []store.GaiaPerson{
			{SessionKey: key, Role: "participant", Email: "helene.lefevre@ac-a.fr", LastName: "LEFÈVRE", FirstName: "Hélène", Line: 2},
			{SessionKey: key, Role: "participant", Email: "zoe.garcon@ac-a.fr", LastName: "GARÇON", FirstName: "Zoé", Line: 3},
			{SessionKey: "other/1/1", Role: "participant", Email: "x@ac-a.fr", Line: 4},
		}
		if err := s.ImportGaiaFile(ctx, first, nil, people); err != nil {
			t.Fatal(err)
		}
		if err := s.ImportGaiaFile(ctx, first, nil, people[:1]); !errors.Is(err, store.ErrDuplicate) {
			t.Fatalf("second import of the same hash: %v", err)
		}
		if f, err := s.GaiaFileByHash(ctx, "ac-a", gaiaSHA('a')); err != nil || f.Rows != 2 || f.Kind != "stagiaires" {
			t.Fatalf("file record = %+v, %v", f, err)
		}
		if _, err := s.GaiaFileByHash(ctx, "ac-b", gaiaSHA('a')); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other domain sees the hash: %v", err)
		}
		// A trainer of the session is kept when a newer Stagiaires file
		// replaces the participants.
		trainers := store.GaiaFile{Domain: "ac-a", SHA256: gaiaSHA('b'), Kind: "intervenants", Name: "intervenants.csv", Rows: 1}
		if err := s.ImportGaiaFile(ctx, trainers, nil, []store.GaiaPerson{{SessionKey: key, Role: "formateur", Email: "f@ac-a.fr", Line: 2}}); err != nil {
			t.Fatal(err)
		}
		newer := store.GaiaFile{Domain: "ac-a", SHA256: gaiaSHA('c'), Kind: "stagiaires", Name: "stagiaires2.csv", Rows: 1}
		if err := s.ImportGaiaFile(ctx, newer, nil, people[1:2]); err != nil {
			t.Fatal(err)
		}
		got, err := s.GaiaPeople(ctx, "ac-a", key)
		if err != nil {
			t.Fatal(err)
		}
		var emails []string
		for _, p := range got {
			emails = append(emails, p.Role+":"+p.Email)
		}
		if strings.Join(emails, " ") != "formateur:f@ac-a.fr participant:zoe.garcon@ac-a.fr" || got[1].FirstName != "Zoé" {
			t.Fatalf("people after newer file = %v", emails)
		}
		if other, _ := s.GaiaPeople(ctx, "ac-a", "other/1/1"); len(other) != 1 {
			t.Fatalf("a session the newer file does not name lost its people: %+v", other)
		}
		files, err := s.ListGaiaFiles(ctx, "ac-a")
		if err != nil || len(files) != 3 {
			t.Fatalf("files = %+v, %v", files, err)
		}
	})
}

func TestGaiaImportIsAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.GaiaFile{Domain: "ac-a", SHA256: gaiaSHA('d'), Kind: "stagiaires", Name: "bad.csv", Rows: 2}
		dup := []store.GaiaPerson{
			{SessionKey: "k/1/1", Role: "participant", Email: "same@ac-a.fr", Line: 2},
			{SessionKey: "k/1/1", Role: "participant", Email: "same@ac-a.fr", Line: 3},
		}
		err := s.ImportGaiaFile(ctx, f, nil, dup)
		if err == nil || !strings.Contains(err.Error(), "lines 2-3") {
			t.Fatalf("import with a conflicting row: %v", err)
		}
		if _, err := s.GaiaFileByHash(ctx, "ac-a", f.SHA256); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a failed import left its file record: %v", err)
		}
		if p, _ := s.GaiaPeople(ctx, "ac-a", "k/1/1"); len(p) != 0 {
			t.Fatalf("a failed import left people: %+v", p)
		}
	})
}

func TestGaiaSessionsAndLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.GaiaFile{Domain: "ac-a", SHA256: gaiaSHA('e'), Kind: "formations", Name: "formations.csv", Rows: 1}
		gs := store.GaiaSession{Key: "24A001/4501/1", Dispositif: "24A001", Module: "4501", Group: "1", Label: "Lire au cycle 2",
			StartsOn: "2026-01-12", EndsOn: "2026-01-13", Place: "Collège Jean Moulin"}
		if err := s.ImportGaiaFile(ctx, f, []store.GaiaSession{gs}, nil); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetGaiaSession(ctx, "ac-a", gs.Key)
		if err != nil || got.Label != gs.Label || got.StartsOn != "2026-01-12" || got.FileSHA256 != f.SHA256 {
			t.Fatalf("session = %+v, %v", got, err)
		}
		if ok, err := s.GaiaSessionKnown(ctx, "ac-a", gs.Key); !ok || err != nil {
			t.Fatalf("known = %v, %v", ok, err)
		}
		if ok, _ := s.GaiaSessionKnown(ctx, "ac-a", "nope/1/1"); ok {
			t.Fatal("unknown session reported known")
		}
		l := store.GaiaLink{Domain: "ac-a", CourseID: 12, SessionKey: gs.Key, LinkedBy: "op"}
		if err := s.LinkGaiaSession(ctx, l); err != nil {
			t.Fatal(err)
		}
		if err := s.LinkGaiaSession(ctx, l); err != nil {
			t.Fatalf("relinking to the same session: %v", err)
		}
		l2 := l
		l2.SessionKey = "other/1/1"
		if err := s.LinkGaiaSession(ctx, l2); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("linking to a second session: %v", err)
		}
		links, err := s.ListGaiaLinks(ctx, "ac-a")
		if err != nil || len(links) != 1 || links[0].SessionKey != gs.Key || links[0].LinkedBy != "op" {
			t.Fatalf("links = %+v, %v", links, err)
		}
		if err := s.UnlinkGaiaSession(ctx, "ac-a", 12); err != nil {
			t.Fatal(err)
		}
		if err := s.UnlinkGaiaSession(ctx, "ac-a", 12); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second unlink: %v", err)
		}
	})
}

func BenchmarkGaiaImport20000People(b *testing.B) {
	s := storetest.SQLite(b)
	ctx := context.Background()
	people := make([]store.GaiaPerson, 20000)
	for i := range people {
		people[i] = store.GaiaPerson{SessionKey: fmt.Sprintf("26A001/4501/%d", i/25), Role: "participant",
			Email: fmt.Sprintf("p%05d@ac-a.fr", i), LastName: "NOM", FirstName: "Prénom", Establishment: "0911234A", Line: i + 2}
	}
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		f := store.GaiaFile{Domain: "ac-a", SHA256: fmt.Sprintf("%064d", n), Kind: "stagiaires", Name: "s.csv", Rows: len(people)}
		if err := s.ImportGaiaFile(ctx, f, nil, people); err != nil {
			b.Fatal(err)
		}
	}
}
