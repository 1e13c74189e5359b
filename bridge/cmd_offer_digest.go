package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/offer"
	"github.com/magistere/bridge/internal/store"
)

func init() {
	register(&command{name: "offer digest", summary: "weekly digest of new offers: subscribe|unsubscribe --domain D --user ID, run --domain D [--dry-run]",
		run: runOfferDigest})
}

// runOfferDigest dispatches on its sub-command: command names have at
// most two words.
func runOfferDigest(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 {
		return usagef("offer digest: want subscribe, unsubscribe or run")
	}
	switch args[0] {
	case "subscribe", "unsubscribe":
		return runDigestSubscription(ctx, env, args[0], args[1:])
	case "run":
		return runDigestRun(ctx, env, args[1:])
	case "--help", "-h", "help":
		fmt.Fprintln(env.stdout, "Usage: bridge offer digest subscribe|unsubscribe|run [flags]\n\n"+
			"  subscribe, unsubscribe   opt a user in or out of the weekly digest of new offers\n"+
			"  run                      send this week's digest (once per ISO week)\n\n"+
			"Run 'bridge offer digest SUBCOMMAND --help' for its flags.")
		return nil
	}
	return usagef("offer digest: unknown sub-command %q (want subscribe, unsubscribe or run)", args[0])
}

func runDigestSubscription(ctx context.Context, env *cliEnv, verb string, args []string) error {
	fs := newFlags(env, "offer digest "+verb, "--domain D --user ID")
	domain := fs.String("domain", "", "domain (required)")
	user := new(int64)
	userVar(fs, env, user, domain, "user", "the subscriber on that domain (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *domain == "" || *user <= 0 {
		return usagef("--domain and --user are required")
	}
	a, err := env.openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	if _, err := a.Fleet.Get(*domain); err != nil {
		return usagef("%v", err)
	}
	subscribe := verb == "subscribe"
	var changed bool
	if subscribe {
		changed, err = a.Store.SubscribeDigest(ctx, *domain, *user)
	} else {
		changed, err = a.Store.UnsubscribeDigest(ctx, *domain, *user)
	}
	if err != nil {
		return err
	}
	// Audited like the block's request (api.offer.digest.*): the digest
	// mails personal data to whoever is subscribed.
	if _, err := a.Store.RecordAudit(ctx, store.AuditEntry{Actor: requestedBy(), Domain: *domain, Action: "offer.digest." + verb,
		Target: "user:" + strconv.FormatInt(*user, 10), Outcome: map[bool]string{true: "changed", false: "unchanged"}[changed]}); err != nil {
		return err
	}
	if env.format == "json" {
		return json.NewEncoder(env.stdout).Encode(map[string]any{"domain": *domain, "user_id": *user, "subscribed": subscribe, "changed": changed})
	}
	state := map[bool]string{true: "subscribed", false: "unsubscribed"}[subscribe]
	if !changed {
		state = "already " + state
	}
	fmt.Fprintf(env.stdout, "%s: user %d %s\n", *domain, *user, state)
	return nil
}

// runDigestRun runs the digest as a job (so that it is recorded and
// retried like the scheduled one); --dry-run only lists who would get what.
func runDigestRun(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "offer digest run", "--domain D [--dry-run]")
	domain := fs.String("domain", "", "domain (required)")
	dry := fs.Bool("dry-run", false, "list who would get which offers; send nothing")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *domain == "" {
		return usagef("--domain is required")
	}
	a, err := env.openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	if _, err := a.Fleet.Get(*domain); err != nil {
		return usagef("%v", err)
	}
	if *dry {
		res, err := env.offerService(a).Digest(ctx, *domain, true)
		if err != nil {
			return err
		}
		return printDigest(env, res)
	}
	j, _, err := a.Queue.Submit(ctx, jobs.Spec{Kind: offer.KindDigest, Domain: *domain,
		Payload: offer.DigestPayload{Domain: *domain}, RequestedBy: cliActor(), MaxAttempts: 1})
	if err != nil {
		return err
	}
	if j, err = runJobLocally(ctx, env, a, j); err != nil {
		return err
	}
	var res offer.DigestResult
	if err := json.Unmarshal(j.Result, &res); err != nil {
		return fmt.Errorf("offer digest: job %d result: %w", j.ID, err)
	}
	return printDigest(env, res)
}

func printDigest(env *cliEnv, res offer.DigestResult) error {
	if env.format == "json" {
		return json.NewEncoder(env.stdout).Encode(res)
	}
	fmt.Fprintf(env.stdout, "%s %s: %s\n", res.Domain, res.Period, res.Message)
	for _, o := range res.Offers {
		fmt.Fprintf(env.stdout, "  offer %d %s « %s » (%s)\n", o.OfferID, o.Kind, o.Title, o.Domain)
	}
	for _, d := range res.Deliveries {
		line := fmt.Sprintf("  user %d: %s", d.UserID, d.Status)
		if d.Error != "" {
			line += " (" + d.Error + ")"
		}
		fmt.Fprintln(env.stdout, line)
	}
	if res.Text != "" {
		fmt.Fprintf(env.stdout, "message:\n%s\n", res.Text)
	}
	return nil
}
