package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/magistere/bridge/internal/app"
	"github.com/magistere/bridge/internal/enrol"
	"github.com/magistere/bridge/internal/gaia"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/store"
)

// GAIA drop files: import (skipping files already imported), link a
// session course to a GAIA session, and re-sync its people (job gaia.sync).
func init() {
	register(&command{name: "gaia import", summary: "import GAIA Formations/Intervenants/Stagiaires files (skips files already imported)", run: runGaiaImport})
	register(&command{name: "gaia link", summary: "link a session course to a GAIA session (dispositif/module/groupe)", run: runGaiaLink(true)})
	register(&command{name: "gaia unlink", summary: "remove a course's GAIA session link", run: runGaiaLink(false)})
	register(&command{name: "gaia sync", summary: "enrol the GAIA participants and formateurs of a domain's linked courses", run: runGaiaSync})
	register(&command{name: "gaia status", summary: "a domain's imported GAIA files and course links", run: runGaiaStatus})
	register(&command{name: "gaia scan", summary: "import the newest GAIA drop (gaia.drop_dir, gaia_code) and sync the linked courses", run: runGaiaScan})
}

// gaiaFilesFailed makes import exit 1 after reporting every file.
type gaiaFilesFailed struct{ n int }

func (e *gaiaFilesFailed) Error() string { return fmt.Sprintf("%d file(s) could not be imported", e.n) }

// withGaiaDomain opens the app and checks the domain is configured.
func withGaiaDomain(ctx context.Context, env *cliEnv, domain string, fn func(a *app.App) error) error {
	if domain == "" {
		return usagef("--domain is required")
	}
	a, err := env.openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	if _, err := a.Fleet.Get(domain); err != nil {
		return usagef("%v", err)
	}
	return fn(a)
}

type gaiaImportLine struct {
	File     string         `json:"file"`
	Kind     string         `json:"kind,omitempty"`
	SHA256   string         `json:"sha256,omitempty"`
	Encoding string         `json:"encoding,omitempty"`
	Layout   string         `json:"layout,omitempty"`
	Rows     int            `json:"rows"`
	Skipped  bool           `json:"skipped,omitempty"`
	Previous string         `json:"previous,omitempty"`
	Problems []gaia.Problem `json:"problems,omitempty"`
	Error    string         `json:"error,omitempty"`
}

func runGaiaImport(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "gaia import", "--domain D [--kind formations|intervenants|stagiaires] FILE...")
	domain := fs.String("domain", "", "domain (Moodle site) name")
	kind := fs.String("kind", "", "file kind, when neither the file name nor its header tells it")
	files, err := parseFlagsAndFiles(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usagef("no file to import")
	}
	return withGaiaDomain(ctx, env, *domain, func(a *app.App) error {
		var lines []gaiaImportLine
		failed := 0
		for _, path := range files {
			l := importOneGaiaFile(ctx, a.Store, *domain, *kind, path)
			if l.Error != "" {
				failed++
			}
			lines = append(lines, l)
		}
		if env.format == "json" {
			if err := json.NewEncoder(env.stdout).Encode(map[string]any{"domain": *domain, "files": lines}); err != nil {
				return err
			}
		} else {
			for _, l := range lines {
				printGaiaImport(env, l)
			}
		}
		if failed > 0 {
			return &gaiaFilesFailed{failed}
		}
		return nil
	})
}

// parseFlagsAndFiles parses flags placed before, between or after the
// file names and returns the files.
func parseFlagsAndFiles(fs *flag.FlagSet, args []string) ([]string, error) {
	var files []string
	for {
		if err := parseOnly(fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return files, nil
		}
		files, args = append(files, fs.Arg(0)), fs.Args()[1:]
	}
}

// importOneGaiaFile reads, parses and imports one file; an error is
// recorded on the line so the other files still go in.
func importOneGaiaFile(ctx context.Context, st *store.Store, domain, kind, path string) gaiaImportLine {
	l := gaiaImportLine{File: path}
	data, err := os.ReadFile(path)
	if err != nil {
		l.Error = fmt.Sprintf("read: %v", err)
		return l
	}
	f, err := gaia.Parse(path, data, kind)
	if err != nil {
		l.Error = err.Error()
		return l
	}
	l.Kind, l.SHA256, l.Encoding, l.Layout = f.Kind, f.SHA256, f.Encoding, f.Layout
	out, err := gaia.Import(ctx, st, domain, f)
	if err != nil {
		l.Error = err.Error()
		return l
	}
	l.Rows, l.Problems = f.Rows(), f.Problems
	if out.Skipped {
		l.Skipped, l.Rows, l.Problems = true, 0, nil
		l.Previous = fmt.Sprintf("%s on %s", out.Previous.Name, out.Previous.ImportedAt.Local().Format("2006-01-02 15:04"))
	}
	return l
}

