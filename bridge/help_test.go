package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/enrol"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/workflow"
)

// cli runs the CLI in this process (no configuration: help needs none).
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := runCLI(context.Background(), args, &out, &errb, []string{"LANG=C"})
	return code, out.String(), errb.String()
}

// TestEveryCommandHelp walks the command table: every command's --help,
// -h and `help COMMAND` exit 0 and print that command's usage on stdout,
// with flags written --name and no stray usage text as a flag argument.
func TestEveryCommandHelp(t *testing.T) {
	if len(commands) < 40 {
		t.Fatalf("only %d commands registered", len(commands))
	}
	broken := regexp.MustCompile(`(?m)^\s+-[a-z-]+ [a-z]+ [a-z]+\s*$`) // "-no-wait bridge serve"
	for name := range commands {
		words := strings.Fields(name)
		for _, args := range [][]string{append(append([]string{}, words...), "--help"), append(append([]string{}, words...), "-h"), append([]string{"help"}, words...)} {
			code, out, errs := cli(t, args...)
			if code != 0 {
				t.Errorf("%v: exit %d\n%s", args, code, errs)
				continue
			}
			if !strings.HasPrefix(out, "Usage: bridge "+name) && name != "offer digest" {
				t.Errorf("%v: usage is not the command's own:\n%s", args, firstLine(out))
			}
			if !strings.Contains(out, "--config FILE") && name != "offer digest" {
				t.Errorf("%v: no global flags listed", args)
			}
			if broken.MatchString(out) {
				t.Errorf("%v: a flag rendered with usage words as its argument:\n%s", args, out)
			}
		}
		if _, ok := examples[name]; !ok {
			t.Errorf("%s has no example", name)
		}
	}
	for _, group := range []string{"jobs", "domains", "tracking", "offer", "workflow", "gaia", "calendar", "attendance"} {
		if code, out, _ := cli(t, group, "--help"); code != 0 || !strings.Contains(out, group+" ") {
			t.Errorf("%s --help: exit %d", group, code)
		}
	}
}

// TestHelpListsOnlyOwnFlags: sessions create does not offer duplicate's
// flags, offer list prints its own usage, flags read --name TYPE.
func TestHelpListsOnlyOwnFlags(t *testing.T) {
	_, out, _ := cli(t, "sessions", "create", "--help")
	for _, foreign := range []string{"--with-users", "--shortname", "--objectives", "--offer "} {
		if strings.Contains(out, foreign) {
			t.Errorf("sessions create --help lists %s:\n%s", foreign, out)
		}
	}
	for _, own := range []string{"--from COURSE", "--start TEXT", "--virtual TEXT", "--no-wait "} {
		if !strings.Contains(out, own) {
			t.Errorf("sessions create --help lacks %q:\n%s", own, out)
		}
	}
	if _, out, _ := cli(t, "offer", "list", "--help"); !strings.HasPrefix(out, "Usage: bridge offer list") {
		t.Errorf("offer list --help: %s", firstLine(out))
	}
	if _, out, _ := cli(t, "workflow", "run", "duplicate", "--domain", "x", "--help"); !strings.HasPrefix(out, "Usage: bridge workflow run duplicate") ||
		!strings.Contains(out, "--with-users") || strings.Contains(out, "--objectives") {
		t.Errorf("workflow run duplicate --help:\n%s", out)
	}
	if _, out, _ := cli(t, "workflow", "run", "set-metadata", "--help"); !strings.Contains(out, "--objectives") || strings.Contains(out, "--shortname") {
		t.Errorf("workflow run set-metadata --help:\n%s", out)
	}
	if code, _, errs := cli(t, "workflow", "run", "open", "--domain", "x", "--course", "3", "--shortname", "S"); code != 2 || !strings.Contains(errs, "-shortname") {
		t.Errorf("a flag open does not read: exit %d %s", code, errs)
	}
}

