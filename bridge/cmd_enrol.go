package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/magistere/bridge/internal/app"
	"github.com/magistere/bridge/internal/enrol"
	"github.com/magistere/bridge/internal/fr"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/refusal"
)

func init() {
	register(&command{name: "enrol", summary: "enrol a CSV file into a course: dry run, apply (as a job), report", run: runEnrol})
}

const enrolUsage = "--domain D --course C[,C2...] --csv FILE [--role R] [--group G] [--unknown reject|create] " +
	"[--dry-run] [--report FILE] [--remove-absent --yes [--force] [--max-remove-percent P]] [--max-per-session N] [--keep-establishment] " +
	"[--auth A] [--start YYYY-MM-DD] [--end YYYY-MM-DD]"

type enrolFlags struct {
	domain, courses, csv, role, group, unknown, report, auth, start, end string
	dryRun, removeAbsent, yes, keepEst, force                            bool
	maxPerSession, maxRemovePercent                                      int
}

// enrolGCPercent is the garbage collector's GOGC while the command plans
// (and applies) a file, unless GOGC is set. A plan's live data is its
// entries (232 bytes each) and the file's lines, about 30 MiB for 100,000
// rows; at Go's default of 100 the heap grows to twice that before a
// collection, and the process to 78 MiB. At 40 it grows to 1.4 times
// (60 MiB for the process: issue 14's 64 MB) for about 10% more CPU. A
// percentage, not a memory limit: a larger file gets proportionally more
// room, never a collector running without end under a fixed limit.
const enrolGCPercent = 40

// rowsNeedAttention makes the command exit 1 after printing the report.
type rowsNeedAttention struct{ n int }

func (e *rowsNeedAttention) Error() string {
	return fmt.Sprintf("%d row(s) were not enrolled (unknown, ambiguous, suspended, invalid or failed): see the report", e.n)
}

func runEnrol(ctx context.Context, env *cliEnv, args []string) error {
	// Planning reads a great deal before anything is written: a transient
	// failure (5xx, timeout) of one read is retried, with capped backoff.
	ctx = moodle.WithReadRetry(ctx, moodle.ReadRetry{})
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(enrolGCPercent))
	}
	f, err := parseEnrolFlags(env, args)
	if err != nil {
		return err
	}
	opts, err := f.planOptions()
	if err != nil {
		return err
	}
	in, err := openCSV(f.csv)
	if err != nil {
		return err
	}
	defer in.close()
	a, err := env.openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	d, err := a.Fleet.Get(f.domain)
	if err != nil {
		return usagef("%v", err)
	}
	opts = opts.WithDomainDefaults(d.Config)
	wf := a.Workflow
	for _, id := range opts.CourseIDs {
		if err := wf.RequireEnrollable(ctx, f.domain, id); err != nil {
			return err
		}
	}
	plan, err := a.Enrol.Preview(ctx, f.domain, in.reader(), opts)
	if err != nil {
		var oe *enrol.OptionError
		if errors.As(err, &oe) {
			return usagef("%v", err)
		}
		return err
	}
	if plan.RemovalRefusal != "" {
		// The others are still enrolled; the people absent stay, listed as removal_held.
		fmt.Fprintln(env.stderr, plan.RemovalRefusal)
	}
	rep := enrol.NewReport(f.domain, plan, true)
	if f.dryRun || !plan.PendingWork() {
		if !f.dryRun {
			fmt.Fprintln(env.stderr, "nothing to do: every row is already done or needs attention")
		}
		return finishEnrol(env, f, rep)
	}
	file, err := in.whole(plan.FileSHA256)
	if err != nil {
		return err
	}
	rep, err = applyInProcess(ctx, env, a, f.domain, file, opts)
	if err != nil {
		return err
	}
	return finishEnrol(env, f, rep)
}

// csvFile is the enrolment file. A regular file is read as it is planned
// (an *os.File), so a 100,000-row dry run does not hold it whole besides
// its plan (issue 14's 64 MB), and read whole only to be applied; a pipe
// (--csv <(...)) is read whole at once, as it cannot be read twice.
type csvFile struct {
	path string
	f    *os.File
	data []byte // the pipe's bytes; nil for a regular file
}

