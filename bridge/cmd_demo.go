package main

import (
	"context"
	"slices"
	"strings"

	"github.com/magistere/bridge/internal/demo"
)

func init() {
	register(&command{name: "demo", summary: "run the whole workflow on in-process test sites (no configuration needed)", run: runDemo})
}

func runDemo(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "demo", "[--out DIR] [--only chapter,...] [--verbose]")
	out := fs.String("out", "", "keep the store, reports and certificates in DIR (default: a temporary folder)")
	only := fs.String("only", "", "run only these chapters (comma-separated)")
	verbose := fs.Bool("verbose", false, "also print the bridge's own logs")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	opts := demo.Options{OutDir: *out, Out: env.stdout}
	if *verbose {
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
