package api_test

import (
	"testing"
)

// TestDigestRoutesSubscribeTheSignedCaller: the offer block opts its
// user in and out; the subscription is the signed caller's, on the signing
// domain, and every change is audited.
func TestDigestRoutesSubscribeTheSignedCaller(t *testing.T) {
	e := newEnv(t, nil)
	e.seedUsers("abonne1")
	me := e.users["abonne1"]
	const uri = "/api/v1/offer/digest"

	if m := e.as("abonne1", "GET", uri, nil).json(t); m["subscribed"] != false {
		t.Fatalf("before: %v", m)
	}
	a := e.as("abonne1", "POST", uri, nil)
	if a.status != 200 || a.json(t)["changed"] != true {
		t.Fatalf("subscribe: %d %s", a.status, a.body)
	}
	if a := e.as("abonne1", "POST", uri, nil); a.status != 200 || a.json(t)["changed"] != false {
		t.Fatalf("subscribe twice: %d %s", a.status, a.body)
	}
	subs, err := e.app.Store.ListDigestSubscribers(e.ctx, "ac-a")
	if err != nil || len(subs) != 1 || subs[0].UserID != me {
		t.Fatalf("ac-a subscribers = %+v, %v; want only user %d", subs, err, me)
	}
	if subs, _ := e.app.Store.ListDigestSubscribers(e.ctx, "ac-b"); len(subs) != 0 {
		t.Fatalf("ac-b must have no subscriber: %+v", subs)
	}
	if m := e.as("abonne1", "GET", uri, nil).json(t); m["subscribed"] != true {
		t.Fatalf("after subscribe: %v", m)
	}

	// The same user id signed by ac-b is another person on another site.
	if a := e.call("DELETE", uri, "ac-b", secretB, me, "", nil); a.status != 200 || a.json(t)["changed"] != false {
		t.Fatalf("ac-b unsubscribe: %d %s", a.status, a.body)
	}
	if on, _ := e.app.Store.DigestSubscribed(e.ctx, "ac-a", me); !on {
		t.Fatal("ac-b's call must not unsubscribe ac-a's user")
	}

	if a := e.as("abonne1", "DELETE", uri, nil); a.status != 200 || a.json(t)["changed"] != true {
		t.Fatalf("unsubscribe: %d %s", a.status, a.body)
	}
	if on, _ := e.app.Store.DigestSubscribed(e.ctx, "ac-a", me); on {
		t.Fatal("still subscribed after DELETE")
	}
	if a := e.call("POST", uri, "ac-a", "", me, "", nil); a.status != 401 {
		t.Fatalf("unsigned: %d %s, want 401", a.status, a.body)
	}
	if got := e.audits("api.offer.digest.subscribe"); len(got) != 2 || got[0].Domain != "ac-a" {
		t.Fatalf("subscribe audits = %+v", got)
	}
	if got := e.audits("api.offer.digest.unsubscribe"); len(got) != 2 {
		t.Fatalf("unsubscribe audits = %+v", got)
	}
}
