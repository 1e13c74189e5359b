package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/magistere/bridge/internal/app"
	"github.com/magistere/bridge/internal/archive"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/workflow"
)

func init() {
	register(&command{name: "archive", summary: "close a session: Archive sub-category, unpublished, read-only (or hidden), optional backup and notice", run: runArchive})
	register(&command{name: "unarchive", summary: "undo a session's archiving exactly, from its archive record", run: runUnarchive})
	register(&command{name: "archive auto", summary: "archive the sessions past their end date plus archive_after_days (dry run first)", run: runArchiveAuto})
	register(&command{name: "retention run", summary: "back up, verify and delete courses in the Corbeille past trash_retention_days", run: runRetention})
}

// requestedBy is the operator as the audit records them (cliActor: the OS
// account, not a $USER anyone can set).
func requestedBy() string { return cliActor() }

// openArchive opens the app and its archive service.
func openArchive(ctx context.Context, env *cliEnv) (*app.App, *archive.Service, error) {
	a, err := env.openApp(ctx)
	if err != nil {
		return nil, nil, err
	}
	return a, a.Archive, nil
}

func runArchive(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "archive", "--domain D --course C [--category ID] [--access readonly|none] [--backup] [--notify] [--dry-run]")
	var req archive.Request
	fs.StringVar(&req.Domain, "domain", "", "domain (Moodle site) name")
	courseVar(fs, env, &req.CourseID, &req.Domain, "course", "the session")
	categoryVar(fs, env, &req.CategoryID, &req.Domain, "category", "an Archive sub-category (default: Archive itself)")
	fs.StringVar(&req.Access, "access", archive.AccessReadOnly, "readonly: participants keep read-only access; none: hidden")
	fs.BoolVar(&req.Backup, "backup", false, "keep a final backup (.mbz, SHA-256) in data_dir/archives")
	fs.BoolVar(&req.Notify, "notify", false, "send the participants a message")
	dryRun := fs.Bool("dry-run", false, "show what archiving would change, change nothing")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if req.Domain == "" || req.CourseID <= 0 {
		return usagef("--domain and --course are required")
	}
	if req.Access != archive.AccessReadOnly && req.Access != archive.AccessNone {
		return usagef("--access must be readonly or none")
	}
	req.RequestedBy = requestedBy()
	a, svc, err := openArchive(ctx, env)
	if err != nil {
		return err
	}
	defer a.Close()
	if _, err := a.Fleet.Get(req.Domain); err != nil {
		return usagef("%v", err)
	}
	if *dryRun {
		plan, err := svc.PlanArchive(ctx, req)
		if err != nil {
			return err
		}
		return printArchivePlan(env, plan)
	}
	// Submit plans the archiving itself, except for the same request
	// already done: that one returns its job, a success that changes
	// nothing, where planning first would refuse an archived course.
	// The plan's warnings are in the result.
	job, created, err := svc.Submit(ctx, req)
	if err != nil {
		return err
	}
	done, err := runJobLocally(ctx, env, a, job)
	if err != nil {
		return err
	}
	var res archive.Result
	if err := json.Unmarshal(done.Result, &res); err != nil {
		return fmt.Errorf("job %d result: %w", done.ID, err)
	}
	res.Already = !created && job.State == store.JobSucceeded
	return printArchiveResult(env, done.ID, res)
}

func printArchivePlan(env *cliEnv, p archive.Plan) error {
	if env.format == "json" {
		return json.NewEncoder(env.stdout).Encode(map[string]any{"dry_run": true, "plan": p})
	}
	w := env.stdout
	fmt.Fprintf(w, "dry run: archive course %d (%s) on %s, state %s\n", p.CourseID, p.ShortName, p.Domain, p.State)
	fmt.Fprintf(w, "  move: category %d -> %d\n", p.FromCategory, p.ToCategory)
	fmt.Fprintf(w, "  access: %s (visible %v -> %v, frozen: %v)\n", p.Access, p.Visible, p.ToVisible, p.Freeze)
	if p.Fallback != "" {
		fmt.Fprintf(w, "  fallback: %s\n", p.Fallback)
	}
	fmt.Fprintf(w, "  offre de formation: published %v -> unpublished\n", p.Published)
	fmt.Fprintf(w, "  participants: %d, marked present: %d; backup: %v; notify: %v\n", p.Participants, p.Attendance, p.Backup, p.Notify)
	for _, warn := range p.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", warn)
	}
	return nil
}

