package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/magistere/bridge/internal/app"
	"github.com/magistere/bridge/internal/calendar"
	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/workflow"
)

func init() {
	register(&command{name: "domains bootstrap", summary: "create the lifecycle's categories where missing and record category and role ids", run: runDomainsBootstrap})
	register(&command{name: "workflow show", summary: "a course's lifecycle state, allowed transitions and why others are not", run: runWorkflowShow})
	register(&command{name: "workflow run", summary: "run a lifecycle transition (" + strings.Join(workflow.Transitions, ", ") + ")", run: runWorkflowRun})
	register(&command{name: "sessions create", summary: "create sessions from a parcours; prints calendar warnings and the sessions", run: runSessionsCreate})
}

func (env *cliEnv) openApp(ctx context.Context) (*app.App, error) {
	cfg, err := env.loadConfig()
	if err != nil {
		return nil, err
	}
	return app.Open(ctx, cfg, newLogger(env, cfg), app.Options{PollEvery: 100 * time.Millisecond, Fleet: env.takeFleet()})
}

func runDomainsBootstrap(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "domains bootstrap", "[--domain D]")
	only := fs.String("domain", "", "bootstrap only this domain")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	a, err := env.openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	list := a.Fleet.All()
	if *only != "" {
		d, err := a.Fleet.Get(*only)
		if err != nil {
			return usagef("%v", err)
		}
		list = []*domains.Domain{d}
	}
	var reports []*domains.BootstrapReport
	var errs []error
	for _, d := range list {
		// One job per domain, run here with its progress: a site that
		// answers 5xx or times out is retried (bootstrap is idempotent).
		job, _, err := a.Domains.SubmitBootstrap(ctx, d.Name(), cliActor())
		if err == nil {
			job, err = runJobLocally(ctx, env, a, job)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var rep domains.BootstrapReport
		if err := json.Unmarshal(job.Result, &rep); err != nil {
			errs = append(errs, fmt.Errorf("bootstrap %s: job %d: unreadable result: %w", d.Name(), job.ID, err))
			continue
		}
		reports = append(reports, &rep)
	}
	if env.format == "json" {
		json.NewEncoder(env.stdout).Encode(reports)
	} else {
		for _, r := range reports {
			printBootstrap(env, r)
		}
	}
	return errors.Join(errs...)
}

func printBootstrap(env *cliEnv, r *domains.BootstrapReport) {
	fmt.Fprintf(env.stdout, "%s: %d categories created, %d records changed\n", r.Domain, r.Created(), r.Changed())
	for _, c := range r.Categories {
		verb := "existing"
		if c.Created {
			verb = "created"
		}
		fmt.Fprintf(env.stdout, "  category %-24s id %-5d %s (%s)\n", c.Key, c.ID, verb, c.Name)
	}
	for _, ro := range r.Roles {
		fmt.Fprintf(env.stdout, "  role     %-24s id %-5d (%s)\n", ro.Key, ro.ID, ro.Name)
	}
}

func runWorkflowShow(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "workflow show", "--domain D --course C")
	domain := fs.String("domain", "", "domain (required)")
	course := new(int64)
	courseVar(fs, env, course, domain, "course", "the course (required)")
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
	v, err := a.Workflow.Show(ctx, *domain, *course)
	if err != nil {
		return err
	}
	if env.format == "json" {
		return json.NewEncoder(env.stdout).Encode(v)
	}
	fmt.Fprintf(env.stdout, "course %d on %s: %s (%s)", v.CourseID, v.Domain, v.State, v.Label)
	if v.Variant != "" {
		fmt.Fprintf(env.stdout, ", %s", v.Variant)
	}
	if !v.Recorded {
		fmt.Fprint(env.stdout, " [from its category; recorded at the first transition]")
	}
	fmt.Fprintln(env.stdout)
	for _, o := range v.Options {
		if o.Allowed {
			fmt.Fprintf(env.stdout, "  allowed  %s\n", o.Transition)
		} else {
			fmt.Fprintf(env.stdout, "  refused  %s: %s / %s\n", o.Transition, o.Refusal.EN, o.Refusal.FR)
		}
	}
	for _, t := range v.Trail {
		fmt.Fprintf(env.stdout, "  %s  %-20s %s -> %s by %s\n", t.At.Local().Format(time.DateTime), t.Transition, dash(t.From), t.To, t.Actor)
	}
	return nil
}

// paramFlags binds the transitions' parameters to flags.
type paramFlags struct {
	p                workflow.Params
	formateurs       string
	remote, inperson int
	noWait           bool
	domain           *string
	course           *int64
	env              *cliEnv
}

