package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/magistere/bridge/internal/app"
	"github.com/magistere/bridge/internal/offer"
	"github.com/magistere/bridge/internal/store"
)

func init() {
	for _, c := range []*command{
		{name: "offer share", summary: "share a parcours en démonstration to the offre de parcours (backup job)", run: runOfferShare},
		{name: "offer unshare", summary: "remove a parcours from the offre de parcours, with its backups", run: runOfferUnshare},
		{name: "offer publish", summary: "publish a session en cours to the offre de formation (national or local)", run: runOfferPublish},
		{name: "offer unpublish", summary: "remove a session from the offre de formation", run: runOfferUnpublish},
		{name: "offer list", summary: "list the catalogue (offre de parcours and de formation)", run: runOfferList},
		{name: "offer search", summary: "search the catalogue: text (accents and case ignored), origin, collection, public, durations", run: runOfferSearch},
		{name: "offer request", summary: "ask for a shared parcours in an academy (Demander la mise à disposition)", run: runOfferRequest},
		{name: "offer approve", summary: "approve a request and deploy the parcours (job)", run: runOfferApprove},
		{name: "offer reject", summary: "reject a request with a reason", run: runOfferReject},
		{name: "offer deploy", summary: "(re)run the deployment of an approved request; idempotent", run: runOfferDeploy},
	} {
		register(c)
	}
}

func (env *cliEnv) offerService(a *app.App) *offer.Service {
	return a.Offer
}

// indexingFlags binds the catalogue's indexing fields.
func indexingFlags(fs *flag.FlagSet) func() offer.Indexing {
	origin := fs.String("origin", "", "origin (e.g. DGESCO, académie)")
	collection := fs.String("collection", "", "collection")
	publics := fs.String("public", "", "publics, comma-separated")
	keywords := fs.String("keywords", "", "keywords, comma-separated")
	return func() offer.Indexing {
		return offer.Indexing{Origin: *origin, Collection: *collection, Publics: splitList(*publics), Keywords: splitList(*keywords)}
	}
}

func splitList(s string) []string {
	var out []string
	for _, it := range strings.Split(s, ",") {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, it)
		}
	}
	return out
}

func courseFlags(env *cliEnv, fs *flag.FlagSet) (*string, *int64) {
	domain, course := fs.String("domain", "", "domain (required)"), new(int64)
	courseVar(fs, env, course, domain, "course", "the course (required)")
	return domain, course
}

func runOfferShare(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "offer share", "--domain D --course C --origin O [--collection C --public P,P --keywords K,K] [--no-wait]")
	domain, course := courseFlags(env, fs)
	indexing := indexingFlags(fs)
	async := noWaitFlag(env, fs, "only queue the job and print its id")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *domain == "" || *course <= 0 {
		return usagef("--domain and --course are required")
	}
	a, err := env.openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	j, err := env.offerService(a).SubmitShare(ctx, offer.ShareRequest{Domain: *domain, CourseID: *course, Indexing: indexing(), RequestedBy: cliActor()})
	if err != nil {
		return err
	}
	return finishJob(ctx, env, a, j, *async)
}

// finishJob prints a queued job's id (async), or runs this process's
// workers until it ends, printing its progress, then its result.
func finishJob(ctx context.Context, env *cliEnv, a *app.App, j store.Job, async bool) error {
	if !async && j.State != store.JobSucceeded {
		var err error
		if j, err = runJobLocally(ctx, env, a, j); err != nil {
			return err
		}
	}
	if env.format == "json" {
		return json.NewEncoder(env.stdout).Encode(jobView(j))
	}
	fmt.Fprintf(env.stdout, "job %d %s %s\n", j.ID, j.Kind, j.State)
	if len(j.Result) > 0 {
		fmt.Fprintf(env.stdout, "  result: %s\n", j.Result)
	}
	return nil
}

func runOfferUnshare(ctx context.Context, env *cliEnv, args []string) error {
	return offerRemove(ctx, env, args, "offer unshare", (*offer.Service).Unshare)
}

func runOfferUnpublish(ctx context.Context, env *cliEnv, args []string) error {
	return offerRemove(ctx, env, args, "offer unpublish", (*offer.Service).Unpublish)
}

