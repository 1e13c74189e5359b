package main

import (
	"context"
	"github.com/magistere/bridge/internal/moodlesim"
	"slices"
	"strings"

	"github.com/magistere/bridge/internal/demo"
)

func init() {
	register(&command{name: "demo", summary: "run the whole workflow on in-process test sites (no configuration needed)", run: runDemo})
}

func runDemo(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "demo", "[--out DIR] [--only chapter,...] [--verbose] [--cost real-4.5|SPEC]")
	out := fs.String("out", "", "keep the store, reports and certificates in DIR (default: a temporary folder)")
	only := fs.String("only", "", "run only these chapters (comma-separated)")
	costSpec := fs.String("cost", "", `test sites as slow as a real Moodle 4.5: "real-4.5" (measured), or call=8ms,user=1ms,password=6ms,enrol=2.7ms,record=0.6ms`)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cost, err := moodlesim.ParseCost(*costSpec)
	if err != nil {
		return usagef("--cost: %v", err)
	}
	opts := demo.Options{OutDir: *out, Out: env.stdout, Cost: cost}
	if env.verbose { // global --verbose: the bridge's own logs too
		opts.Log = env.stderr
	}
	if *only != "" {
		opts.Only = strings.Split(*only, ",")
		known := demo.ChapterNames()
		for _, name := range opts.Only {
			if !slices.Contains(known, name) {
				return usagef("--only: no chapter %q (chapters: %s)", name, strings.Join(known, ", "))
			}
		}
	}
	return demo.Run(ctx, opts)
}