func printArchiveResult(env *cliEnv, jobID int64, r archive.Result) error {
	if env.format == "json" {
		return json.NewEncoder(env.stdout).Encode(map[string]any{"job_id": jobID, "result": r})
	}
	w := env.stdout
	if r.Already {
		fmt.Fprintf(w, "course %d was already archived by job %d: nothing changed\n", r.CourseID, jobID)
	}
	fmt.Fprintf(w, "archived course %d (job %d): category %d, access %s, frozen %v, hidden %v, unpublished %v, notified %d\n",
		r.CourseID, jobID, r.Category, r.Access, r.Frozen, r.Hidden, r.Unpublished, r.Notified)
	if r.Fallback != "" {
		fmt.Fprintf(w, "  fallback: %s\n", r.Fallback)
	}
	if r.Backup != nil {
		fmt.Fprintf(w, "  backup: %s (%d bytes, sha256 %s)\n", r.Backup.Path, r.Backup.Size, r.Backup.SHA256)
	}
	for _, warn := range r.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", warn)
	}
	return nil
}

func runUnarchive(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "unarchive", "--domain D --course C [--dry-run]")
	var req archive.UnarchiveRequest
	fs.StringVar(&req.Domain, "domain", "", "domain (Moodle site) name")
	courseVar(fs, env, &req.CourseID, &req.Domain, "course", "the archived session")
	dryRun := fs.Bool("dry-run", false, "show what unarchiving would restore, change nothing")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if req.Domain == "" || req.CourseID <= 0 {
		return usagef("--domain and --course are required")
	}
	req.RequestedBy = requestedBy()
	a, svc, err := openArchive(ctx, env)
	if err != nil {
		return err
	}
	defer a.Close()
	rec, err := svc.PlanUnarchive(ctx, req)
	if err != nil {
		return err
	}
	if *dryRun {
		return printUnarchivePlan(env, rec)
	}
	job, _, err := svc.SubmitUnarchive(ctx, req)
	if err != nil {
		return err
	}
	done, err := runJobLocally(ctx, env, a, job)
	if err != nil {
		return err
	}
	if env.format == "json" {
		return json.NewEncoder(env.stdout).Encode(map[string]any{"job_id": done.ID, "result": done.Result})
	}
	prev := rec.PrevState
	if prev == "" {
		prev = workflow.StateSessionPreparation
	}
	fmt.Fprintf(env.stdout, "unarchived course %d (job %d): back in category %d, visible %v, unfrozen %v, republished %v; state %s\n",
		rec.CourseID, done.ID, rec.PrevCategoryID, rec.PrevVisible, rec.Froze, len(rec.OfferSnapshot) > 0, prev)
	return nil
}

func printUnarchivePlan(env *cliEnv, rec store.ArchiveRecord) error {
	if env.format == "json" {
		return json.NewEncoder(env.stdout).Encode(map[string]any{"dry_run": true, "record": rec})
	}
	fmt.Fprintf(env.stdout, "dry run: unarchive course %d on %s (archived by %s at %s, job %d)\n", rec.CourseID, rec.Domain,
		rec.ArchivedBy, rec.ArchivedAt.Format("2006-01-02 15:04"), rec.JobID)
	fmt.Fprintf(env.stdout, "  move back: category %d -> %d, visible %v, unfreeze %v, republish %v\n", rec.CategoryID,
		rec.PrevCategoryID, rec.PrevVisible, rec.Froze, len(rec.OfferSnapshot) > 0)
	return nil
}

func runArchiveAuto(ctx context.Context, env *cliEnv, args []string) error {
	return runBatch(ctx, env, args, "archive auto", archive.KindAuto)
}

func runRetention(ctx context.Context, env *cliEnv, args []string) error {
	return runBatch(ctx, env, args, "retention run", archive.KindRetention)
}

