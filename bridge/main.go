// Command bridge is the m@gistère bridge: a daemon (serve), a self-contained
// demonstration (demo) and the operator subcommands that drive Moodle sites
// from outside Moodle.
//
// Exit codes: 0 success, 1 the operation failed, 2 usage or configuration
// error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/magistere/bridge/internal/moodle"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// Version is set at build time with -ldflags "-X main.Version=...".
var Version = "dev"

// usageError makes the command exit with 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// command is one subcommand; sub-subcommands (jobs list, config check)
// are commands of their own with a space in the name.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *cliEnv, args []string) error
}

// cliEnv is what every command receives: global flags and output streams.
type cliEnv struct {
	configPath string
	logFormat  string
	format     string // text or json, for commands whose output is data
	stdout     io.Writer
	stderr     io.Writer
	environ    []string
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runCLI(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Environ())
	stop()
	os.Exit(code)
}

// runCLI parses global flags, finds the (possibly two-word) command and
// runs it, mapping errors to exit codes.
func runCLI(ctx context.Context, args []string, stdout, stderr io.Writer, environ []string) int {
	env := &cliEnv{stdout: stdout, stderr: stderr, environ: environ}
	global := flag.NewFlagSet("bridge", flag.ContinueOnError)
	global.SetOutput(stderr)
	global.StringVar(&env.configPath, "config", "", "configuration file (default config/bridge.yaml, then $BRIDGE_CONFIG)")
	global.StringVar(&env.logFormat, "log-format", "", "log format: json or console (overrides log_format)")
	global.StringVar(&env.format, "format", "text", "output format for data: text or json")
	global.Usage = func() { printUsage(stderr) }
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	rest := global.Args()
	if len(rest) == 0 {
		printUsage(stderr)
		return 2
	}
	if rest[0] == "help" {
		return runHelp(ctx, env, rest[1:])
	}
	cmd, cmdArgs := findCommand(rest)
	if cmd == nil {
		if group := groupCommands(rest[0]); len(group) > 0 {
			// "bridge jobs --help" or "bridge jobs": the group's commands.
			printGroup(stdout, rest[0], group)
			if len(rest) > 1 && (rest[1] == "--help" || rest[1] == "-h") {
				return 0
			}
			return 2
		}
		fmt.Fprintf(stderr, "bridge: unknown command %q\n\n", strings.Join(rest, " "))
		printUsage(stderr)
		return 2
	}
	if env.format != "text" && env.format != "json" {
		fmt.Fprintf(stderr, "bridge: --format must be text or json\n")
		return 2
	}
	if retriesReads(cmd.name) {
		ctx = moodle.WithReadRetry(ctx, moodle.ReadRetry{})
	}
	err := cmd.run(ctx, env, cmdArgs)
	return exitCode(stderr, cmd.name, err)
}

// retriesReads says whether a command's Moodle reads retry transient
// failures (capped backoff, moodle.ReadRetry): every command that plans
// before it writes, so that one 503 does not fail an archive or an
// enrolment. Not the checks, whose answer must be quick and say what is
// down, nor serve, whose API answers must be quick (its jobs get the same
// read retry from the job context, app.Open).
func retriesReads(name string) bool {
	switch name {
	case "serve", "domains check", "domains functions", "config check", "moodlesim", "version", "help":
		return false
	}
	return !strings.HasPrefix(name, "calendar")
}

func exitCode(stderr io.Writer, name string, err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "bridge %s: %v\n", name, err)
	var ue *usageError
	var ce configError
	if errors.As(err, &ue) || errors.As(err, &ce) {
		return 2
	}
	return 1
}

// findCommand matches the longest command name: "jobs list" before "jobs".
func findCommand(args []string) (*command, []string) {
	if len(args) >= 2 {
		if c, ok := commands[args[0]+" "+args[1]]; ok {
			return c, args[2:]
		}
	}
	if c, ok := commands[args[0]]; ok {
		return c, args[1:]
	}
	return nil, nil
}

// runHelp is "bridge help [COMMAND…]": the command list, a group's
// commands, or one command's flags.
func runHelp(ctx context.Context, env *cliEnv, args []string) int {
	if len(args) == 0 {
		printUsage(env.stdout)
		return 0
	}
	if cmd, _ := findCommand(args); cmd != nil {
		return exitCode(env.stderr, cmd.name, cmd.run(ctx, env, []string{"--help"}))
	}
	if group := groupCommands(args[0]); len(group) > 0 {
		printGroup(env.stdout, args[0], group)
		return 0
	}
	fmt.Fprintf(env.stderr, "bridge help: unknown command %q\n", strings.Join(args, " "))
	return 2
}

// groupCommands lists the commands whose first word is word ("jobs list", …).
func groupCommands(word string) []string {
	var names []string
	for n := range commands {
		if strings.HasPrefix(n, word+" ") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

func printGroup(w io.Writer, word string, names []string) {
	fmt.Fprintf(w, "Usage: bridge %s SUBCOMMAND [flags]\n\nCommands:\n", word)
	for _, n := range names {
		fmt.Fprintf(w, "  %-22s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "\nRun 'bridge help %s SUBCOMMAND' for a command's flags.\n", word)
}

func printUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: bridge [--config FILE] [--log-format json|console] [--format text|json] COMMAND [flags]\n\nCommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-22s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "\nRun 'bridge COMMAND --help' for a command's flags.\n")
}

// newFlags returns a FlagSet whose errors and --help go to stderr.
func newFlags(env *cliEnv, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("bridge "+name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.stderr, "Usage: bridge %s %s\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses and turns flag errors into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	return resolveCourseRefs(fs)
}