func offerRemove(ctx context.Context, env *cliEnv, args []string, name string,
	remove func(*offer.Service, context.Context, string, int64, string) (store.Offer, error)) error {
	fs := newFlags(env, name, "--domain D --course C")
	domain, course := courseFlags(env, fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *domain == "" || *course <= 0 {
		return usagef("--domain and --course are required")
	}
	a, err := env.openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	o, err := remove(env.offerService(a), ctx, *domain, *course, cliActor())
	if errors.Is(err, store.ErrNotFound) {
		// Already out of the offer: running it again is not a failure.
		fmt.Fprintf(env.stdout, "course %d on %s is not in the offer: nothing to do\n", *course, *domain)
		return nil
	}
	if err != nil {
		return err
	}
	return printOffer(env, o, "removed")
}

func runOfferPublish(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "offer publish", "--domain D --course C [--scope national|local] [--origin O --collection C --public P,P --keywords K,K]")
	domain, course := courseFlags(env, fs)
	scope := fs.String("scope", "", "national or local (default: the session's self-enrolment variant)")
	indexing := indexingFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *domain == "" || *course <= 0 {
		return usagef("--domain and --course are required")
	}
	if *scope != store.ScopeNational && *scope != store.ScopeLocal {
		return usagef("--scope must be national or local")
	}
	a, err := env.openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	o, err := env.offerService(a).Publish(ctx, offer.PublishRequest{Domain: *domain, CourseID: *course, Scope: *scope, Indexing: indexing(), RequestedBy: cliActor()})
	if err != nil {
		return err
	}
	return printOffer(env, o, "published")
}

func printOffer(env *cliEnv, o store.Offer, verb string) error {
	if env.format == "json" {
		return json.NewEncoder(env.stdout).Encode(o)
	}
	fmt.Fprintf(env.stdout, "offer %d %s: %s (%s course %d)\n", o.ID, verb, o.Title, o.Domain, o.CourseID)
	return nil
}

func runOfferList(ctx context.Context, env *cliEnv, args []string) error {
	return offerSearch(ctx, env, "offer list", args)
}

func runOfferSearch(ctx context.Context, env *cliEnv, args []string) error {
	return offerSearch(ctx, env, "offer search", args)
}

func offerSearch(ctx context.Context, env *cliEnv, name string, args []string) error {
	fs := newFlags(env, name, "[--text T] [--kind parcours|formation] [--origin O] [--collection C] [--public P] [--min-minutes N] [--max-minutes N] [--domain D] [--page N] [--per-page N]")
	var f store.OfferFilter
	fs.StringVar(&f.Text, "text", "", "words in the title, summary or keywords (accents and case ignored)")
	fs.StringVar(&f.Kind, "kind", "", "parcours (offre de parcours) or formation (offre de formation)")
	fs.StringVar(&f.Origin, "origin", "", "origin")
	fs.StringVar(&f.Collection, "collection", "", "collection")
	fs.StringVar(&f.Public, "public", "", "one public")
	fs.IntVar(&f.MinMinutes, "min-minutes", 0, "total announced duration at least")
	fs.IntVar(&f.MaxMinutes, "max-minutes", 0, "total announced duration at most")
	fs.StringVar(&f.Domain, "domain", "", "the viewer's domain: hides other academies' local sessions")
	fs.IntVar(&f.Page, "page", 1, "page, from 1")
	fs.IntVar(&f.PerPage, "per-page", 20, "entries per page (at most 200)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if f.Kind != "" && f.Kind != store.OfferParcours && f.Kind != store.OfferFormation {
		return usagef("--kind must be parcours or formation")
	}
	st, err := env.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	// The service's Search, as the API's catalogue: one path to the
	// catalogue (it needs no site, hence no fleet nor queue here).
	page, err := offer.New(st, nil, nil, "").Search(ctx, f)
	if err != nil {
		return err
	}
	if env.format == "json" {
		return json.NewEncoder(env.stdout).Encode(page)
	}
	fmt.Fprintf(env.stdout, "%d entries (page %d, %d per page)\n", page.Total, page.Page, page.PerPage)
	for _, o := range page.Offers {
		flag := ""
		if o.Modified {
			flag = "  [modified since publication]"
		}
		fmt.Fprintf(env.stdout, "offer %d  %-9s %-8s %s course %d  v%d  %d min  %s | %s | %s%s\n", o.ID, o.Kind, o.Scope, o.Domain, o.CourseID,
			o.Version, o.TotalMinutes(), o.Title, dash(o.Origin), dash(strings.Join(o.Publics, ", ")), flag)
	}
	return nil
}

