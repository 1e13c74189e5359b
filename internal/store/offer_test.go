package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
)

func intp(v int) *int { return &v }

func seedOffers(t *testing.T, s *store.Store) []store.Offer {
	t.Helper()
	ctx := context.Background()
	in := []store.Offer{
		{Kind: store.OfferParcours, Domain: "national", CourseID: 10, Title: "Écrire au cycle 2", Summary: "Production d'écrits",
			Origin: "DGESCO", Collection: "Parcours hybride", Publics: []string{"Professeurs des écoles"}, Keywords: []string{"français"},
			RemoteMinutes: intp(180), InPersonMinutes: intp(360), Version: 1, Checksum: "abc"},
		{Kind: store.OfferParcours, Domain: "national", CourseID: 11, Title: "Mathématiques", Origin: "Académie",
			Publics: []string{"Enseignants du second degré"}, RemoteMinutes: intp(60), InPersonMinutes: intp(0), Version: 2},
		{Kind: store.OfferParcours, Domain: "national", CourseID: 12, Title: "Pas encore partagé écrire", Version: 0},
		{Kind: store.OfferFormation, Scope: store.ScopeLocal, Domain: "ac-a", CourseID: 20, Title: "Session locale écriture", Origin: "académie"},
		{Kind: store.OfferFormation, Scope: store.ScopeNational, Domain: "ac-b", CourseID: 21, Title: "Session nationale"},
	}
	var out []store.Offer
	for _, o := range in {
		got, err := s.PutOffer(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, got)
	}
	return out
}

func TestOfferCatalogue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seeded := seedOffers(t, s)
		first := seeded[0]
		if first.ID == 0 || first.TotalMinutes() != 540 || first.Publics[0] != "Professeurs des écoles" {
			t.Fatalf("stored entry: %+v", first)
		}
		// Re-putting keeps the id and replaces the fields.
		first.Version, first.Checksum = 2, "def"
		again, err := s.PutOffer(ctx, first)
		if err != nil || again.ID != first.ID || again.Version != 2 || again.Checksum != "def" {
			t.Fatalf("re-put: %+v %v", again, err)
		}
		count := func(f store.OfferFilter) int {
			t.Helper()
			p, err := s.SearchOffers(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			return p.Total
		}
		cases := []struct {
			name string
			f    store.OfferFilter
			want int
		}{
			{"all listed (version 0 hidden)", store.OfferFilter{}, 4},
			{"accents and case", store.OfferFilter{Text: "ÉCRI"}, 2},
			{"keyword", store.OfferFilter{Text: "francais"}, 1},
			{"two words", store.OfferFilter{Text: "écrire cycle"}, 1},
			{"origin", store.OfferFilter{Origin: "academie"}, 2},
			{"public", store.OfferFilter{Public: "professeurs des ecoles"}, 1},
			{"public is a whole value", store.OfferFilter{Public: "professeurs"}, 0},
			{"min minutes", store.OfferFilter{MinMinutes: 100}, 1},
			{"max minutes", store.OfferFilter{Kind: store.OfferParcours, MaxMinutes: 100}, 1},
			{"domain hides other local sessions", store.OfferFilter{Domain: "ac-b"}, 3},
			{"domain shows its local sessions", store.OfferFilter{Domain: "ac-a"}, 4},
			{"like wildcard is literal", store.OfferFilter{Text: "%"}, 0},
		}
		for _, c := range cases {
			if got := count(c.f); got != c.want {
				t.Errorf("%s: %d entries, want %d", c.name, got, c.want)
			}
		}
		p, err := s.SearchOffers(ctx, store.OfferFilter{Page: 2, PerPage: 3})
		if err != nil || p.Total != 4 || len(p.Offers) != 1 {
			t.Fatalf("page 2: %+v %v", p, err)
		}
		if err := s.SetOfferModified(ctx, first.ID, true); err != nil {
			t.Fatal(err)
		}
		shared, err := s.ListSharedOffers(ctx, "national")
		if err != nil || len(shared) != 2 || !shared[0].Modified {
			t.Fatalf("shared: %+v %v", shared, err)
		}
		if ok, err := s.DeleteOffer(ctx, first.ID); !ok || err != nil {
			t.Fatalf("delete: %v %v", ok, err)
		}
		if _, err := s.GetOffer(ctx, first.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("deleted entry still there: %v", err)
		}
	})
}

func TestOfferRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := s.CreateOfferRequest(ctx, store.OfferRequest{OfferID: 1}); err == nil {
			t.Fatal("incomplete request accepted")
		}
		r, err := s.CreateOfferRequest(ctx, store.OfferRequest{OfferID: 1, TargetDomain: "ac-a", RequestedBy: "alice",
			RequesterUserID: 7, Name: "Écrire", ShortName: "ECR"})
		if err != nil || r.State != store.RequestRequested || r.ID == 0 {
			t.Fatalf("create: %+v %v", r, err)
		}
		r, err = s.UpdateOfferRequest(ctx, r.ID, store.RequestUpdate{State: store.RequestApproved, DecidedBy: "gest", JobID: 5}, store.RequestRequested)
		if err != nil || r.State != store.RequestApproved || r.DecidedBy != "gest" || r.JobID != 5 {
			t.Fatalf("approve: %+v %v", r, err)
		}
		// A second gestionnaire rejecting after the approval loses.
		if _, err := s.UpdateOfferRequest(ctx, r.ID, store.RequestUpdate{State: store.RequestRejected, Reason: "non"}, store.RequestRequested); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("reject after approve: %v", err)
		}
		r, err = s.UpdateOfferRequest(ctx, r.ID, store.RequestUpdate{State: store.RequestDeployed, CourseID: 42})
		if err != nil || r.CourseID != 42 || r.JobID != 5 {
			t.Fatalf("deployed: %+v %v", r, err)
		}
		list, err := s.ListOfferRequests(ctx, "ac-a", store.RequestDeployed)
		if err != nil || len(list) != 1 {
			t.Fatalf("list: %+v %v", list, err)
		}
		if list, _ := s.ListOfferRequests(ctx, "ac-b", ""); len(list) != 0 {
			t.Fatalf("other domain: %+v", list)
		}
	})
}