// TestGlobalFlagsAnywhere: --config, --format and --lang work after the
// command as well as before it; a bad value is a usage error.
func TestGlobalFlagsAnywhere(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "b.yaml")
	os.WriteFile(cfg, []byte("data_dir: data\n"), 0o600)
	for _, args := range [][]string{
		{"--config", cfg, "config", "check"},
		{"config", "check", "--config", cfg},
		{"config", "--config=" + cfg, "check", "--format", "json"},
	} {
		code, out, errs := cli(t, args...)
		if code != 0 || !strings.Contains(out, filepath.Join(dir, "data")) {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, errs)
		}
	}
	if code, _, errs := cli(t, "version", "--format", "yaml"); code != 2 || !strings.Contains(errs, "--format") {
		t.Errorf("--format yaml: exit %d %s", code, errs)
	}
	if code, _, errs := cli(t, "jobs", "show", "x", "--lang", "fr"); code != 2 || !strings.Contains(errs, "Lancer « bridge help jobs show »") {
		t.Errorf("--lang fr after the command: exit %d %s", code, errs)
	}
	if code, _, errs := cli(t, "version", "--lang", "de"); code != 2 || !strings.Contains(errs, "--lang") {
		t.Errorf("--lang de: exit %d %s", code, errs)
	}
	if code, _, errs := cli(t, "config", "check", "--config"); code != 2 || !strings.Contains(errs, "--config needs a value") {
		t.Errorf("--config without value: exit %d %s", code, errs)
	}
}

// TestConfigPrecedence: --config, then $BRIDGE_CONFIG, then
// config/bridge.yaml in the current directory.
func TestConfigPrecedence(t *testing.T) {
	env := &cliEnv{environ: []string{"BRIDGE_CONFIG=/from/env.yaml"}}
	wd, _ := os.Getwd()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "config"), 0o750)
	os.WriteFile(filepath.Join(dir, "config", "bridge.yaml"), nil, 0o600)
	os.Chdir(dir)
	defer os.Chdir(wd)
	if got := env.resolveConfigPath(); got != "/from/env.yaml" {
		t.Errorf("$BRIDGE_CONFIG should win over config/bridge.yaml: %q", got)
	}
	env.configPath = "/flag.yaml"
	if got := env.resolveConfigPath(); got != "/flag.yaml" {
		t.Errorf("--config should win: %q", got)
	}
	env = &cliEnv{}
	if got := env.resolveConfigPath(); got != "config/bridge.yaml" {
		t.Errorf("fallback: %q", got)
	}
}

// TestCompletionScripts: the three shells get a script naming commands
// and their flags; bash parses the bash one.
func TestCompletionScripts(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		code, out, errs := cli(t, "completion", sh)
		if code != 0 || !strings.Contains(out, "workflow") || !strings.Contains(out, "remove-absent") {
			t.Errorf("completion %s: exit %d %s", sh, code, errs)
		}
		if bash, err := exec.LookPath("bash"); err == nil && sh == "bash" {
			p := filepath.Join(t.TempDir(), "c.bash")
			os.WriteFile(p, []byte(out), 0o600)
			if b, err := exec.Command(bash, "-n", p).CombinedOutput(); err != nil {
				t.Errorf("bash -n: %v %s", err, b)
			}
		}
	}
	if code, _, _ := cli(t, "completion", "tcsh"); code != 2 {
		t.Errorf("completion tcsh: exit %d, want 2", code)
	}
}

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

// TestOldFlagNames: an old name sets the new flag and says so in one line.
func TestOldFlagNames(t *testing.T) {
	var errb bytes.Buffer
	env := &cliEnv{stderr: &errb, lang: "en"}
	fs := newFlags(env, "offer approve", "")
	noWait := noWaitFlag(env, fs, "")
	as := actingFlag(env, fs, "")
	if err := parseFlags(fs, []string{"--async", "--by", "gestionnaire"}); err != nil {
		t.Fatal(err)
	}
	if !*noWait || *as != "gestionnaire" {
		t.Errorf("--async/--by did not set --no-wait/--as: %v %q", *noWait, *as)
	}
	if !strings.Contains(errb.String(), "--async is an old name, use --no-wait") || strings.Count(errb.String(), "\n") != 2 {
		t.Errorf("deprecation lines: %q", errb.String())
	}
}

