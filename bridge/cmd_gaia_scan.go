package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/magistere/bridge/internal/app"
	"github.com/magistere/bridge/internal/enrol"
	"github.com/magistere/bridge/internal/gaia"
	"github.com/magistere/bridge/internal/jobs"
)

// gaiaScanFailed makes scan exit 1 after reporting every domain.
type gaiaScanFailed struct{ n int }

func (e *gaiaScanFailed) Error() string {
	return fmt.Sprintf("gaia scan: %d domain(s) with errors / %d domaine(s) en erreur", e.n, e.n)
}

func runGaiaScan(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "gaia scan", "[--domain D] [--dry-run] [--override]")
	domain := fs.String("domain", "", "domain (Moodle site) name; default: every domain with a gaia_code")
	dryRun := fs.Bool("dry-run", false, "show what the scan would import and the sync would do, change nothing")
	override := fs.Bool("override", false, "this run, unenrol from every GAIA enrolment instance whoever GAIA no longer lists")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	a, err := env.openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	var names []string
	if *domain != "" {
		d, err := a.Fleet.Get(*domain)
		if err != nil {
			return usagef("%v", err)
		}
		if d.Config.GaiaCode == "" {
			return usagef("domain %s has no gaia_code: set it (and gaia.drop_dir) in the configuration", *domain)
		}
		names = append(names, *domain)
	} else {
		for _, d := range a.Fleet.All() {
			if d.Config.GaiaCode != "" {
				names = append(names, d.Name())
			}
		}
		if len(names) == 0 {
			return usagef("no domain has a gaia_code: set gaia_code and gaia.drop_dir in the configuration")
		}
	}
	var results []*gaia.ScanResult
	failed := 0
	for _, name := range names {
		res, err := scanOneDomain(ctx, env, a, name, gaia.ScanPayload{Domain: name, DryRun: *dryRun, Override: *override})
		if res == nil {
			d, _ := a.Fleet.Get(name)
			res = &gaia.ScanResult{Domain: name, Code: d.Config.GaiaCode, Files: []gaia.ScanFile{}}
		}
		if err != nil {
			res.Errors = append(res.Errors, err.Error())
		}
		if len(res.Errors) > 0 {
			failed++
		}
		results = append(results, res)
		if env.format != "json" {
			printGaiaScan(env, res)
		}
	}
	if env.format == "json" {
		if err := json.NewEncoder(env.stdout).Encode(map[string]any{"domains": results}); err != nil {
			return err
		}
	}
	if failed > 0 {
		return &gaiaScanFailed{failed}
	}
	return nil
}

func scanOneDomain(ctx context.Context, env *cliEnv, a *app.App, domain string, p gaia.ScanPayload) (*gaia.ScanResult, error) {
	if p.DryRun {
		return a.Gaia.Scan(ctx, domain, p, enrol.Direct{Ctx: ctx})
	}
	job, _, err := a.Queue.Submit(ctx, jobs.Spec{Kind: gaia.KindScan, Domain: domain, Payload: p, RequestedBy: requestedBy()})
	if err != nil {
		return nil, err
	}
	done, err := runJobLocally(ctx, env, a, job)
	if err != nil {
		return nil, err
	}
	var res gaia.ScanResult
	if err := json.Unmarshal(done.Result, &res); err != nil {
		return nil, fmt.Errorf("job %d result: %w", done.ID, err)
	}
	return &res, nil
}

func printGaiaScan(env *cliEnv, r *gaia.ScanResult) {
	w := env.stdout
	verb := map[string]string{gaia.ScanImported: "imported", gaia.ScanWouldImport: "dry run, would import",
		gaia.ScanUnchanged: "unchanged, every file already imported", gaia.ScanHeld: "held back (partial drop)",
		gaia.ScanNoDrop: "no dated directory in the drop", gaia.ScanMissing: "none of the académie's files"}[r.Status]
	if verb == "" {
		verb = r.Status
	}
	fmt.Fprintf(w, "%s (GAIA %s) drop %s: %s\n", r.Domain, r.Code, r.Drop, verb)
	for _, f := range r.Files {
		switch {
		case f.Error != "":
			fmt.Fprintf(w, "  %s: NOT read: %s\n", f.Name, f.Error)
		default:
			what := fmt.Sprintf("%d row(s)", f.Rows)
			if f.National {
				what = fmt.Sprintf("%d national row(s)", f.Rows)
			}
			known := ""
			if f.Known {
				known = ", already imported"
			}
			fmt.Fprintf(w, "  %s: %s, %s (%s, %s layout%s), %d bad line(s)\n", f.Name, f.Kind, what, f.Encoding, f.Layout, known, len(f.Problems))
			for _, p := range f.Problems {
				fmt.Fprintf(w, "    %s\n", p)
			}
		}
	}
	if r.Held != "" {
		fmt.Fprintf(w, "  %s\n", r.Held)
	}
	if r.Status != gaia.ScanHeld && r.Status != gaia.ScanNoDrop && r.Status != "" {
		fmt.Fprintf(w, "  %d session(s) (%d national), %d participant(s), %d formateur(s)\n", r.Sessions, r.National, r.Participants, r.Formateurs)
	}
	if r.Sync != nil {
		printGaiaCourses(w, *r.Sync)
	}
	for _, e := range r.Errors {
		fmt.Fprintf(w, "  error: %s\n", e)
	}
}
