package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/offer"
	"github.com/magistere/bridge/internal/store"
)

// TestOfferDigestCLI subscribes two people of ac-a, dry-runs the digest,
// runs it (both get it), reruns it (nobody gets it twice) and checks that
// an unsubscribed person is no longer listed.
func TestOfferDigestCLI(t *testing.T) {
	const token = "digest-token-abcdef0123456789"
	sim := startBridge(t, nil, "moodlesim", "--listen", "127.0.0.1:0", "--token", token, "--sites", "national,ac-a")
	dir := t.TempDir()
	var domainsYAML strings.Builder
	for _, d := range []string{"national", "ac-a"} {
		fmt.Fprintf(&domainsYAML, "  - name: %s\n    wwwroot: http://%s/%s\n    token: %s\n    zone: A\n", d, sim.addr, d, token)
	}
	cfg := writeFile(t, dir, "bridge.yaml", "data_dir: "+dir+"\nnational: national\ndomains:\n"+domainsYAML.String())
	bridge := func(args ...string) result {
		t.Helper()
		return runBridge(t, 2*time.Minute, nil, append([]string{"--config", cfg}, args...)...)
	}
	must := func(r result, what, want string) string {
		t.Helper()
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Fatalf("%s: exit %d, want %q in:\n%s%s", what, r.code, want, r.stdout, r.stderr)
		}
		return r.stdout
	}

	users, err := simClient(t, sim.addr, "ac-a", token).CreateUsers(context.Background(), []moodle.UserInput{
		{Username: "abonne1", FirstName: "A", LastName: "Un", Email: "a1@ac-a.fr", Auth: "manual", Password: "Passw0rd!"},
		{Username: "abonne2", FirstName: "A", LastName: "Deux", Email: "a2@ac-a.fr", Auth: "manual", Password: "Passw0rd!"}})
	if err != nil {
		t.Fatal(err)
	}
	u1, u2 := fmt.Sprint(int64(users[0].ID)), fmt.Sprint(int64(users[1].ID))

	// Quiet week first: the result says so.
	must(bridge("offer", "digest", "subscribe", "--domain", "ac-a", "--user", u1), "subscribe", "ac-a: user "+u1+" subscribed")
	must(bridge("offer", "digest", "subscribe", "--domain", "ac-a", "--user", u1), "subscribe again", "already subscribed")
	must(bridge("offer", "digest", "subscribe", "--domain", "ac-a", "--user", u2), "subscribe 2", "subscribed")
	must(bridge("offer", "digest", "run", "--domain", "ac-a"), "quiet run", "no new offers: nothing sent")

	st, err := store.Open(context.Background(), "", dir)
	if err != nil {
		t.Fatal(err)
	}
	remote := 120
	if _, err := st.PutOffer(context.Background(), store.Offer{Kind: store.OfferParcours, Domain: "national", CourseID: 5,
		Title: "Écrire au cycle 2", Origin: "DGESCO", Version: 1, RemoteMinutes: &remote, PublishedAt: st.Now()}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	out := must(bridge("offer", "digest", "run", "--domain", "ac-a", "--dry-run"), "dry run", "dry run: nothing sent")
	for _, want := range []string{"user " + u1 + ": would_send", "user " + u2 + ": would_send", "« Écrire au cycle 2 » (parcours)", "durée : 2 h"} {
		if !strings.Contains(out, want) {
			t.Fatalf("dry run lacks %q:\n%s", want, out)
		}
	}
	out = must(bridge("--format", "json", "offer", "digest", "run", "--domain", "ac-a"), "run", `"sent":2`)
	var res offer.DigestResult
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Offers) != 1 || res.Period != offer.DigestPeriod(time.Now()) {
		t.Fatalf("run result: %+v %v", res, err)
	}
	out = must(bridge("offer", "digest", "run", "--domain", "ac-a"), "rerun", "0 digest(s) sent")
	if !strings.Contains(out, "user "+u1+": already_sent") {
		t.Fatalf("rerun must not send again:\n%s", out)
	}

	must(bridge("offer", "digest", "unsubscribe", "--domain", "ac-a", "--user", u1), "unsubscribe", "unsubscribed")
	out = must(bridge("offer", "digest", "run", "--domain", "ac-a", "--dry-run"), "dry run after unsubscribe", "user "+u2)
	if strings.Contains(out, "user "+u1+":") {
		t.Fatalf("an unsubscribed user is still listed:\n%s", out)
	}
	if r := bridge("offer", "digest", "resend", "--domain", "ac-a"); r.code != 2 {
		t.Fatalf("unknown sub-command: exit %d, want 2", r.code)
	}
	if r := bridge("offer", "digest", "subscribe", "--domain", "ac-a"); r.code != 2 {
		t.Fatalf("missing --user: exit %d, want 2", r.code)
	}
}
