package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os/user"

	"github.com/magistere/bridge/internal/workflow"
)

func init() {
	register(&command{name: "workflow check", summary: "compare the bridge's record of each course with Moodle; --fix makes the record follow Moodle", run: runWorkflowCheck})
}

// cliActor names the operator running a command, for the audit.
func cliActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	return "cli"
}

func runWorkflowCheck(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "workflow check", "[--domain D] [--fix]")
	domain := fs.String("domain", "", "only this domain (default: every domain)")
	fix := fs.Bool("fix", false, "reconcile the record to Moodle (never the other way round), each change audited")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	a, err := env.openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	names := []string{*domain}
	if *domain == "" {
		names = names[:0]
		for _, d := range a.Fleet.All() {
			names = append(names, d.Name())
		}
	} else if _, err := a.Fleet.Get(*domain); err != nil {
		return usagef("%v", err)
	}
	svc := a.Workflow
	all := []workflow.Drift{}
	unfixed := 0
	for _, name := range names {
		drifts, err := svc.CheckDrift(ctx, name, *fix, cliActor())
		all = append(all, drifts...)
		if err != nil {
			return fmt.Errorf("check %s: %w", name, err)
		}
	}
	for _, d := range all {
		if !d.Fixed {
			unfixed++
		}
	}
	if env.format == "json" {
		json.NewEncoder(env.stdout).Encode(all)
	} else {
		for _, d := range all {
			fmt.Fprintln(env.stdout, d.String())
		}
		fmt.Fprintf(env.stdout, "%d difference(s) between the record and Moodle", len(all))
		if *fix {
			fmt.Fprintf(env.stdout, ", %d reconciled", len(all)-unfixed)
		}
		fmt.Fprintln(env.stdout)
	}
	if unfixed > 0 {
		return fmt.Errorf("%d course(s) differ from their record: run `bridge workflow check --fix` to make the record follow Moodle", unfixed)
	}
	return nil
}
