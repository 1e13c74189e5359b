package main

import (
	"context"
	"fmt"
	"net"
	"os"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/app"
	"github.com/magistere/bridge/internal/config"
	"github.com/magistere/bridge/internal/logging"
)

func init() {
	register(&command{name: "serve", summary: "run the daemon: HTTP API, job workers and scheduler", run: runServe})
}

// newLogger builds the process logger, scrubbing every configured secret.
func newLogger(env *cliEnv, cfg *config.Config) zerolog.Logger {
	level := cfg.LogLevel
	if env.verbose {
		level = "debug"
	}
	return logging.New(env.stderr, logging.Options{Format: cfg.LogFormat, Level: level, Secrets: cfg.Secrets()})
}

func runServe(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "serve", "[--listen ADDR]")
	listen := fs.String("listen", "", "listen address (overrides listen)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := env.loadConfig()
	if err != nil {
		return err
	}
	if *listen != "" {
		cfg.Listen = *listen
	}
	log := newLogger(env, cfg)
	a, err := app.Open(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	// Tests and supervisors read the bound address (":0" picks a port).
	if path := os.Getenv("BRIDGE_ADDR_FILE"); path != "" {
		os.WriteFile(path, []byte(ln.Addr().String()), 0o644)
	}
	return a.Serve(ctx, ln)
}
