package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

func init() {
	register(&command{name: "completion", summary: "print a shell completion script: bash, zsh or fish", run: runCompletion})
}

func runCompletion(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "completion", "bash|zsh|fish")
	if err := parseOnly(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("name the shell: bash, zsh or fish")
	}
	words := completionTable(ctx)
	switch fs.Arg(0) {
	case "bash":
		writeBash(env.stdout, words)
	case "zsh":
		fmt.Fprintf(env.stdout, "#compdef bridge\nautoload -U +X bashcompinit && bashcompinit\n")
		writeBash(env.stdout, words)
	case "fish":
		writeFish(env.stdout, words)
	default:
		return usagef("unknown shell %q: bash, zsh or fish", fs.Arg(0))
	}
	return nil
}

// completionTable maps each command name to its flags (with the global
// ones), read from the flag set the command builds for its help.
func completionTable(ctx context.Context) map[string][]string {
	table := map[string][]string{}
	for name, c := range commands {
		env := &cliEnv{stdout: io.Discard, stderr: io.Discard, format: "text", lang: "en", cmd: c, helpOnly: true}
		c.run(ctx, env, []string{"--help"})
		var flags []string
		if env.lastFlags != nil {
			env.lastFlags.VisitAll(func(f *flag.Flag) { flags = append(flags, "--"+f.Name) })
		}
		for _, g := range globalFlags {
			flags = append(flags, "--"+g.name)
		}
		sort.Strings(flags)
		table[name] = append(flags, "--help")
	}
	return table
}

func sortedNames(table map[string][]string) []string {
	names := make([]string, 0, len(table))
	for n := range table {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func writeBash(w io.Writer, table map[string][]string) {
	firsts := map[string]bool{}
	for _, n := range sortedNames(table) {
		firsts[strings.Fields(n)[0]] = true
	}
	var top []string
	for f := range firsts {
		top = append(top, f)
	}
	sort.Strings(top)
	fmt.Fprintf(w, "# bridge completion (bash): source it, or put it in /etc/bash_completion.d/\n_bridge() {\n")
	fmt.Fprintf(w, "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" one=\"${COMP_WORDS[1]}\" two=\"${COMP_WORDS[2]}\"\n")
	fmt.Fprintf(w, "  if [ \"$COMP_CWORD\" -eq 1 ]; then COMPREPLY=($(compgen -W \"help %s\" -- \"$cur\")); return; fi\n", strings.Join(top, " "))
	fmt.Fprintf(w, "  case \"$one $two\" in\n")
	for _, n := range sortedNames(table) {
		if len(strings.Fields(n)) == 2 {
			fmt.Fprintf(w, "    %q) COMPREPLY=($(compgen -W %q -- \"$cur\")); return;;\n", n, strings.Join(table[n], " "))
		}
	}
	fmt.Fprintf(w, "  esac\n  case \"$one\" in\n")
	for _, first := range top {
		var subs []string
		for _, n := range sortedNames(table) {
			if f := strings.Fields(n); len(f) == 2 && f[0] == first {
				subs = append(subs, f[1])
			}
		}
		words := append(subs, table[first]...)
		if len(words) > 0 {
			fmt.Fprintf(w, "    %q) COMPREPLY=($(compgen -W %q -- \"$cur\"));;\n", first, strings.Join(words, " "))
		}
	}
	fmt.Fprintf(w, "  esac\n}\ncomplete -F _bridge bridge\n")
}

func writeFish(w io.Writer, table map[string][]string) {
	fmt.Fprintf(w, "# bridge completion (fish): put it in ~/.config/fish/completions/bridge.fish\ncomplete -c bridge -f\n")
	seen := map[string]bool{}
	for _, n := range sortedNames(table) {
		f := strings.Fields(n)
		if !seen[f[0]] {
			seen[f[0]] = true
			fmt.Fprintf(w, "complete -c bridge -n __fish_use_subcommand -a %s\n", f[0])
		}
		cond := "__fish_seen_subcommand_from " + f[0]
		if len(f) == 2 {
			fmt.Fprintf(w, "complete -c bridge -n '%s' -a %s -d %q\n", cond, f[1], commands[n].summary)
			cond += "; and __fish_seen_subcommand_from " + f[1]
		}
		for _, fl := range table[n] {
			fmt.Fprintf(w, "complete -c bridge -n '%s' -l %s\n", cond, strings.TrimPrefix(fl, "--"))
		}
	}
}
