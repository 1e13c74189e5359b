package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/magistere/bridge/internal/enrol"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/refusal"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/tracking"
)

func init() {
	register(&command{name: "jobs list", summary: "list jobs (--state, --kind, --domain, --limit)", run: runJobsList})
	register(&command{name: "jobs show", summary: "show one job: state, progress, steps, result, error", run: runJobsShow})
	register(&command{name: "jobs retry", summary: "queue a failed or cancelled job again", run: runJobsRetry})
	register(&command{name: "jobs cancel", summary: "cancel a queued or running job", run: runJobsCancel})
	register(&command{name: "jobs submit", summary: "submit a job of a kind with a JSON payload", run: runJobsSubmit})
}

// openStore opens only the store, for commands that do not talk to Moodle.
func (env *cliEnv) openStore(ctx context.Context) (*store.Store, error) {
	cfg, err := env.loadConfig()
	if err != nil {
		return nil, err
	}
	return store.Open(ctx, cfg.Store.DSN, cfg.DataDir)
}

func runJobsList(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "jobs list", "[--state S] [--kind K] [--domain D] [--limit N]")
	state := fs.String("state", "", "queued, running, succeeded, failed or cancelled")
	kind := fs.String("kind", "", "job kind")
	domain := fs.String("domain", "", "domain name")
	limit := fs.Int("limit", 50, "at most this many jobs")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	st, err := env.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.ListJobs(ctx, store.JobFilter{State: store.JobState(*state), Kind: *kind, Domain: *domain, Limit: *limit})
	if err != nil {
		return err
	}
	if env.format == "json" {
		return json.NewEncoder(env.stdout).Encode(jobViews(list))
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tDOMAIN\tSTATE\tATTEMPTS\tPROGRESS\tUPDATED")
	for _, j := range list {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d/%d\t%s\t%s\n", j.ID, j.Kind, dash(j.Domain), j.State, j.Attempts, j.MaxAttempts,
			progressText(j), j.UpdatedAt.Local().Format(time.DateTime))
	}
	return tw.Flush()
}

func runJobsShow(ctx context.Context, env *cliEnv, args []string) error {
	return withJobID(ctx, env, "jobs show", args, func(st *store.Store, id int64) error {
		j, err := st.GetJob(ctx, id)
		if err != nil {
			return err
		}
		steps, err := st.Steps(ctx, id)
		if err != nil {
			return err
		}
		v := jobView(j)
		v.Steps = map[string]int{}
		for name, raw := range steps {
			v.Steps[name] = len(raw)
		}
		v.Nominative = nominativeRoute(j)
		if env.format == "json" {
			return json.NewEncoder(env.stdout).Encode(v)
		}
		fmt.Fprintf(env.stdout, "job %d  %s  %s\n  domain:    %s\n  attempts:  %d/%d\n  progress:  %s\n  requested: %s by %s\n",
			j.ID, j.Kind, j.State, dash(j.Domain), j.Attempts, j.MaxAttempts, progressText(j),
			j.CreatedAt.Local().Format(time.DateTime), dash(j.RequestedBy))
		for name := range steps {
			fmt.Fprintf(env.stdout, "  step done: %s\n", name)
		}
		if v.Nominative != "" {
			fmt.Fprintf(env.stdout, "  people:    %s\n", v.Nominative)
		}
		if len(j.Result) > 0 {
			fmt.Fprintf(env.stdout, "  result:    %s\n", j.Result)
		}
		if j.LastError != "" {
			fmt.Fprintf(env.stdout, "  error:     %s\n", j.LastError)
		}
		if r := j.Refusal; r != nil {
			fmt.Fprintf(env.stdout, "  refused:   %s\n    fr: %s\n    en: %s\n", r.Code, r.FR, r.EN)
		}
		return nil
	})
}

func runJobsRetry(ctx context.Context, env *cliEnv, args []string) error {
	return withJobID(ctx, env, "jobs retry", args, func(st *store.Store, id int64) error {
		j, err := jobs.NewQueue(st).Retry(ctx, id, cliActor())
		if err != nil {
			return err
		}
		if env.format == "json" {
			return json.NewEncoder(env.stdout).Encode(jobView(j))
		}
		fmt.Fprintf(env.stdout, "job %d queued again\n", j.ID)
		return nil
	})
}

func runJobsCancel(ctx context.Context, env *cliEnv, args []string) error {
	return withJobID(ctx, env, "jobs cancel", args, func(st *store.Store, id int64) error {
		j, err := jobs.NewQueue(st).Cancel(ctx, id, cliActor())
		if err != nil {
			return err
		}
		if env.format == "json" {
			return json.NewEncoder(env.stdout).Encode(jobView(j))
		}
		fmt.Fprintf(env.stdout, "job %d %s\n", j.ID, j.State)
		return nil
	})
}

