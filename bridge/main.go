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
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/magistere/bridge/internal/config"
	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/moodle"
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
	// csv: the command also prints --format csv.
	csv bool
	run func(ctx context.Context, env *cliEnv, args []string) error
}

// cliEnv is what every command receives: global flags and output streams.
type cliEnv struct {
	configPath    string
	logFormat     string
	format        string // text or json (csv where the command says so), for commands whose output is data
	lang          string // fr or en: the language of messages
	langSet       bool   // --lang was given (not only LANG)
	verbose       bool   // the debug log, internals of errors included, on stderr
	yes           bool   // --yes given anywhere: confirmations answered
	stdout        io.Writer
	stderr        io.Writer
	stdin         io.Reader
	environ       []string
	cmd           *command
	warnedOldKeys bool
	helpOnly      bool          // the command is asked for its help: parse nothing, act on nothing
	lastFlags     *flag.FlagSet // the flag set the command built (help, completion)
	// cfg is the configuration, read once per command. fleet is the
	// domains the command's names were looked up on (a Moodle client and a
	// database pool per domain), handed over to the app the command opens
	// next (openApp), so a command connects to each site once.
	cfg   *config.Config
	fleet *domains.Fleet
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runCLI(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Environ())
	stop()
	os.Exit(code)
}

// runCLI takes the global flags from anywhere on the line, finds the
// (possibly two-word) command and runs it, mapping errors to exit codes.
func runCLI(ctx context.Context, args []string, stdout, stderr io.Writer, environ []string) int {
	env := &cliEnv{stdout: stdout, stderr: stderr, stdin: os.Stdin, environ: environ, format: "text"}
	rest, err := env.takeGlobals(args)
	if err != nil {
		fmt.Fprintf(stderr, "bridge: %s\n", env.say(err))
		return 2
	}
	if len(rest) == 0 {
		printUsage(stderr)
		return 2
	}
	if rest[0] == "help" {
		return runHelp(ctx, env, rest[1:])
	}
	if words, ok := helpRequest(rest); ok {
		return runHelp(ctx, env, words)
	}
	cmd, cmdArgs := findCommand(rest)
	if cmd == nil {
		if group := groupCommands(rest[0]); len(group) > 0 {
			// "bridge jobs": the group's commands, and a usage error.
			printGroup(stderr, rest[0], group)
			return 2
		}
		fmt.Fprintf(stderr, "bridge: %s\n\n", env.say(usagef("unknown command %q", strings.Join(rest, " "))))
		printUsage(stderr)
		return 2
	}
	env.cmd = cmd
	if env.format != "text" && env.format != "json" && !(env.format == "csv" && cmd.csv) {
		want := "text or json"
		if cmd.csv {
			want = "text, json or csv"
		}
		return exitCode(env, cmd.name, usagef("--format must be %s", want))
	}
	if retriesReads(cmd.name) {
		ctx = moodle.WithReadRetry(ctx, moodle.ReadRetry{})
	}
	err = cmd.run(ctx, env, cmdArgs)
	env.closeFleet()
	return exitCode(env, cmd.name, err)
}

// retriesReads says whether a command's Moodle reads retry transient
// failures (capped backoff, moodle.ReadRetry): every command that plans
// before it writes, so that one 503 does not fail an archive or an
// enrolment. Not the checks, whose answer must be quick and say what is
// down, nor serve, whose API answers must be quick (its jobs get the same
// read retry from the job context, app.Open).
func retriesReads(name string) bool {
	switch name {
	case "serve", "domains check", "domains functions", "config check", "moodlesim", "version", "help", "completion":
		return false
	}
	return !strings.HasPrefix(name, "calendar")
}

func exitCode(env *cliEnv, name string, err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	msg := env.say(err)
	fmt.Fprintf(env.stderr, "bridge %s: %s\n", name, msg)
	if env.verbose && msg != err.Error() {
		// The internals behind the sentence, for whoever debugs.
		fmt.Fprintf(env.stderr, "bridge %s: debug: %s\n", name, err.Error())
	}
	var ue *usageError
	var ce configError
	if errors.As(err, &ue) {
		fmt.Fprintf(env.stderr, "%s\n", env.pick("Lancer « bridge help "+name+" » pour ses options et des exemples.",
			"Run 'bridge help "+name+"' for its flags and examples."))
		return 2
	}
	if errors.As(err, &ce) {
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

// helpRequest says whether the line asks for help (-h, --help anywhere
// before "--") and returns its words without flags: "enrol --csv f --help"
// is "help enrol".
func helpRequest(args []string) ([]string, bool) {
	asked := false
	var words []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		switch {
		case a == "-h" || a == "--help" || a == "-help":
			asked = true
		case strings.HasPrefix(a, "-"):
			// a flag: its value (if any) is not a word of the command
			if !strings.Contains(a, "=") && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") && len(words) > 0 {
				i++
			}
		default:
			words = append(words, a)
		}
	}
	return words, asked
}

// runHelp is "bridge help [COMMAND…]": the command list, a group's
// commands, or one command's usage, flags and examples, on stdout.
func runHelp(ctx context.Context, env *cliEnv, args []string) int {
	if len(args) == 0 {
		printUsage(env.stdout)
		return 0
	}
	if cmd, rest := findCommand(args); cmd != nil {
		env.cmd, env.helpOnly = cmd, true
		return exitCode(env, cmd.name, cmd.run(ctx, env, append(rest, "--help")))
	}
	if group := groupCommands(args[0]); len(group) > 0 {
		printGroup(env.stdout, args[0], group)
		return 0
	}
	fmt.Fprintf(env.stderr, "bridge help: %s\n", env.say(usagef("unknown command %q", strings.Join(args, " "))))
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
	fmt.Fprintf(w, "\nRun 'bridge help %s SUBCOMMAND' for a command's flags and examples.\n", word)
}

func printUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: bridge COMMAND [flags] [global flags]\n\nCommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-22s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "\nGlobal flags (anywhere on the line):\n")
	printGlobalFlags(w)
	fmt.Fprintf(w, "\nRun 'bridge help COMMAND' (or 'bridge COMMAND --help') for a command's flags and examples.\n"+
		"Exit codes: 0 success, 1 the operation failed, 2 usage or configuration error.\n")
}

// newFlags returns the command's FlagSet. Errors come back as one usage
// error (printed once by exitCode); --help prints the command's usage,
// its own flags and examples on stdout.
func newFlags(env *cliEnv, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("bridge "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() { printCommandHelp(env, name, usage, fs) }
	env.lastFlags = fs
	return fs
}

// parseFlags parses and turns flag errors into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := parseOnly(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if err := applyAliases(fs); err != nil {
		return err
	}
	return resolveCourseRefs(fs)
}

// parseOnly parses flags, answering --help; positional arguments are left
// to the caller.
func parseOnly(fs *flag.FlagSet, args []string) error {
	if _, asked := helpRequest(args); asked {
		fs.Usage()
		return flag.ErrHelp
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.Usage()
			return err
		}
		return &usageError{err.Error()}
	}
	return nil
}