func openCSV(path string) (*csvFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	c := &csvFile{path: path, f: f}
	fi, err := f.Stat()
	switch {
	case err == nil && fi.IsDir():
		err = &fs.PathError{Op: "read", Path: path, Err: syscall.EISDIR}
	case err == nil && !fi.Mode().IsRegular():
		c.data, err = io.ReadAll(f)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return c, nil
}

func (c *csvFile) close() { c.f.Close() }

// reader is what the plan reads.
func (c *csvFile) reader() io.Reader {
	if c.data != nil {
		return bytes.NewReader(c.data)
	}
	return c.f
}

// whole is the file's bytes for the job's stored upload; the file must
// still be the one planned (sha256 of the plan).
func (c *csvFile) whole(planned string) ([]byte, error) {
	if c.data != nil {
		return c.data, nil
	}
	data, err := os.ReadFile(c.path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", c.path, err)
	}
	if enrol.FileSHA256(data) != planned {
		return nil, refusal.New("file_changed", "%s a changé pendant sa préparation : relancer la commande",
			"%s changed while it was planned: run the command again", c.path)
	}
	return data, nil
}

func parseEnrolFlags(env *cliEnv, args []string) (*enrolFlags, error) {
	f := &enrolFlags{}
	fs := newFlags(env, "enrol", enrolUsage)
	fs.StringVar(&f.domain, "domain", "", "domain (Moodle site) name")
	fs.StringVar(&f.courses, "course", "", "the course (id, shortname or idnumber), or several sessions separated by commas")
	fs.StringVar(&f.csv, "csv", "", "the enrolment file (CSV, GAIA export, list of e-mails)")
	fs.StringVar(&f.role, "role", "", "participant, formateur or tuteur for rows without a Rôle column (default participant)")
	fs.StringVar(&f.group, "group", "", "group to add everyone to (created when missing)")
	fs.StringVar(&f.unknown, "unknown", "", "unknown people: reject or create (default: the domain's unknown_users)")
	fs.StringVar(&f.auth, "auth", "", "auth of created accounts, e.g. shibboleth or cas (default: the domain's create_auth)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "only plan: show every row's outcome, change nothing")
	fs.StringVar(&f.report, "report", "", "write the report to this file (.json for JSON, CSV otherwise)")
	fs.BoolVar(&f.removeAbsent, "remove-absent", false, "unenrol people holding only the imported role who are absent from the file (needs --yes)")
	fs.BoolVar(&f.yes, "yes", false, "confirm --remove-absent")
	fs.BoolVar(&f.force, "force", false, "--remove-absent even when rows are invalid, unknown or duplicated, or beyond --max-remove-percent")
	fs.IntVar(&f.maxRemovePercent, "max-remove-percent", 20, "--remove-absent removes nobody when more than this share of the role's people would go")
	fs.IntVar(&f.maxPerSession, "max-per-session", 0, "split across the first ceil(rows/N) courses of --course")
	fs.BoolVar(&f.keepEst, "keep-establishment", false, "when splitting, keep people of one établissement together")
	fs.StringVar(&f.start, "start", "", "enrolment start date (YYYY-MM-DD)")
	fs.StringVar(&f.end, "end", "", "enrolment end date (YYYY-MM-DD)")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if f.courses != "" {
		ids, err := resolveCourseNames(env, f.domain, strings.Split(f.courses, ","))
		if err != nil {
			return nil, err
		}
		parts := make([]string, len(ids))
		for i, id := range ids {
			parts[i] = strconv.FormatInt(id, 10)
		}
		f.courses = strings.Join(parts, ",")
	}
	switch {
	case f.domain == "" || f.courses == "" || f.csv == "":
		return nil, usagef("--domain, --course and --csv are required")
	case f.removeAbsent && !f.yes:
		return nil, usagef("--remove-absent unenrols every participant with the imported role who is not in the file; " +
			"run with --dry-run to see who, then add --yes to confirm")
	case f.unknown != "" && f.unknown != "reject" && f.unknown != "create":
		return nil, usagef("--unknown must be reject or create")
	}
	return f, nil
}

func (f *enrolFlags) planOptions() (enrol.PlanOptions, error) {
	o := enrol.PlanOptions{Role: f.role, Group: f.group, Unknown: f.unknown, CreateAuth: f.auth,
		RemoveAbsent: f.removeAbsent, RemoveForce: f.force, RemoveMaxPercent: f.maxRemovePercent,
		MaxPerSession: f.maxPerSession, KeepEstablishment: f.keepEst}
	for _, s := range strings.Split(f.courses, ",") {
		id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || id <= 1 {
			return o, usagef("--course: %q is not a course id", s)
		}
		o.CourseIDs = append(o.CourseIDs, id)
	}
	var err error
	if o.TimeStart, err = parseDay("--start", f.start); err != nil {
		return o, err
	}
	if o.TimeEnd, err = parseDay("--end", f.end); err != nil {
		return o, err
	}
	return o, nil
}

func parseDay(flagName, v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	// Europe/Paris, as the API reads the same dates (not the host's zone).
	t, err := time.ParseInLocation(time.DateOnly, v, fr.Paris())
	if err != nil {
		return 0, usagef("%s: want YYYY-MM-DD, got %q", flagName, v)
	}
	return t.Unix(), nil
}

// applyInProcess submits the job and runs a local pool until it ends, so
// the command works without a daemon.
func applyInProcess(ctx context.Context, env *cliEnv, a *app.App, domain string, file []byte, opts enrol.PlanOptions) (*enrol.Report, error) {
	// A finished job with this key is not reused: this run found work.
	job, created, err := a.Enrol.Submit(ctx, domain, file, opts, "cli:"+os.Getenv("USER"))
	if err != nil {
		return nil, err
	}
	if !created {
		fmt.Fprintf(env.stderr, "this file was already submitted with these options as job %d (%s)\n", job.ID, job.State)
	}
	if _, err := runJobLocally(ctx, env, a, job); err != nil {
		return nil, err
	}
	return enrol.LoadReport(ctx, a.Store, job.ID)
}

func finishEnrol(env *cliEnv, f *enrolFlags, rep *enrol.Report) error {
	if f.report != "" {
		if err := writeReportFile(f.report, rep); err != nil {
			return err
		}
	}
	if env.format == "json" {
		// The whole plan or result (every row and its status), not only
		// the counts: the same document as --report FILE.json.
		if err := json.NewEncoder(env.stdout).Encode(rep); err != nil {
			return err
		}
	} else {
		title := "applied"
		if rep.DryRun {
			title = "dry run"
		}
		fmt.Fprintf(env.stdout, "%s (%s):\n%s", title, filepath.Base(f.csv), rep.Counts.Table(env.tableLang()))
		if rep.EnrolPath != "" { // bulk: local_bridge_create_enrol_users; core: core's functions
			fmt.Fprintf(env.stdout, "%-18s %s\n", "path", rep.EnrolPath)
		}
		printEnrolAdvice(env, rep)
	}
	if n := rep.Counts.Problems(); n > 0 {
		return &rowsNeedAttention{n}
	}
	return nil
}

// printEnrolAdvice tells the operator, on stderr (stdout is the report),
// what to change for the next run.
func printEnrolAdvice(env *cliEnv, rep *enrol.Report) {
	if slices.Contains(rep.Advice, enrol.AdviceBulkPath) {
		n := rep.Counts.ByStatus[enrol.StatusCreated]
		fmt.Fprintln(env.stderr, env.pick(
			fmt.Sprintf("conseil : %d comptes ont été créés par les fonctions de Moodle (chemin core), qui comparent chaque "+
				"nouvelle adresse à tous les comptes du site ; sur un grand site, c'est plus lent que l'import de Moodle "+
				"(uploaduser). Avec local_bridge installé sur le site (moodle-plugins/local/bridge) et enrol_path laissé à "+
				"auto, le bridge passe par le chemin bulk, qui vérifie les adresses par index.", n),
			fmt.Sprintf("advice: %d accounts were created through Moodle's core functions (path core), which compare each "+
				"new e-mail with every account of the site; on a large site that is slower than Moodle's own upload "+
				"(uploaduser). With local_bridge installed on the site (moodle-plugins/local/bridge) and enrol_path left "+
				"at auto, the bridge takes the bulk path, which checks the e-mails by index.", n)))
	}
}

// writeReportFile writes the report 0600: it names people.
func writeReportFile(path string, rep *enrol.Report) error {
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := out.Chmod(0o600); err != nil { // an existing file kept its mode
		out.Close()
		return fmt.Errorf("write report: %w", err)
	}
	if strings.HasSuffix(strings.ToLower(path), ".json") {
		err = rep.WriteJSON(out)
	} else {
		err = rep.WriteCSV(out)
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}
