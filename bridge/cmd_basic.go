package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"time"

	"github.com/magistere/bridge/internal/config"
	"github.com/magistere/bridge/internal/store"
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

// resolveConfigPath: --config, then $BRIDGE_CONFIG, then
// config/bridge.yaml in the current directory (a stray file there must not
// win over what the operator exported).
func (env *cliEnv) resolveConfigPath() string {
	if env.configPath != "" {
		return env.configPath
	}
	for _, kv := range env.environ {
		if v, ok := strings.CutPrefix(kv, "BRIDGE_CONFIG="); ok && v != "" {
			return v
		}
	}
	if _, err := os.Stat("config/bridge.yaml"); err == nil {
		return "config/bridge.yaml"
	}
	return ""
}

// loadConfig loads and validates the configuration; problems exit with 2.
func (env *cliEnv) loadConfig() (*config.Config, error) {
	if env.cfg != nil {
		return env.cfg, nil
	}
	cfg, err := config.Load(env.resolveConfigPath(), env.environ)
	if err != nil {
		return nil, configError{err}
	}
	if env.logFormat != "" {
		cfg.LogFormat = env.logFormat
	}
	if !env.warnedOldKeys {
		env.warnedOldKeys = true
		for _, line := range cfg.Deprecated {
			fmt.Fprintf(env.stderr, "bridge: %s (%s)\n", line, env.pick("l'ancien nom reste lu", "the old name still works"))
		}
		env.warnLeftStore(cfg)
	}
	env.cfg = cfg
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
	red := printable(reflect.ValueOf(cfg.Redacted()))
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

// printable is v as JSON would show it, durations written as in the file
// (30s, 5m) instead of nanoseconds.
func printable(v reflect.Value) any {
	if v.Type() == reflect.TypeOf(time.Duration(0)) {
		return config.ShortDuration(time.Duration(v.Int()))
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return printable(v.Elem())
	case reflect.Struct:
		out := map[string]any{}
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if strings.Contains(opts, "omitempty") && v.Field(i).IsZero() {
				continue
			}
			out[name] = printable(v.Field(i))
		}
		return out
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = printable(v.Index(i))
		}
		return out
	case reflect.Map:
		out := map[string]any{}
		for _, k := range v.MapKeys() {
			out[fmt.Sprint(k.Interface())] = printable(v.MapIndex(k))
		}
		return out
	}
	return v.Interface()
}

// warnLeftStore: a relative data_dir used to be read from the current
// directory; it is now read from the configuration file's folder. When a
// store sits at the old place and none at the new one, say so once rather
// than silently starting on an empty store.
func (env *cliEnv) warnLeftStore(cfg *config.Config) {
	if cfg.DataDirAsWritten == "" || cfg.Store.DSN != "" {
		return
	}
	old, err := filepath.Abs(cfg.DataDirAsWritten)
	if err != nil || old == cfg.DataDir {
		return
	}
	if _, err := os.Stat(filepath.Join(old, store.SQLiteFile)); err != nil {
		return
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, store.SQLiteFile)); err == nil {
		return
	}
	fmt.Fprintf(env.stderr, "bridge: %s\n", env.pick(
		fmt.Sprintf("data_dir %q se lit désormais depuis le dossier du fichier de configuration (%s), mais la base est dans %s : déplacer le dossier ou écrire un chemin absolu", cfg.DataDirAsWritten, cfg.DataDir, old),
		fmt.Sprintf("data_dir %q is now read from the configuration file's folder (%s), but the store is in %s: move the folder or write an absolute path", cfg.DataDirAsWritten, cfg.DataDir, old)))
}
