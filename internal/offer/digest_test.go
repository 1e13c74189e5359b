package offer_test

import (
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/offer"
	"github.com/magistere/bridge/internal/store"
)

const sendFn = "core_message_send_instant_messages"

// digestClock runs the store's clock at real speed plus an offset the
// test moves forward a week at a time.
func digestClock(h *harness) *atomic.Int64 {
	var offset atomic.Int64
	h.st.SetClock(func() time.Time { return time.Now().Add(time.Duration(offset.Load())) })
	return &offset
}

func (h *harness) putOffer(kind, scope, domain string, course int64, title string, publishedAt time.Time) store.Offer {
	h.t.Helper()
	remote, inperson := 90, 180
	o, err := h.st.PutOffer(h.ctx, store.Offer{Kind: kind, Scope: scope, Domain: domain, CourseID: course, Title: title,
		Origin: "DGESCO", Version: 1, RemoteMinutes: &remote, InPersonMinutes: &inperson, PublishedBy: "admin-secret-person",
		PublishedAt: publishedAt})
	if err != nil {
		h.t.Fatal(err)
	}
	return o
}

func (h *harness) users(domain string, names ...string) []int64 {
	h.t.Helper()
	var in []moodle.UserInput
	for _, n := range names {
		in = append(in, moodle.UserInput{Username: n, FirstName: "Prénom", LastName: n, Email: n + "@example.fr", Auth: "manual", Password: "Passw0rd!"})
	}
	out, err := h.client(domain).CreateUsers(h.ctx, in)
	if err != nil {
		h.t.Fatal(err)
	}
	ids := make([]int64, len(out))
	for i, u := range out {
		ids[i] = int64(u.ID)
	}
	return ids
}

func (h *harness) runDigest(domain string, key string) offer.DigestResult {
	h.t.Helper()
	j, _, err := h.q.Submit(h.ctx, jobs.Spec{Kind: offer.KindDigest, Domain: domain, Payload: offer.DigestPayload{Domain: domain}, Key: key})
	if err != nil {
		h.t.Fatal(err)
	}
	var res offer.DigestResult
	if err := json.Unmarshal(h.wait(j).Result, &res); err != nil {
		h.t.Fatal(err)
	}
	return res
}

func (h *harness) subscribe(domain string, ids ...int64) {
	h.t.Helper()
	for _, id := range ids {
		if _, err := h.st.SubscribeDigest(h.ctx, domain, id); err != nil {
			h.t.Fatal(err)
		}
	}
}

func TestDigestSentOncePerPeriodOnlyNewOffers(t *testing.T) {
	h := newHarness(t)
	offset := digestClock(h)
	h.startPool()
	now := h.st.Now()
	h.putOffer(store.OfferParcours, store.ScopeNational, "national", 11, "Écrire au cycle 2", now.Add(-24*time.Hour))
	h.putOffer(store.OfferFormation, store.ScopeLocal, "ac-a", 12, "Session locale A", now.Add(-2*time.Hour))
	h.putOffer(store.OfferFormation, store.ScopeLocal, "ac-b", 13, "Session locale B", now.Add(-time.Hour))
	h.putOffer(store.OfferParcours, store.ScopeNational, "national", 14, "Ancien parcours", now.Add(-8*24*time.Hour))
	ids := h.users("ac-a", "abonne1", "abonne2")
	h.subscribe("ac-a", ids...)
	site := h.sim.Site("ac-a")

	res := h.runDigest("ac-a", "digest-1")
	if res.Sent != 2 || len(res.Offers) != 2 || res.Period != offer.DigestPeriod(now) {
		t.Fatalf("first run: %+v", res)
	}
	titles := res.Offers[0].Title + "|" + res.Offers[1].Title
	if titles != "Session locale A|Écrire au cycle 2" {
		t.Fatalf("offers = %s; want ac-a's local session and the recent national parcours, newest first", titles)
	}
	if n := site.CallCounts()[sendFn]; n != 1 {
		t.Fatalf("%d send calls, want 1 batch", n)
	}

	// A rerun (another replica, a manual run) in the same week sends nothing.
	res = h.runDigest("ac-a", "digest-2")
	if res.Sent != 0 || len(res.Deliveries) != 2 || res.Deliveries[0].Status != offer.DigestAlreadySent {
		t.Fatalf("rerun: %+v", res)
	}
	if n := site.CallCounts()[sendFn]; n != 1 {
		t.Fatalf("%d send calls after the rerun, want still 1", n)
	}

	// Next week: one unsubscribed, one new offer.
	if _, err := h.st.UnsubscribeDigest(h.ctx, "ac-a", ids[0]); err != nil {
		t.Fatal(err)
	}
	offset.Add(int64(7 * 24 * time.Hour))
	h.putOffer(store.OfferParcours, store.ScopeNational, "national", 15, "Nouveau parcours", h.st.Now().Add(-time.Minute))
	res = h.runDigest("ac-a", "digest-3")
	if res.Sent != 1 || len(res.Deliveries) != 1 || res.Deliveries[0].UserID != ids[1] || len(res.Offers) != 1 {
		t.Fatalf("next week: %+v", res)
	}
	if n := site.CallCounts()[sendFn]; n != 2 {
		t.Fatalf("%d send calls, want 2", n)
	}

	// The week after: nothing new, nothing sent, and the result says so.
	offset.Add(int64(7 * 24 * time.Hour))
	res = h.runDigest("ac-a", "digest-4")
	if res.Sent != 0 || len(res.Offers) != 0 || !strings.Contains(res.Message, "no new offers") {
		t.Fatalf("quiet week: %+v", res)
	}
	if n := site.CallCounts()[sendFn]; n != 2 {
		t.Fatalf("%d send calls in a quiet week, want still 2", n)
	}
}