func printGaiaImport(env *cliEnv, l gaiaImportLine) {
	w := env.stdout
	switch {
	case l.Error != "":
		fmt.Fprintf(w, "%s: NOT imported: %s\n", l.File, l.Error)
	case l.Skipped:
		fmt.Fprintf(w, "%s: skipped, already imported (%s)\n", l.File, l.Previous)
	default:
		fmt.Fprintf(w, "%s: %s, %d row(s) imported (%s), %d bad line(s) skipped, %s layout\n", l.File, l.Kind, l.Rows, l.Encoding, len(l.Problems), l.Layout)
		for _, p := range l.Problems {
			fmt.Fprintf(w, "  %s\n", p)
		}
	}
}

func runGaiaLink(link bool) func(context.Context, *cliEnv, []string) error {
	return func(ctx context.Context, env *cliEnv, args []string) error {
		name, usage := "gaia unlink", "--domain D --course C"
		if link {
			name, usage = "gaia link", "--domain D --course C --session DISPOSITIF/MODULE/GROUPE"
		}
		fs := newFlags(env, name, usage)
		domain := fs.String("domain", "", "domain (Moodle site) name")
		course := new(int64)
		courseVar(fs, env, course, domain, "course", "the session")
		session := fs.String("session", "", "GAIA session key dispositif/module/groupe")
		var group *string
		var override *bool
		if link {
			group = fs.String("group", "", "put the GAIA people into this Moodle group (created when missing)")
			override = fs.Bool("override", false, "unenrol from the GAIA enrolment instance whoever GAIA no longer lists (gaia sync --dry-run shows who)")
		}
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if *course <= 0 || (link && *session == "") {
			return usagef("usage: bridge %s %s", name, usage)
		}
		return withGaiaDomain(ctx, env, *domain, func(a *app.App) error {
			if link {
				return gaiaLink(ctx, env, a, *domain, *course, *session, store.GaiaLinkOptions{Group: strings.TrimSpace(*group), Override: *override})
			}
			if err := a.Gaia.Unlink(ctx, *domain, *course, requestedBy()); err != nil {
				return err
			}
			if env.format == "json" {
				return json.NewEncoder(env.stdout).Encode(map[string]any{"domain": *domain, "course_id": *course, "linked": false})
			}
			fmt.Fprintf(env.stdout, "course %d unlinked\n", *course)
			return nil
		})
	}
}

func gaiaLink(ctx context.Context, env *cliEnv, a *app.App, domain string, course int64, raw string, opts store.GaiaLinkOptions) error {
	l, err := a.Gaia.Link(ctx, gaia.LinkRequest{Domain: domain, CourseID: course, Session: raw, Options: opts, Actor: requestedBy()})
	if err != nil {
		return err
	}
	if env.format == "json" {
		return json.NewEncoder(env.stdout).Encode(l)
	}
	label := ""
	if l.Label != "" {
		label = " (" + l.Label + ")"
	}
	fmt.Fprintf(env.stdout, "course %d linked to GAIA session %s%s\n", course, l.Session, label)
	if opts.Group != "" {
		fmt.Fprintf(env.stdout, "  GAIA people go into group %q\n", opts.Group)
	}
	if opts.Override {
		fmt.Fprintf(env.stdout, "  override: whoever leaves GAIA is unenrolled from the GAIA enrolment; see who first with: bridge gaia sync --domain %s --dry-run\n", domain)
	}
	return nil
}

