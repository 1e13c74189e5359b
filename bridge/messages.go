package main

import (
	"errors"
	"strings"

	"github.com/magistere/bridge/internal/offer"
	"github.com/magistere/bridge/internal/workflow"
)

// say is an error as the operator reads it: one sentence in their
// language. Refusals carry both languages; other errors are shown as
// they are (their internals go to the debug log, see debugDetail).
func (env *cliEnv) say(err error) string {
	// The code stays at the end: scripts match on it, whatever the language.
	var wr *workflow.Refusal
	if errors.As(err, &wr) {
		return env.pick(wr.FR, wr.EN) + " (" + wr.Code + ")"
	}
	var or *offer.Refusal
	if errors.As(err, &or) {
		return env.pick(or.FR, or.EN) + " (" + or.Code + ")"
	}
	return env.tr(err.Error())
}

// tableLang is the language of tables the operators already read in
// French (enrol's counts): French unless --lang says otherwise.
func (env *cliEnv) tableLang() string {
	if env.langSet {
		return env.lang
	}
	return "fr"
}

func (env *cliEnv) pick(fr, en string) string {
	if env.lang == "fr" && fr != "" {
		return fr
	}
	return en
}

// tr translates the CLI's own sentences into French; a sentence not in
// the table is shown as written.
func (env *cliEnv) tr(en string) string {
	if env.lang != "fr" {
		return en
	}
	for _, p := range frPhrases {
		if strings.HasPrefix(en, p[0]) {
			return p[1] + en[len(p[0]):]
		}
	}
	return en
}

// frPhrases: English start of a sentence, its French start.
var frPhrases = [][2]string{
	{"unknown command ", "commande inconnue "},
	{"--format must be ", "--format doit valoir "},
	{"--lang must be fr or en", "--lang doit valoir fr ou en"},
	{"unexpected arguments: ", "arguments inattendus : "},
	{"flag provided but not defined: ", "option inconnue : "},
}