func bindParams(env *cliEnv, fs *flag.FlagSet, courseFlag string) *paramFlags {
	pf := &paramFlags{course: new(int64), env: env}
	pf.domain = fs.String("domain", "", "domain (required)")
	courseVar(fs, env, pf.course, pf.domain, courseFlag, "the course (required)")
	fs.StringVar(&pf.p.Name, "name", "", "name of the new course or sessions")
	fs.StringVar(&pf.p.ShortName, "shortname", "", "shortname of the new course (create-parcours, duplicate)")
	categoryVar(fs, env, &pf.p.CategoryID, pf.domain, "category", "destination sub-category (default: the lifecycle's category)")
	fs.BoolVar(&pf.p.WithUsers, "with-users", false, "duplicate: copy the users too")
	fs.StringVar(&pf.p.ShortnamePattern, "pattern", "", `sessions' shortname pattern (default "`+workflow.DefaultShortnamePattern+`")`)
	fs.StringVar(&pf.p.Start, "start", "", "session start day YYYY-MM-DD")
	fs.StringVar(&pf.p.End, "end", "", "session end day YYYY-MM-DD")
	fs.IntVar(&pf.p.Participants, "participants", 0, "expected participants (with --max: ceil(P/M) sessions)")
	fs.IntVar(&pf.p.Max, "max", 0, "participants per session at most")
	fs.StringVar(&pf.formateurs, "formateurs", "", "formateurs to enrol, comma-separated: ids, usernames or e-mail addresses")
	userVar(fs, env, &pf.p.CreatorID, pf.domain, "creator", "the creator, enrolled as formateur")
	fs.IntVar(&pf.remote, "remote-minutes", -1, "announced remote duration, minutes")
	fs.IntVar(&pf.inperson, "inperson-minutes", -1, "announced in-person duration, minutes")
	fs.StringVar(&pf.p.Objectives, "objectives", "", "objectives (set-metadata)")
	fs.StringVar(&pf.p.Offer, "offer", "", "open-self-enrolment: national or local")
	fs.Var((*repeated)(&pf.p.VirtualClasses), "virtual", `create-sessions: planned virtual-class slot "JJ/MM/AAAA HH:MM" (repeatable)`)
	fs.BoolVar(&pf.noWait, "no-wait", false, "only queue the job (a running `bridge serve` executes it)")
	return pf
}

func (pf *paramFlags) finish(courseFlag string) error {
	if *pf.domain == "" || *pf.course <= 0 {
		return usagef("--domain and --%s are required", courseFlag)
	}
	if pf.remote >= 0 {
		pf.p.RemoteMinutes = &pf.remote
	}
	if pf.inperson >= 0 {
		pf.p.InPersonMinutes = &pf.inperson
	}
	ids, err := resolveUserList(pf.env, *pf.domain, "formateurs", pf.formateurs)
	pf.p.Formateurs = append(pf.p.Formateurs, ids...)
	return err
}

