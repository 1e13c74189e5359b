package api_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/store"
)

var updateWire = flag.Bool("update-wire", false, "rewrite testdata/wire/*.json from the current answers")

// volatile are the values a run cannot reproduce: wall-clock times.
var volatile = regexp.MustCompile(`"\d{4}-\d\d-\d\dT[0-9:.]+(Z|[+-]\d\d:\d\d)"`)

// TestWireShapesOfTheBlocksRoutes pins, byte for byte (times masked), the
// JSON the offer and tracking blocks read (bridge/testdata/api_blocks.php
// and the PHP blocks): the services behind these routes return typed
// results now, and their shape on the wire must not move.
func TestWireShapesOfTheBlocksRoutes(t *testing.T) {
	e := newEnv(t, nil)
	d, _ := e.app.Fleet.Get("ac-a")
	if _, err := domains.Bootstrap(e.ctx, d, e.app.Store); err != nil {
		t.Fatal(err)
	}
	e.seedUsers(formateurUsername, "eleve", "autre", "admin1")
	course := e.course("WIRE-S1", 1)
	e.enrol(course, roleEditingTeach, formateurUsername)
	e.enrol(course, roleStudent, "eleve", "autre")
	sixty, ninety := 60, 90
	shared := func(c int64, title string) store.Offer {
		o, err := e.app.Store.PutOffer(e.ctx, store.Offer{Kind: store.OfferParcours, Domain: "ac-b", CourseID: c, Title: title,
			Summary: "Résumé", Origin: "DNE", Collection: "Numérique", Publics: []string{"1D", "2D"}, Keywords: []string{"lecture"},
			RemoteMinutes: &sixty, InPersonMinutes: &ninety, Version: 1, Checksum: "abc", FilePath: "/secret/path.mbz", FileSize: 10,
			PublishedBy: "cli:op", PublishedAt: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	o1, o2 := shared(501, "Lecture au cycle 2"), shared(502, "Lecture au cycle 3")
	reqs := func(o store.Offer, short string) store.OfferRequest {
		r, err := e.app.Store.CreateOfferRequest(e.ctx, store.OfferRequest{OfferID: o.ID, TargetDomain: "ac-a", RequestedBy: "formateur1",
			RequesterUserID: e.users[formateurUsername], Name: "Parcours " + short, ShortName: short})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r1, r2 := reqs(o1, "WIRE-P1"), reqs(o2, "WIRE-P2")
	site := func(method, uri, body string) answer {
		ctype := ""
		if body != "" {
			ctype = "application/json"
		}
		return e.call(method, uri+"?acting_as=site", "ac-a", secretA, e.users["admin1"], ctype, []byte(body))
	}
	cbase := fmt.Sprintf("/api/v1/courses/%d/", course)
	mark := fmt.Sprintf(`{"user_ids":[%d,%d],"done":true}`, e.users["eleve"], e.users["autre"])
	steps := []struct {
		name string
		do   func() answer
	}{
		{"offer_search", func() answer { return e.as(formateurUsername, "GET", "/api/v1/offer?q=lecture", nil) }},
		{"offer_get", func() answer { return e.as(formateurUsername, "GET", fmt.Sprintf("/api/v1/offer/%d", o1.ID), nil) }},
		{"offer_my_requests", func() answer { return e.as(formateurUsername, "GET", "/api/v1/offer/requests", nil) }},
		{"offer_requests", func() answer { return site("GET", cbase+"offer/requests", "") }},
		{"offer_reject", func() answer {
			return site("POST", fmt.Sprintf("%soffer/requests/%d/reject", cbase, r1.ID), `{"reason":"déjà fait"}`)
		}},
		{"offer_approve", func() answer {
			return site("POST", fmt.Sprintf("%soffer/requests/%d/approve", cbase, r2.ID), `{}`)
		}},
		{"tracking_attendance", func() answer { return e.as(formateurUsername, "POST", cbase+"attendance", []byte(mark)) }},
		{"tracking_stats", func() answer { return e.as(formateurUsername, "GET", cbase+"stats", nil) }},
		{"tracking_progress", func() answer { return e.as(formateurUsername, "GET", cbase+"progress", nil) }},
	}
	for _, s := range steps {
		a := s.do()
		got := volatile.ReplaceAll(a.body, []byte(`"<time>"`))
		got = []byte(fmt.Sprintf("%d %s", a.status, got))
		file := filepath.Join("testdata", "wire", s.name+".json")
		if *updateWire {
			if err := os.WriteFile(file, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%s: %v (run with -update-wire once)", s.name, err)
		}
		if string(got) != string(want) {
			t.Errorf("%s: the wire shape moved\n got: %s\nwant: %s", s.name, got, want)
		}
	}
}
