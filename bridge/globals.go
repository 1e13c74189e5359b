package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// globalFlag is a flag every command accepts, anywhere on the line
// ("bridge config check --config F" as well as "bridge --config F config
// check").
type globalFlag struct {
	name, arg, usage string
	set              func(env *cliEnv, value string) error
}

var globalFlags = []globalFlag{
	{"config", "FILE", "configuration file (default: $BRIDGE_CONFIG, then config/bridge.yaml)",
		func(env *cliEnv, v string) error { env.configPath = v; return nil }},
	{"format", "text|json", "output format for data (json: one JSON document on stdout)",
		func(env *cliEnv, v string) error { env.format = v; return nil }},
	{"lang", "fr|en", "language of messages and errors (default: from LANG)",
		func(env *cliEnv, v string) error {
			if v != "fr" && v != "en" {
				return usagef("--lang must be fr or en")
			}
			env.lang, env.langSet = v, true
			return nil
		}},
	{"log-format", "json|console", "log format (overrides log_format)",
		func(env *cliEnv, v string) error { env.logFormat = v; return nil }},
	{"verbose", "", "the debug log on stderr, with the details behind an error",
		func(env *cliEnv, v string) error { env.verbose = v != "false"; return nil }},
}

// takeGlobals removes the global flags from args, wherever they are
// (before "--"), and applies them to env. The language defaults from the
// locale (LC_ALL, LC_MESSAGES, LANG).
func (env *cliEnv) takeGlobals(args []string) ([]string, error) {
	env.lang = langFromEnviron(env.environ)
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		g, value, hasValue := matchGlobal(a)
		if g == nil {
			rest = append(rest, a)
			continue
		}
		if g.arg != "" && !hasValue {
			if i+1 >= len(args) {
				return nil, usagef("--%s needs a value (%s)", g.name, g.arg)
			}
			i++
			value = args[i]
		}
		if err := g.set(env, value); err != nil {
			return nil, err
		}
	}
	return rest, nil
}

// matchGlobal recognises -name, --name and --name=value.
func matchGlobal(a string) (*globalFlag, string, bool) {
	if !strings.HasPrefix(a, "-") {
		return nil, "", false
	}
	name := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
	value, hasValue := "", false
	if k, v, ok := strings.Cut(name, "="); ok {
		name, value, hasValue = k, v, true
	}
	for i := range globalFlags {
		if globalFlags[i].name == name {
			return &globalFlags[i], value, hasValue
		}
	}
	return nil, "", false
}

func langFromEnviron(environ []string) string {
	vals := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vals[k] = v
		}
	}
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := vals[k]; v != "" {
			if strings.HasPrefix(strings.ToLower(v), "fr") {
				return "fr"
			}
			return "en"
		}
	}
	return "en"
}

func printGlobalFlags(w io.Writer) {
	for _, g := range globalFlags {
		printFlagLine(w, g.name, g.arg, g.usage, "")
	}
}

// printCommandHelp is a command's --help: usage, summary, its own flags,
// the global flags, examples.
func printCommandHelp(env *cliEnv, name, usage string, fs *flag.FlagSet) {
	if env.helpOnly && env.cmd != nil && !strings.HasPrefix(name, env.cmd.name) {
		name = env.cmd.name // one run function behind two commands (offer list, offer search)
	}
	w := env.stdout
	fmt.Fprintf(w, "Usage: bridge %s %s\n", name, strings.TrimSpace(usage))
	if c := commands[name]; c != nil {
		fmt.Fprintf(w, "\n%s\n", c.summary)
	}
	var own, deprecated []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) {
		if _, ok := f.Value.(*aliasValue); ok {
			deprecated = append(deprecated, f)
			return
		}
		own = append(own, f)
	})
	if len(own) > 0 {
		fmt.Fprintf(w, "\nFlags:\n")
		for _, f := range own {
			arg, text := flagArg(f)
			printFlagLine(w, f.Name, arg, text, f.DefValue)
		}
	}
	if len(deprecated) > 0 {
		fmt.Fprintf(w, "\nOld names, still accepted:\n")
		for _, f := range deprecated {
			fmt.Fprintf(w, "  %-24s same as --%s\n", "--"+f.Name, f.Value.(*aliasValue).newName)
		}
	}
	fmt.Fprintf(w, "\nGlobal flags (anywhere on the line):\n")
	printGlobalFlags(w)
	if ex := examples[name]; len(ex) > 0 {
		fmt.Fprintf(w, "\nExamples:\n")
		for _, e := range ex {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
}

// flagArg names a flag's argument from its type and takes the usage text
// as written (flag.UnquoteUsage would turn `bridge serve` into the
// argument's name).
func flagArg(f *flag.Flag) (string, string) {
	if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
		return "", f.Usage
	}
	switch f.Value.(type) {
	case *courseRef:
		return refKindNames[f.Value.(*courseRef).kind], f.Usage
	case *repeated:
		return "TEXT", f.Usage
	}
	probe := *f
	probe.Usage = strings.ReplaceAll(f.Usage, "`", "'")
	kind, _ := flag.UnquoteUsage(&probe)
	switch kind {
	case "int", "uint", "float":
		return "N", f.Usage
	case "duration":
		return "DURATION", f.Usage
	case "string":
		return "TEXT", f.Usage
	}
	return "VALUE", f.Usage
}

func printFlagLine(w io.Writer, name, arg, usage, def string) {
	left := "--" + name
	if arg != "" {
		left += " " + arg
	}
	switch def {
	case "", "0", "false", "-1", "[]":
	default:
		usage += fmt.Sprintf(" (default %s)", def)
	}
	if len(left) > 24 {
		fmt.Fprintf(w, "  %s\n  %-24s %s\n", left, "", usage)
		return
	}
	fmt.Fprintf(w, "  %-24s %s\n", left, strings.ReplaceAll(usage, "`", ""))
}
