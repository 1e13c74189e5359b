package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"

	"github.com/magistere/bridge/internal/config"
)

func init() {
	register(&command{name: "version", summary: "print the version", run: runVersion})
	register(&command{name: "config check", summary: "validate and print the effective configuration (secrets redacted)", run: runConfigCheck})
}

func runVersion(_ context.Context, env *cliEnv, args []string) error {
	if err := parseFlags(newFlags(env, "version", ""), args); err != nil {
		return err
	}
	if env.format == "json" {
		return json.NewEncoder(env.stdout).Encode(map[string]string{"version": Version, "go": runtime.Version()})
	}
	fmt.Fprintf(env.stdout, "bridge %s (%s)\n", Version, runtime.Version())
	return nil
}

// configError makes the command exit with 2.
type configError struct{ err error }

func (e configError) Error() string { return e.err.Error() }
func (e configError) Unwrap() error { return e.err }

// configPath resolves --config, then config/bridge.yaml, then $BRIDGE_CONFIG.
func (env *cliEnv) resolveConfigPath() string {
	if env.configPath != "" {
		return env.configPath
	}
	if _, err := os.Stat("config/bridge.yaml"); err == nil {
		return "config/bridge.yaml"
	}
	for _, kv := range env.environ {
		if len(kv) > len("BRIDGE_CONFIG=") && kv[:len("BRIDGE_CONFIG=")] == "BRIDGE_CONFIG=" {
			return kv[len("BRIDGE_CONFIG="):]
		}
	}
	return ""
}

// loadConfig loads and validates the configuration; problems exit with 2.
func (env *cliEnv) loadConfig() (*config.Config, error) {
	cfg, err := config.Load(env.resolveConfigPath(), env.environ)
	if err != nil {
		return nil, configError{err}
	}
	if env.logFormat != "" {
		cfg.LogFormat = env.logFormat
	}
	return cfg, nil
}

func runConfigCheck(_ context.Context, env *cliEnv, args []string) error {
	if err := parseFlags(newFlags(env, "config check", ""), args); err != nil {
		return err
	}
	cfg, err := env.loadConfig()
	if err != nil {
		return err
	}
	red := cfg.Redacted()
	if env.format == "json" {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(red)
	}
	b, err := json.MarshalIndent(red, "", "  ")
	if err != nil {
		return errors.New("cannot render configuration")
	}
	fmt.Fprintf(env.stdout, "configuration OK (%s)\n%s\n", describePath(env.resolveConfigPath()), b)
	return nil
}

func describePath(p string) string {
	if p == "" {
		return "no file: defaults and environment"
	}
	return p
}