func runGaiaSync(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "gaia sync", "--domain D [--dry-run] [--override]")
	domain := fs.String("domain", "", "domain (Moodle site) name")
	dryRun := fs.Bool("dry-run", false, "show what the sync would do, change nothing")
	override := fs.Bool("override", false, "this run, unenrol from every GAIA enrolment instance whoever GAIA no longer lists")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return withGaiaDomain(ctx, env, *domain, func(a *app.App) error {
		var res gaia.SyncResult
		if *dryRun {
			r, err := a.Gaia.Sync(ctx, *domain, *override, true, enrol.Direct{Ctx: ctx})
			if err != nil {
				return err
			}
			res = *r
		} else {
			job, _, err := a.Queue.Submit(ctx, jobs.Spec{Kind: gaia.KindSync, Domain: *domain,
				Payload: gaia.SyncPayload{Domain: *domain, Override: *override}, RequestedBy: requestedBy()})
			if err != nil {
				return err
			}
			done, err := runJobLocally(ctx, env, a, job)
			if err != nil {
				return err
			}
			if err := json.Unmarshal(done.Result, &res); err != nil {
				return fmt.Errorf("job %d result: %w", done.ID, err)
			}
		}
		return printGaiaSync(env, res)
	})
}

func printGaiaSync(env *cliEnv, r gaia.SyncResult) error {
	if env.format == "json" {
		return json.NewEncoder(env.stdout).Encode(r)
	}
	w := env.stdout
	verb := "synced"
	if r.DryRun {
		verb = "dry run"
	}
	fmt.Fprintf(w, "%s: %s, %d linked course(s)\n", r.Domain, verb, len(r.Courses))
	printGaiaCourses(w, r)
	return nil
}

func printGaiaCourses(w io.Writer, r gaia.SyncResult) {
	for _, c := range r.Courses {
		changes := "change(s)"
		if r.DryRun {
			changes = "change(s) to make"
		}
		fmt.Fprintf(w, "course %d ← GAIA %s: %d participant(s), %d formateur(s), %d %s", c.CourseID, c.Session, c.Participants, c.Formateurs, c.Changed, changes)
		if c.Note != "" {
			fmt.Fprintf(w, " (%s)", c.Note)
		}
		fmt.Fprintln(w)
		if c.Instance != "" {
			fmt.Fprintf(w, "  enrolment instance %q", c.Instance)
			if c.Group != "" {
				fmt.Fprintf(w, ", group %q", c.Group)
			}
			if c.Override {
				fmt.Fprint(w, ", override")
			}
			fmt.Fprintln(w)
		}
		if c.OverrideHeld != "" {
			fmt.Fprintf(w, "  %s\n", c.OverrideHeld)
		}
		for _, id := range c.Removed {
			if r.DryRun {
				fmt.Fprintf(w, "  left GAIA, will be unenrolled from the GAIA enrolment: user %d\n", id)
			} else {
				fmt.Fprintf(w, "  left GAIA, unenrolled from the GAIA enrolment: user %d\n", id)
			}
		}
		if c.Counts.Total > 0 {
			fmt.Fprint(w, indentLines(c.Counts.Table("fr")))
		}
		for _, p := range c.Problems {
			fmt.Fprintf(w, "  not enrolled: %s (%s) %s\n", p.Email, enrol.StatusMessage(p.Status, "fr"), p.Detail)
		}
		for _, id := range c.Absent {
			fmt.Fprintf(w, "  no longer in GAIA, still enrolled: user %d\n", id)
		}
	}
}

func indentLines(s string) string {
	if s == "" {
		return ""
	}
	return "  " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n  ") + "\n"
}

func runGaiaStatus(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "gaia status", "--domain D")
	domain := fs.String("domain", "", "domain (Moodle site) name")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return withGaiaDomain(ctx, env, *domain, func(a *app.App) error {
		files, err := a.Store.ListGaiaFiles(ctx, *domain)
		if err != nil {
			return err
		}
		links, err := a.Store.ListGaiaLinks(ctx, *domain)
		if err != nil {
			return err
		}
		if env.format == "json" {
			return json.NewEncoder(env.stdout).Encode(map[string]any{"files": files, "links": links})
		}
		for _, f := range files {
			fmt.Fprintf(env.stdout, "file %s %s %d row(s) imported %s sha256 %s\n", f.Name, f.Kind, f.Rows,
				f.ImportedAt.Local().Format("2006-01-02 15:04"), f.SHA256[:12])
		}
		for _, l := range links {
			fmt.Fprintf(env.stdout, "course %d ← GAIA %s (by %s)\n", l.CourseID, l.SessionKey, l.LinkedBy)
		}
		return nil
	})
}