func runWorkflowRun(ctx context.Context, env *cliEnv, args []string) error {
	usage := "TRANSITION --domain D --course C [flags]"
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fs := newFlags(env, "workflow run", usage)
			bindParams(env, fs, "course")
			return parseFlags(fs, args)
		}
		return usagef("expected a transition: %s", strings.Join(workflow.Transitions, ", "))
	}
	tr := args[0]
	all := flag.NewFlagSet("workflow run", flag.ContinueOnError)
	pf := bindParams(env, all, "course")
	fs := all
	if names, ok := transitionFlags[tr]; ok {
		// The transition's own parameters only: its help lists what applies.
		fs = keepFlags(env, "workflow run "+tr, "--domain D --course C [flags]", all, append([]string{"domain", "course", "no-wait"}, names...))
	} else {
		fs = keepFlags(env, "workflow run "+tr, "--domain D --course C [flags]", all, nil)
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if err := pf.finish("course"); err != nil {
		return err
	}
	known := false
	for _, t := range workflow.Transitions {
		known = known || t == tr
	}
	if !known {
		return usagef("unknown transition %q (one of: %s)", tr, strings.Join(workflow.Transitions, ", "))
	}
	a, err := env.openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	j, err := submitAndWait(ctx, env, a, workflow.Request{Transition: tr, Domain: *pf.domain, CourseID: *pf.course, Params: pf.p, RequestedBy: cliActor()}, pf.noWait)
	if err != nil {
		return err
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

// submitAndWait submits a transition and, unless noWait, runs this
// process's workers until the job ends.
func submitAndWait(ctx context.Context, env *cliEnv, a *app.App, req workflow.Request, noWait bool) (store.Job, error) {
	j, created, err := a.Workflow.Submit(ctx, req)
	if err != nil {
		return j, err
	}
	if !created && env.format == "text" {
		fmt.Fprintf(env.stdout, "same request as job %d\n", j.ID)
	}
	if noWait || j.State == store.JobSucceeded {
		return j, nil
	}
	return runJobLocally(ctx, env, a, j)
}

func runSessionsCreate(ctx context.Context, env *cliEnv, args []string) error {
	usage := "--domain D --from C --name N --start YYYY-MM-DD --end YYYY-MM-DD [--participants P --max M] [--formateurs id,id] [--remote-minutes N] [--virtual \"JJ/MM/AAAA HH:MM\"]..."
	all := flag.NewFlagSet("sessions create", flag.ContinueOnError)
	pf := bindParams(env, all, "from")
	// Only the parameters of create-sessions: the help lists what applies.
	fs := keepFlags(env, "sessions create", usage, all, append([]string{"domain", "from", "no-wait"}, transitionFlags[workflow.CreateSessions]...))
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := pf.finish("from"); err != nil {
		return err
	}
	if pf.p.Name == "" || pf.p.Start == "" || pf.p.End == "" {
		return usagef("--name, --start and --end are required")
	}
	a, err := env.openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	svc := a.Workflow
	for _, v := range pf.p.VirtualClasses {
		if _, err := calendar.ParseSlot(v); err != nil {
			return usagef("--virtual: %v", err)
		}
	}
	warnings, err := svc.CalendarWarnings(*pf.domain, pf.p)
	if err != nil {
		if strings.HasPrefix(err.Error(), "session dates") {
			return usagef("%v", err)
		}
		return fmt.Errorf("sessions create: %w; no session was created", err)
	}
	if env.format == "text" {
		for _, w := range warnings {
			fmt.Fprintf(env.stdout, "warning %s: %s / %s\n", w.Code, w.MessageFR, w.MessageEN)
		}
	}
	j, err := submitAndWait(ctx, env, a, workflow.Request{Transition: workflow.CreateSessions, Domain: *pf.domain, CourseID: *pf.course, Params: pf.p, RequestedBy: cliActor()}, pf.noWait)
	if err != nil {
		return err
	}
	var res workflow.SessionsResult
	if len(j.Result) > 0 {
		if err := json.Unmarshal(j.Result, &res); err != nil {
			return fmt.Errorf("job %d result: %w", j.ID, err)
		}
	}
	if env.format == "json" {
		return json.NewEncoder(env.stdout).Encode(map[string]any{"job": j.ID, "state": j.State, "sessions": res.Sessions, "warnings": res.Warnings})
	}
	if pf.noWait {
		fmt.Fprintf(env.stdout, "job %d queued\n", j.ID)
		return nil
	}
	for _, s := range res.Sessions {
		verb := "created"
		if s.Existing {
			verb = "already there"
		}
		fmt.Fprintf(env.stdout, "session %d  %-20s %s  (%s)\n", s.CourseID, s.ShortName, s.FullName, verb)
	}
	return nil
}

// transitionFlags are the parameters each transition reads (besides
// --domain, --course and --no-wait).
var transitionFlags = map[string][]string{
	workflow.CreateParcours:    {"name", "shortname", "category", "with-users", "creator"},
	workflow.Duplicate:         {"name", "shortname", "category", "with-users", "creator"},
	workflow.Demonstrate:       nil,
	workflow.CreateSessions:    {"name", "pattern", "start", "end", "participants", "max", "formateurs", "creator", "category", "remote-minutes", "inperson-minutes", "virtual"},
	workflow.Open:              nil,
	workflow.OpenSelfEnrolment: {"offer"},
	workflow.Trash:             nil,
	workflow.Restore:           nil,
	workflow.SetMetadata:       {"remote-minutes", "inperson-minutes", "objectives"},
}

// keepFlags is a command's flag set holding only names of all (every flag
// of all when names is nil): one binding of the parameters, each command
// or transition showing and taking what it reads.
func keepFlags(env *cliEnv, name, usage string, all *flag.FlagSet, names []string) *flag.FlagSet {
	fs := newFlags(env, name, usage)
	if names == nil {
		all.VisitAll(func(f *flag.Flag) { fs.Var(f.Value, f.Name, f.Usage) })
		return fs
	}
	for _, n := range names {
		f := all.Lookup(n)
		fs.Var(f.Value, f.Name, f.Usage)
	}
	return fs
}
