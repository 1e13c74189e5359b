package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
)

// TestGaiaDropImport: a drop replaces the people of every session it
// names (one who left is gone, even the last of a session), keeps the
// files already recorded, and maps GAIA's session ids; the roles it was
// not given are left alone.
func TestGaiaDropImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		const k1, k2 = "26A005/45001/1", "26A005/45001/2"
		files := []store.GaiaFile{{SHA256: gaiaSHA('a'), Kind: "formations", Name: "A05_Formations_20270110.csv", Rows: 2},
			{SHA256: gaiaSHA('b'), Kind: "stagiaires", Name: "A05_Stagiaires_20270110.csv", Rows: 2}}
		sessions := []store.GaiaSession{{Key: k1, Dispositif: "26A005", Module: "45001", Group: "1"}, {Key: k2, Dispositif: "26A005", Module: "45001", Group: "2"}}
		ids := []store.GaiaSessionID{{GaiaID: "81001", Module: "45001", SessionKey: k1}, {GaiaID: "81002", Module: "45001", SessionKey: k2}}
		people := []store.GaiaPerson{{SessionKey: k1, Role: "participant", Email: "a@ac-a.fr", Line: 1, FileSHA256: gaiaSHA('b')},
			{SessionKey: k2, Role: "participant", Email: "b@ac-a.fr", Line: 2, FileSHA256: gaiaSHA('b')},
			{SessionKey: k1, Role: "formateur", Email: "f@ac-a.fr", Line: 1, FileSHA256: gaiaSHA('c')}}
		if err := s.ImportGaiaDrop(ctx, "ac-a", files, sessions, ids, people, []string{"participant", "formateur"}); err != nil {
			t.Fatal(err)
		}
		got, err := s.GaiaSessionIDs(ctx, "ac-a")
		if err != nil || len(got) != 2 || got[1] != ids[1] {
			t.Fatalf("session ids = %+v, %v", got, err)
		}
		if list, err := s.ListGaiaSessions(ctx, "ac-a"); err != nil || len(list) != 2 || list[0].Key != k1 {
			t.Fatalf("sessions = %+v, %v", list, err)
		}
		// The next night: nobody left in session 2; a new Stagiaires file,
		// the same Formations file (recorded once), no Intervenants.
		next := []store.GaiaFile{files[0], {SHA256: gaiaSHA('d'), Kind: "stagiaires", Name: "A05_Stagiaires_20270111.csv", Rows: 1}}
		if err := s.ImportGaiaDrop(ctx, "ac-a", next, sessions, ids, people[:1], []string{"participant"}); err != nil {
			t.Fatal(err)
		}
		if p, _ := s.GaiaPeople(ctx, "ac-a", k2); len(p) != 0 {
			t.Fatalf("session 2 kept %+v", p)
		}
		if p, _ := s.GaiaPeople(ctx, "ac-a", k1); len(p) != 2 || p[0].Role != "formateur" {
			t.Fatalf("session 1 = %+v", p)
		}
		if fs, _ := s.ListGaiaFiles(ctx, "ac-a"); len(fs) != 3 {
			t.Fatalf("files = %+v", fs)
		}
	})
}

func TestGaiaDropFirstSeenAndLinkOptions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		first, err := s.NoteGaiaDrop(ctx, "ac-a", "/srv/gaia/20270110")
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
		again, err := s.NoteGaiaDrop(ctx, "ac-a", "/srv/gaia/20270110")
		if err != nil || !again.Equal(first) {
			t.Fatalf("first seen moved: %v then %v (%v)", first, again, err)
		}
		if o, err := s.GaiaLinkOptionsOf(ctx, "ac-a", 7); err != nil || o != (store.GaiaLinkOptions{}) {
			t.Fatalf("options of an unlinked course = %+v, %v", o, err)
		}
		if err := s.LinkGaiaSession(ctx, store.GaiaLink{Domain: "ac-a", CourseID: 7, SessionKey: "26A005/45001/1", LinkedBy: "t"}); err != nil {
			t.Fatal(err)
		}
		want := store.GaiaLinkOptions{Group: "GAIA groupe 1", Override: true}
		if err := s.SetGaiaLinkOptions(ctx, "ac-a", 7, want); err != nil {
			t.Fatal(err)
		}
		if o, err := s.GaiaLinkOptionsOf(ctx, "ac-a", 7); err != nil || o != want {
			t.Fatalf("options = %+v, %v", o, err)
		}
		if err := s.UnlinkGaiaSession(ctx, "ac-a", 7); err != nil {
			t.Fatal(err)
		}
		if o, _ := s.GaiaLinkOptionsOf(ctx, "ac-a", 7); o != (store.GaiaLinkOptions{}) {
			t.Fatalf("options outlived the link: %+v", o)
		}
	})
}