// TestConfirmRefusesWithoutTerminal: --yes answers; a pipe or file is no
// terminal, so without --yes nothing is done and the sentence names --yes.
func TestConfirmRefusesWithoutTerminal(t *testing.T) {
	env := &cliEnv{stdin: strings.NewReader("y\n"), stderr: &bytes.Buffer{}, lang: "fr"}
	if err := env.confirm(true, "archive 3 course(s)", "archiver 3 cours"); err != nil {
		t.Errorf("--yes: %v", err)
	}
	err := env.confirm(false, "archive 3 course(s)", "archiver 3 cours")
	var ue *usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--yes") || !strings.Contains(err.Error(), "archiver 3 cours") {
		t.Errorf("no terminal: %v", err)
	}
}

// TestErrorsAreOneSentence: internals are left out of the message (and
// shown with --verbose), refusals and the CLI's sentences follow --lang.
func TestErrorsAreOneSentence(t *testing.T) {
	en := &cliEnv{lang: "en"}
	fr := &cliEnv{lang: "fr"}
	wrapped := fmt.Errorf("enrol: plan: %w", &enrol.FileError{Code: enrol.FileEmpty, Detail: "no row"})
	if got := en.say(wrapped); strings.Contains(got, "enrol:") || !strings.Contains(got, "fix the file") {
		t.Errorf("csv error: %q", got)
	}
	if got := fr.say(wrapped); !strings.Contains(got, "corriger le fichier") {
		t.Errorf("csv error in French: %q", got)
	}
	conflict := fmt.Errorf("jobs: retry 4: %w", store.ErrConflict)
	if got := en.say(conflict); strings.Contains(got, "store:") || strings.Contains(got, "conflicting state") {
		t.Errorf("conflict: %q", got)
	}
	me := fmt.Errorf("plan: %w", &moodle.Error{Site: "ac-a", Function: "core_course_get_courses_by_field", ErrorCode: "invalidparameter", Message: "Invalid parameter value detected (raw debug)"})
	if got := fr.say(me); strings.Contains(got, "raw debug") || !strings.Contains(got, "le site Moodle ac-a a refusé") {
		t.Errorf("moodle error: %q", got)
	}
	if got := fr.say(&workflow.Refusal{Code: "metadata_missing", FR: "métadonnées manquantes", EN: "missing metadata"}); got != "métadonnées manquantes (metadata_missing)" {
		t.Errorf("refusal: %q", got)
	}
	if got := fr.say(usagef("--domain and --course are required")); got != "--domain et --course sont obligatoires" {
		t.Errorf("usage in French: %q", got)
	}
	if got := en.say(fmt.Errorf("get job 9: %w", store.ErrNotFound)); got != "get job 9: not found" {
		t.Errorf("not found: %q", got)
	}
	var errb bytes.Buffer
	verbose := &cliEnv{lang: "en", verbose: true, stderr: &errb}
	if code := exitCode(verbose, "enrol", wrapped); code != 1 || !strings.Contains(errb.String(), "debug: enrol: plan: enrol: csv: empty_file") {
		t.Errorf("--verbose: exit %d\n%s", code, errb.String())
	}
}

// TestLeftStoreWarning: a store left where a relative data_dir used to
// point (the current directory) is named, once, with what to do.
func TestLeftStoreWarning(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "cfg"), 0o750)
	os.MkdirAll(filepath.Join(dir, "data"), 0o750)
	os.WriteFile(filepath.Join(dir, "data", "bridge.db"), nil, 0o600)
	os.WriteFile(filepath.Join(dir, "cfg", "b.yaml"), []byte("data_dir: data\n"), 0o600)
	wd, _ := os.Getwd()
	os.Chdir(dir)
	defer os.Chdir(wd)
	code, out, errs := cli(t, "config", "check", "--config", "cfg/b.yaml")
	if code != 0 || !strings.Contains(out, filepath.Join(dir, "cfg", "data")) || strings.Count(errs, "move the folder or write an absolute path") != 1 {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
	os.MkdirAll(filepath.Join(dir, "cfg", "data"), 0o750)
	os.WriteFile(filepath.Join(dir, "cfg", "data", "bridge.db"), nil, 0o600)
	if _, _, errs := cli(t, "config", "check", "--config", "cfg/b.yaml"); errs != "" {
		t.Errorf("a store at the new place: no warning wanted, got %s", errs)
	}
}
