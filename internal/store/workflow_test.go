package store_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
)

func TestDomainCategoriesAndRolesUpsert(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		if err := s.SaveDomainCategory(ctx, "ac-a", store.DomainCategory{Key: "gabarit", CategoryID: 2, IDNumber: "BRIDGE-GAB"}); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveDomainCategory(ctx, "ac-a", store.DomainCategory{Key: "gabarit", CategoryID: 7, IDNumber: "BRIDGE-GAB"}); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveDomainCategory(ctx, "ac-b", store.DomainCategory{Key: "gabarit", CategoryID: 3}); err != nil {
			t.Fatal(err)
		}
		cats, err := s.DomainCategories(ctx, "ac-a")
		if err != nil || len(cats) != 1 || cats["gabarit"].CategoryID != 7 {
			t.Fatalf("categories = %+v, %v; want gabarit=7 only", cats, err)
		}
		if err := s.SaveDomainRole(ctx, "ac-a", store.DomainRole{Key: "formateur", ShortName: "editingteacher", RoleID: 3}); err != nil {
			t.Fatal(err)
		}
		roles, err := s.DomainRoles(ctx, "ac-a")
		if err != nil || roles["formateur"].RoleID != 3 || roles["formateur"].ShortName != "editingteacher" {
			t.Fatalf("roles = %+v, %v", roles, err)
		}
	})
}

func TestCourseStateRoundTripAndTrail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		if _, err := s.GetCourseState(ctx, "ac-a", 12); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing state: err = %v, want ErrNotFound", err)
		}
		in := store.CourseState{Domain: "ac-a", CourseID: 12, State: "corbeille", SourceCourseID: 4,
			OriginState: "session_en_cours", OriginVariant: "self_local", OriginCategoryID: 9, OriginVisible: true}
		if err := s.PutCourseState(ctx, in); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetCourseState(ctx, "ac-a", 12)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != "corbeille" || got.OriginCategoryID != 9 || !got.OriginVisible || got.OriginVariant != "self_local" || got.SourceCourseID != 4 {
			t.Fatalf("state = %+v", got)
		}
		in.State, in.OriginState, in.OriginVisible = "session_en_cours", "", false
		if err := s.PutCourseState(ctx, in); err != nil {
			t.Fatal(err)
		}
		if err := s.PutCourseState(ctx, store.CourseState{Domain: "ac-a", CourseID: 13, State: "gabarit"}); err != nil {
			t.Fatal(err)
		}
		open, err := s.ListCourseStates(ctx, "ac-a", "session_en_cours", "session_preparation")
		if err != nil || len(open) != 1 || open[0].CourseID != 12 || open[0].OriginVisible {
			t.Fatalf("open sessions = %+v, %v", open, err)
		}
		all, _ := s.ListCourseStates(ctx, "ac-a")
		if len(all) != 2 {
			t.Fatalf("all states = %d, want 2", len(all))
		}
		for _, tr := range []store.CourseTransition{
			{Domain: "ac-a", CourseID: 12, Actor: "alice", Transition: "open", From: "session_preparation", To: "session_en_cours", JobID: 0},
			{Domain: "ac-a", CourseID: 12, Actor: "bob", Transition: "trash", From: "session_en_cours", To: "corbeille", Params: []byte(`{"x":1}`)},
		} {
			if _, err := s.RecordTransition(ctx, tr); err != nil {
				t.Fatal(err)
			}
		}
		trail, err := s.ListTransitions(ctx, "ac-a", 12)
		if err != nil || len(trail) != 2 || trail[0].Transition != "open" || trail[1].Actor != "bob" || string(trail[1].Params) != `{"x":1}` {
			t.Fatalf("trail = %+v, %v", trail, err)
		}
	})
}

func TestCourseMetadataNullableDurations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		m, err := s.GetCourseMetadata(ctx, "ac-a", 5)
		if err != nil || m.RemoteMinutes != nil || m.Objectives != "" {
			t.Fatalf("empty metadata = %+v, %v", m, err)
		}
		remote := 0
		if err := s.SetCourseMetadata(ctx, "ac-a", 5, store.CourseMetadata{RemoteMinutes: &remote, Objectives: "Lire"}); err != nil {
			t.Fatal(err)
		}
		m, err = s.GetCourseMetadata(ctx, "ac-a", 5)
		if err != nil || m.RemoteMinutes == nil || *m.RemoteMinutes != 0 || m.InPersonMinutes != nil || m.Objectives != "Lire" {
			t.Fatalf("metadata = %+v, %v", m, err)
		}
	})
}

func TestClaimReminderExactlyOnceConcurrently(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			wins int
		)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := s.ClaimReminder(ctx, "ac-a", 5, "end+7")
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d claims won, want exactly 1", wins)
		}
		if err := s.ReleaseReminder(ctx, "ac-a", 5, "end+7"); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.ClaimReminder(ctx, "ac-a", 5, "end+7"); !ok || err != nil {
			t.Fatalf("claim after release = %v, %v", ok, err)
		}
		sent, err := s.SentReminders(ctx, "ac-a")
		if err != nil || len(sent) != 1 || sent[0].Kind != "end+7" {
			t.Fatalf("ledger = %+v, %v", sent, err)
		}
	})
}