func TestDigestDryRunAndFailedSendReleasesSlot(t *testing.T) {
	h := newHarness(t)
	now := h.st.Now()
	h.putOffer(store.OfferParcours, store.ScopeNational, "national", 11, "Écrire au cycle 2", now.Add(-time.Hour))
	ids := h.users("ac-a", "abonne1")
	const ghost = 987654 // no such user: Moodle answers msgid -1
	h.subscribe("ac-a", ids[0], ghost)
	site := h.sim.Site("ac-a")

	dry, err := h.svc.Digest(h.ctx, "ac-a", true)
	if err != nil || len(dry.Deliveries) != 2 || dry.Deliveries[0].Status != offer.DigestWouldSend || site.CallCounts()[sendFn] != 0 {
		t.Fatalf("dry run: %+v, %v, %d calls", dry, err, site.CallCounts()[sendFn])
	}
	for _, want := range []string{"« Écrire au cycle 2 » (parcours)", "origine : DGESCO", "durée : 4 h 30 (1 h 30 à distance, 3 h en présence)", "English:"} {
		if !strings.Contains(dry.Text, want) {
			t.Fatalf("text lacks %q:\n%s", want, dry.Text)
		}
	}
	if strings.Contains(dry.Text, "admin-secret-person") {
		t.Fatal("the digest must not name who published")
	}

	period := offer.DigestPeriod(now)
	res, err := h.svc.Digest(h.ctx, "ac-a", false)
	if err == nil || !failure.IsRetryable(err) {
		t.Fatalf("a refused message must fail retryably, got %v", err)
	}
	if res.Sent != 1 {
		t.Fatalf("result: %+v", res)
	}
	if sent, _ := h.st.DigestSent(h.ctx, "ac-a", ghost, period); sent {
		t.Fatal("the failed subscriber's slot must be released")
	}
	if sent, _ := h.st.DigestSent(h.ctx, "ac-a", ids[0], period); !sent {
		t.Fatal("the delivered subscriber's slot must stay claimed")
	}
	// The retry sends to the failed subscriber only.
	if _, err := h.st.UnsubscribeDigest(h.ctx, "ac-a", ghost); err != nil {
		t.Fatal(err)
	}
	res, err = h.svc.Digest(h.ctx, "ac-a", false)
	if err != nil || res.Sent != 0 || site.CallCounts()[sendFn] != 1 {
		t.Fatalf("retry: %+v, %v, %d calls", res, err, site.CallCounts()[sendFn])
	}
}

func TestDigestPeriodIsISOWeekInParis(t *testing.T) {
	// Sunday 23:30 UTC is already Monday in Paris: the next ISO week.
	if got := offer.DigestPeriod(time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC)); got != "2026-W48" {
		t.Fatalf("period = %s, want 2026-W48", got)
	}
	if got := offer.DigestPeriod(time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)); got != "2026-W53" {
		t.Fatalf("period = %s, want 2026-W53", got)
	}
}
