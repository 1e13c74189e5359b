package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// isTerminal says whether f is a character device (an operator's
// terminal, not a pipe, a file or /dev/null under cron).
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// confirm asks before an action that changes many courses at once. --yes
// answers; without it, a non-terminal (cron, a script) is refused rather
// than acting on what nobody read.
func (env *cliEnv) confirm(yes bool, whatEN, whatFR string) error {
	if yes {
		return nil
	}
	if !isTerminal(env.stdin) || !isTerminal(env.stderr) {
		return usagef("%s", env.pick("rien n'est fait : ajouter --yes pour agir sur "+whatFR+" sans confirmation (pas de terminal pour la demander)",
			"nothing done: add --yes to "+whatEN+" without a question (no terminal to ask on)"))
	}
	fmt.Fprint(env.stderr, env.pick("Confirmer : "+whatFR+" ? [o/N] ", "Proceed to "+whatEN+"? [y/N] "))
	line, _ := bufio.NewReader(env.stdin).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes", "o", "oui":
		return nil
	}
	return usagef("%s", env.pick("annulé : rien n'est fait", "cancelled: nothing done"))
}