func runOfferRequest(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "offer request", "--offer ID --target D --name N --shortname S [--category ID] [--requester USERID] [--as NAME]")
	var in offer.RequestInput
	fs.Int64Var(&in.OfferID, "offer", 0, "offer id (required)")
	fs.StringVar(&in.TargetDomain, "target", "", "academy receiving the parcours (required)")
	fs.StringVar(&in.Name, "name", "", "name of the new parcours (required)")
	fs.StringVar(&in.ShortName, "shortname", "", "shortname of the new parcours (required)")
	categoryVar(fs, env, &in.CategoryID, &in.TargetDomain, "category", "sub-category of Parcours de formation on the target (default: that category)")
	userVar(fs, env, &in.RequesterUserID, &in.TargetDomain, "requester", "the requester on the target domain (notified)")
	fs.StringVar(&in.RequestedBy, "as", "", "on whose behalf the operator asks (the audit records cli:<OS user> on behalf of it)")
	oldFlagName(env, fs, "by", "as")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	in.RequestedBy = operatorActor(in.RequestedBy)
	if in.OfferID <= 0 || in.TargetDomain == "" || in.Name == "" || in.ShortName == "" {
		return usagef("--offer, --target, --name and --shortname are required")
	}
	a, err := env.openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	r, err := env.offerService(a).Request(ctx, in)
	if err != nil {
		return err
	}
	return printRequest(env, r)
}

func printRequest(env *cliEnv, r store.OfferRequest) error {
	if env.format == "json" {
		return json.NewEncoder(env.stdout).Encode(r)
	}
	fmt.Fprintf(env.stdout, "request %d %s: offer %d to %s as %s (%s)", r.ID, r.State, r.OfferID, r.TargetDomain, r.ShortName, r.Name)
	if r.Reason != "" {
		fmt.Fprintf(env.stdout, ", reason: %s", r.Reason)
	}
	fmt.Fprintln(env.stdout)
	return nil
}

func requestFlags(fs *flag.FlagSet) *int64 { return fs.Int64("request", 0, "request id (required)") }

func runOfferApprove(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "offer approve", "--request ID [--as NAME] [--no-wait]")
	id := requestFlags(fs)
	by := actingFlag(env, fs, "the gestionnaire, for the audit trail")
	async := noWaitFlag(env, fs, "only queue the deployment and print its job id")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *id <= 0 {
		return usagef("--request is required")
	}
	a, err := env.openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	r, j, err := env.offerService(a).Approve(ctx, *id, operatorActor(*by))
	if err != nil {
		return err
	}
	if env.format == "text" {
		printRequest(env, r)
	}
	return finishJob(ctx, env, a, j, *async)
}

func runOfferReject(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "offer reject", "--request ID --reason R [--as NAME]")
	id := requestFlags(fs)
	reason := fs.String("reason", "", "reason told to the requester (required)")
	by := actingFlag(env, fs, "the gestionnaire, for the audit trail")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *id <= 0 || strings.TrimSpace(*reason) == "" {
		return usagef("--request and --reason are required")
	}
	a, err := env.openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	r, err := env.offerService(a).Reject(ctx, *id, operatorActor(*by), *reason)
	if err != nil {
		return err
	}
	return printRequest(env, r)
}

func runOfferDeploy(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "offer deploy", "--request ID [--no-wait]")
	id := requestFlags(fs)
	async := noWaitFlag(env, fs, "only queue the deployment and print its job id")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *id <= 0 {
		return usagef("--request is required")
	}
	a, err := env.openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	j, created, err := env.offerService(a).SubmitDeploy(ctx, *id, cliActor())
	if err != nil {
		return err
	}
	if !created && env.format == "text" {
		fmt.Fprintf(env.stdout, "same deployment as job %d\n", j.ID)
	}
	return finishJob(ctx, env, a, j, *async)
}

// noWaitFlag is --no-wait (only queue the job), with --async, its old
// name here, still accepted.
func noWaitFlag(env *cliEnv, fs *flag.FlagSet, usage string) *bool {
	v := fs.Bool("no-wait", false, usage)
	oldFlagName(env, fs, "async", "no-wait")
	return v
}

// actingFlag is --as, the person the operator acts for, with --by, its
// old name here, still accepted. The audit records the operator and, with
// it, this person (operatorActor): --as alone cannot make anyone else the
// author of an act.
func actingFlag(env *cliEnv, fs *flag.FlagSet, usage string) *string {
	v := fs.String("as", "", usage)
	oldFlagName(env, fs, "by", "as")
	return v
}

// operatorActor is the audit's actor of a CLI act: the OS user, and on
// whose behalf when --as named someone.
func operatorActor(as string) string {
	if as = strings.TrimSpace(as); as == "" || as == "cli" {
		return cliActor()
	}
	return cliActor() + " on behalf of " + as
}
