package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/magistere/bridge/internal/calendar"
	"github.com/magistere/bridge/internal/domains"
)

func init() {
	register(&command{name: "domains check", summary: "probe each domain: reachable, release, missing web-service functions", run: runDomainsCheck})
}

func runDomainsCheck(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "domains check", "[--domain D]")
	only := fs.String("domain", "", "check only this domain")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := env.loadConfig()
	if err != nil {
		return err
	}
	fleet, err := domains.NewFleet(cfg, nil, newLogger(env, cfg))
	if err != nil {
		return err
	}
	var reports []domains.Report
	if *only != "" {
		d, err := fleet.Get(*only)
		if err != nil {
			return usagef("%v", err)
		}
		reports = []domains.Report{domains.Check(ctx, d)}
	} else {
		reports = fleet.CheckAll(ctx)
	}
	data, err := calendar.Effective(cfg.CalendarPath())
	if err != nil {
		return err
	}
	withCal := make([]domainReport, len(reports))
	for i, r := range reports {
		withCal[i].Report = r
		if dc, ok := cfg.Domain(r.Domain); ok {
			withCal[i].Calendar = calendarStatus(*dc, data, time.Now())
		}
	}
	if env.format == "json" {
		json.NewEncoder(env.stdout).Encode(withCal)
	} else {
		printReports(env.stdout, reports)
		for _, r := range withCal {
			switch c := r.Calendar; {
			case c == nil:
			case c.Warning != "":
				fmt.Fprintf(env.stdout, "%s: WARNING calendar: %s\n", r.Domain, c.Warning)
			default:
				fmt.Fprintf(env.stdout, "%s: school calendar of zone %s known until %s (%s)\n", r.Domain, c.Zone, c.KnownUntil, c.Data)
			}
		}
	}
	for _, r := range reports {
		if !r.OK() {
			return errors.New("at least one domain is unreachable or lacks a function the bridge needs")
		}
	}
	return nil
}

func printReports(w io.Writer, reports []domains.Report) {
	for _, r := range reports {
		if !r.Reachable {
			fmt.Fprintf(w, "%s (%s): UNREACHABLE: %s\n", r.Domain, r.WWWRoot, r.Error)
			continue
		}
		fmt.Fprintf(w, "%s (%s): reachable, Moodle %s (version %s), %d functions in the token's service\n",
			r.Domain, r.WWWRoot, r.Release, r.Version, r.Functions)
		if len(r.Missing) == 0 {
			fmt.Fprintf(w, "  every function the bridge uses is available\n")
		}
		for _, m := range r.Missing {
			switch {
			case m.Fallback != "":
				fmt.Fprintf(w, "  missing %s (%s): using %s instead\n", m.Function, m.Feature, m.Fallback)
			case m.Plugin:
				fmt.Fprintf(w, "  MISSING %s (%s): install or update local_bridge on this site\n", m.Function, m.Feature)
			default:
				fmt.Fprintf(w, "  MISSING %s (%s): add it to the token's external service\n", m.Function, m.Feature)
			}
		}
	}
}

func init() {
	register(&command{name: "domains functions", summary: "list the web-service functions to put in each site's external service", run: runDomainsFunctions})
}

// runDomainsFunctions prints what an administrator adds to the site's
// "bridge" external service: one function a line, local_bridge's marked,
// so the README's setup step (and scripts/real-moodle.sh) has one source.
func runDomainsFunctions(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "domains functions", "[--core-only]")
	coreOnly := fs.Bool("core-only", false, "leave out local_bridge's functions")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if env.format == "json" {
		return json.NewEncoder(env.stdout).Encode(domains.Needs)
	}
	for _, n := range domains.Needs {
		if n.Plugin && *coreOnly {
			continue
		}
		fmt.Fprintln(env.stdout, n.Function)
	}
	return nil
}