// runBatch shows the dry run's list, then (without --dry-run) runs a job
// acting on exactly that list.
func runBatch(ctx context.Context, env *cliEnv, args []string, name, kind string) error {
	usage := "[--domain D] [--dry-run] [--yes]"
	if kind == archive.KindAuto {
		usage = "[--domain D] [--access readonly|none] [--backup] [--notify] [--dry-run] [--yes]"
	}
	fs := newFlags(env, name, usage)
	domain := fs.String("domain", "", "only this domain (default: every domain where the setting is on)")
	dryRun := fs.Bool("dry-run", false, "list the courses, change nothing")
	yes := fs.Bool("yes", false, "act without asking (required when not on a terminal)")
	var batch archive.BatchPayload
	if kind == archive.KindAuto {
		// The manual command's flags; the domain's archive_backup and
		// archive_notify turn them on for every automatic archive.
		fs.StringVar(&batch.Access, "access", "", "readonly (default: participants keep read access) or none")
		fs.BoolVar(&batch.Backup, "backup", false, "keep a final backup (.mbz, SHA-256) of each session in data_dir/archives")
		fs.BoolVar(&batch.Notify, "notify", false, "send each session's participants a message")
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if batch.Access != "" && batch.Access != archive.AccessReadOnly && batch.Access != archive.AccessNone {
		return usagef("--access must be readonly or none, not %q", batch.Access)
	}
	a, svc, err := openArchive(ctx, env)
	if err != nil {
		return err
	}
	defer a.Close()
	if *domain != "" {
		if _, err := a.Fleet.Get(*domain); err != nil {
			return usagef("%v", err)
		}
	}
	list, err := svc.AutoCandidates(ctx, *domain)
	verb := "archive"
	if kind == archive.KindRetention {
		list, err = svc.RetentionCandidates(ctx, *domain)
		verb = "back up and delete"
	}
	if err != nil {
		return err
	}
	if kind != archive.KindRetention && env.format != "json" {
		// Sessions reopened on purpose are left alone: say so.
		reopened, err := svc.AutoReopened(ctx, *domain)
		if err != nil {
			return err
		}
		for _, c := range reopened {
			fmt.Fprintf(env.stdout, "  skipped  %s course %d %s: reopened by unarchive on %s\n", c.Domain, c.CourseID, c.ShortName,
				c.ReopenedAt.Format("2006-01-02"))
		}
	}
	if *dryRun || len(list) == 0 {
		return printCandidates(env, verb, list, true)
	}
	if err := printCandidates(env, verb, list, false); err != nil {
		return err
	}
	if err := env.confirm(*yes, fmt.Sprintf("%s %d course(s)", verb, len(list)), fmt.Sprintf("%s %d cours", map[bool]string{true: "sauvegarder et supprimer", false: "archiver"}[kind == archive.KindRetention], len(list))); err != nil {
		return err
	}
	batch.Domain, batch.Courses = *domain, list
	job, _, err := svc.SubmitBatch(ctx, kind, batch, requestedBy())
	if err != nil {
		return err
	}
	done, err := runJobLocally(ctx, env, a, job)
	if err != nil {
		return err
	}
	var res archive.BatchResult
	if err := json.Unmarshal(done.Result, &res); err != nil {
		return fmt.Errorf("job %d result: %w", done.ID, err)
	}
	return printOutcomes(env, done.ID, res)
}

func printCandidates(env *cliEnv, verb string, list []archive.Candidate, dryRun bool) error {
	if env.format == "json" {
		if !dryRun {
			return nil // the job's result carries the list
		}
		return json.NewEncoder(env.stdout).Encode(map[string]any{"dry_run": true, "courses": list})
	}
	title := "will " + verb
	if dryRun {
		title = "dry run: would " + verb
	}
	fmt.Fprintf(env.stdout, "%s %d course(s)\n", title, len(list))
	for _, c := range list {
		fmt.Fprintf(env.stdout, "  %-8s course %-6d %-20s since %s, due %s\n", c.Domain, c.CourseID, c.ShortName,
			c.Since.Format("2006-01-02"), c.Due.Format("2006-01-02"))
	}
	return nil
}

func printOutcomes(env *cliEnv, jobID int64, res archive.BatchResult) error {
	if env.format == "json" {
		return json.NewEncoder(env.stdout).Encode(map[string]any{"job_id": jobID, "result": res})
	}
	for _, o := range res.Outcomes {
		switch {
		case o.Skipped != "":
			fmt.Fprintf(env.stdout, "  %s course %d: skipped: %s\n", o.Domain, o.CourseID, o.Skipped)
		case o.Backup != nil:
			fmt.Fprintf(env.stdout, "  %s course %d: deleted, backup %s (sha256 %s)\n", o.Domain, o.CourseID, o.Backup.Path, o.Backup.SHA256)
		default:
			fmt.Fprintf(env.stdout, "  %s course %d: archived\n", o.Domain, o.CourseID)
		}
	}
	fmt.Fprintf(env.stdout, "job %d: %d course(s) listed, %d done\n", jobID, len(res.Listed), countDone(res.Outcomes))
	return nil
}

func countDone(out []archive.Outcome) int {
	n := 0
	for _, o := range out {
		if o.Done {
			n++
		}
	}
	return n
}