func runJobsSubmit(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "jobs submit", "--kind K [--payload JSON] [--key KEY] [--domain D]")
	kind := fs.String("kind", "", "job kind (required)")
	payload := fs.String("payload", "{}", "JSON payload")
	key := fs.String("key", "", "idempotency key: submitting it again returns the first job")
	domain := fs.String("domain", "", "domain the job acts on")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *kind == "" {
		return usagef("--kind is required")
	}
	if !json.Valid([]byte(*payload)) {
		return usagef("--payload is not valid JSON")
	}
	// The app knows the kinds its workers handle and the configured
	// domains: a job nobody can run, or for a domain that does not exist,
	// would wait in the queue for ever.
	a, err := env.openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	if _, ok := a.Registry.Lookup(*kind); !ok {
		return usagef("--kind %q is no job kind; the kinds are: %s", *kind, strings.Join(a.Registry.Kinds(), ", "))
	}
	if *domain != "" {
		if _, err := a.Fleet.Get(*domain); err != nil {
			return usagef("--domain: %v", err)
		}
	}
	// a.Queue has the configured default attempts, as serve's queue does.
	j, created, err := a.Queue.Submit(ctx, jobs.Spec{Kind: *kind, Domain: *domain, Payload: json.RawMessage(*payload), Key: *key, RequestedBy: cliActor()})
	if err != nil {
		return err
	}
	if env.format == "json" {
		return json.NewEncoder(env.stdout).Encode(map[string]any{"id": j.ID, "created": created, "state": j.State})
	}
	verb := "submitted"
	if !created {
		verb = "already exists (same key)"
	}
	fmt.Fprintf(env.stdout, "job %d %s\n", j.ID, verb)
	return nil
}

func withJobID(ctx context.Context, env *cliEnv, name string, args []string, fn func(*store.Store, int64) error) error {
	fs := newFlags(env, name, "ID")
	if err := parseOnly(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("expected one job ID")
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if err != nil || id <= 0 {
		return usagef("job ID must be a positive number, got %q", fs.Arg(0))
	}
	st, err := env.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st, id)
}

type jobOut struct {
	ID          int64            `json:"id"`
	Kind        string           `json:"kind"`
	Domain      string           `json:"domain,omitempty"`
	State       store.JobState   `json:"state"`
	Attempts    int              `json:"attempts"`
	MaxAttempts int              `json:"max_attempts"`
	Done        int              `json:"progress_done"`
	Total       int              `json:"progress_total"`
	Message     string           `json:"progress_message,omitempty"`
	Result      json.RawMessage  `json:"result,omitempty"`
	Error       string           `json:"error,omitempty"`
	Refusal     *refusal.Refusal `json:"refusal,omitempty"`
	RequestedBy string           `json:"requested_by,omitempty"`
	CreatedAt   time.Time        `json:"created_at"`
	UpdatedAt   time.Time        `json:"updated_at"`
	// Steps are the checkpoints' sizes in bytes, never their content: a
	// plan's checkpoint holds the people of the file.
	Steps map[string]int `json:"steps,omitempty"`
	// Nominative says where the people of a job may be read: an audited
	// route, not this command.
	Nominative string `json:"nominative,omitempty"`
}

// nominativeRoute points from a job whose people are not shown here to
// the audited route that shows them to who may see them.
func nominativeRoute(j store.Job) string {
	switch j.Kind {
	case enrol.KindApply:
		course := "{course}"
		var p enrol.JobPayload
		if json.Unmarshal(j.Payload, &p) == nil && len(p.Options.CourseIDs) > 0 {
			course = strconv.FormatInt(p.Options.CourseIDs[0], 10)
		}
		return fmt.Sprintf("counts only here; the report with names: GET /api/v1/courses/%s/enrol/reports/%d (formateurs, audited)", course, j.ID)
	case tracking.KindCertificates:
		return "counts only here; the certificates: bridge certificates --as USERID, or the tracking block (audited)"
	}
	return ""
}

func jobView(j store.Job) jobOut {
	return jobOut{ID: j.ID, Kind: j.Kind, Domain: j.Domain, State: j.State, Attempts: j.Attempts, MaxAttempts: j.MaxAttempts,
		Done: j.ProgressDone, Total: j.ProgressTotal, Message: j.ProgressMessage, Result: j.Result, Error: j.LastError, Refusal: j.Refusal,
		RequestedBy: j.RequestedBy, CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt}
}

func jobViews(list []store.Job) []jobOut {
	out := make([]jobOut, len(list))
	for i, j := range list {
		out[i] = jobView(j)
	}
	return out
}

func progressText(j store.Job) string {
	if j.ProgressTotal == 0 {
		return dash(j.ProgressMessage)
	}
	return fmt.Sprintf("%d/%d %s", j.ProgressDone, j.ProgressTotal, j.ProgressMessage)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
