package main

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/magistere/bridge/internal/config"
	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/enrol"
	"github.com/magistere/bridge/internal/gaia"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/refusal"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/tracking"
)

// say is an error as the operator reads it: one sentence in their
// language, naming the object and what to do. Package prefixes, raw
// Moodle messages and causes stay out of it: --verbose prints the whole
// error as a debug line (see exitCode).
func (env *cliEnv) say(err error) string {
	// The code stays at the end: scripts match on it, whatever the language.
	// Every feature refuses with the one type (package refusal).
	if r, ok := refusal.As(err); ok {
		return env.pick(r.FR, r.EN) + " (" + r.Code + ")"
	}
	var me *moodle.Error
	if errors.As(err, &me) {
		return env.pick(fmt.Sprintf("le site Moodle %s a refusé %s : %s (--verbose montre le message de Moodle)", me.Site, me.Function, me.ErrorCode),
			fmt.Sprintf("the Moodle site %s refused %s: %s (--verbose shows Moodle's message)", me.Site, me.Function, me.ErrorCode))
	}
	var te *moodle.TransportError
	if errors.As(err, &te) {
		return env.pick(fmt.Sprintf("le site Moodle %s n'a pas répondu à %s : réessayer plus tard (--verbose montre pourquoi)", te.Site, te.Function),
			fmt.Sprintf("the Moodle site %s did not answer %s: try again later (--verbose shows why)", te.Site, te.Function))
	}
	var he *moodle.HTTPError
	if errors.As(err, &he) {
		return env.pick(fmt.Sprintf("le site Moodle %s a répondu HTTP %d à %s : vérifier que les services web et REST y sont actifs, ou réessayer plus tard", he.Site, he.StatusCode, he.Function),
			fmt.Sprintf("the Moodle site %s answered HTTP %d to %s: check that web services and REST are on, or try again later", he.Site, he.StatusCode, he.Function))
	}
	var fe *enrol.FileError
	if errors.As(err, &fe) {
		where := ""
		if fe.Line > 0 {
			where = fmt.Sprintf(" (line %d)", fe.Line)
		}
		return env.pick(fmt.Sprintf("fichier CSV inutilisable%s : %s %s ; corriger le fichier puis relancer", strings.ReplaceAll(where, "line", "ligne"), fe.Code, fe.Detail),
			fmt.Sprintf("the CSV file cannot be used%s: %s %s; fix the file and run again", where, fe.Code, fe.Detail))
	}
	var ge *gaia.FileError
	if errors.As(err, &ge) {
		return env.pick(fmt.Sprintf("fichier GAIA %s refusé : %s ; corriger ou remplacer le fichier", ge.File, ge.Problem),
			fmt.Sprintf("GAIA file %s refused: %s; fix or replace the file", ge.File, ge.Problem))
	}
	if fr, ok := configFR(err); ok {
		return env.pick(fr, env.tr(plain(err.Error())))
	}
	if fr, ok := serviceFR(err); ok {
		return env.pick(fr, env.tr(plain(err.Error())))
	}
	if errors.Is(err, store.ErrConflict) {
		return env.pick("l'objet a changé entre-temps (une autre opération est passée avant) : le relire, puis relancer si besoin",
			"it changed meanwhile (another operation got there first): look at it again, then run the command again if still needed")
	}
	return env.tr(plain(err.Error()))
}

// serviceFR is the French sentence of a service's error that is not a
// refusal (those carry their own French): a domain the configuration
// lacks, a job that ended without succeeding, a person the course does
// not know as formateur, an object not found. English keeps the
// service's text, package prefixes removed.
func serviceFR(err error) (string, bool) {
	var ue *domains.UnknownError
	if errors.As(err, &ue) {
		return fmt.Sprintf("domaine « %s » inconnu (configurés : %s) ; vérifier --domain ou la liste domains de la configuration",
			ue.Name, strings.Join(ue.Known, ", ")), true
	}
	if errors.Is(err, domains.ErrNoNational) {
		return "aucun domaine national n'est configuré (clé national) ; l'ajouter à la configuration", true
	}
	var je *jobs.EndedError
	if errors.As(err, &je) {
		state := map[store.JobState]string{store.JobFailed: "en échec", store.JobCancelled: "annulée"}[je.State]
		if state == "" {
			state = string(je.State)
		}
		return fmt.Sprintf("la tâche %d s'est terminée %s : « bridge jobs show %d » dit pourquoi, « bridge jobs retry %d » la relance",
			je.ID, state, je.ID, je.ID), true
	}
	var fe *tracking.ForbiddenError
	if errors.As(err, &fe) {
		return fmt.Sprintf("le compte %d n'est ni formateur ni gestionnaire du cours %d sur %s : il ne peut ni voir ni marquer ses participants",
			fe.UserID, fe.CourseID, fe.Domain), true
	}
	if errors.Is(err, store.ErrNotFound) {
		return notFoundFR(plain(err.Error())), true
	}
	return "", false
}

// configFR is a configuration error in French: every problem found, each
// naming its key (config.Error.French). English keeps config's text.
func configFR(err error) (string, bool) {
	var es config.Errors
	if errors.As(err, &es) {
		return es.French(), true
	}
	var e *config.Error
	if errors.As(err, &e) {
		return "configuration invalide : " + e.French(), true
	}
	return "", false
}

// notFoundNouns are the objects a "not found" names, in French; the
// longest first ("offer request" before "offer").
var notFoundNouns = []struct{ en, fr string }{
	{"offer request", "demande de parcours"}, {"enrolment report", "rapport d'inscription"}, {"report", "rapport"},
	{"job", "tâche"}, {"offer", "entrée de l'offre"}, {"request", "demande"}, {"session", "session"},
	{"course", "cours"}, {"user", "compte"},
}

// The regular expressions of this file are compiled on first use, not at
// start: compiling them took 0.4 ms of every command's start, a tenth of
// `bridge version`, for messages most commands never print.
var notFoundObject = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(offer request|enrolment report|report|job|offer|request|session|course|user) (\d+)`)
})

// notFoundFR names the object of an English "… <noun> <id>: not found".
func notFoundFR(msg string) string {
	all := notFoundObject().FindAllStringSubmatch(msg, -1)
	if len(all) == 0 {
		return "objet introuvable : vérifier le numéro ou le nom donné"
	}
	m := all[len(all)-1]
	for _, n := range notFoundNouns {
		if n.en == m[1] {
			return fmt.Sprintf("%s %s introuvable : vérifier le numéro donné", n.fr, m[2])
		}
	}
	return "objet introuvable : vérifier le numéro ou le nom donné"
}

// internalPrefix is a package's name at the start of a message or of a
// wrapped cause ("enrol: plan: enrol: csv: …").
var internalPrefix = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(^|: )(store|enrol|plan|csv|tracking|gaia|moodledb|jobs|archive|domains|certificate)(: )`)
})

// plain removes package prefixes from a message.
func plain(msg string) string {
	for {
		next := internalPrefix().ReplaceAllString(msg, "$1")
		if next == msg {
			return msg
		}
		msg = next
	}
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
	for _, p := range frPhrases() {
		if p.re.MatchString(en) {
			return p.re.ReplaceAllString(en, p.fr)
		}
	}
	return en
}

type phrase struct {
	re *regexp.Regexp
	fr string
}

// frPhrases: the CLI's recurring sentences and their French.
var frPhrases = sync.OnceValue(func() []phrase {
	return []phrase{
		{regexp.MustCompile(`^unknown command (.*)$`), "commande inconnue $1"},
		{regexp.MustCompile(`^--format must be (.*) or (\w+)$`), "--format doit valoir $1 ou $2"},
		{regexp.MustCompile(`^--lang must be fr or en$`), "--lang doit valoir fr ou en"},
		{regexp.MustCompile(`^unexpected arguments: (.*)$`), "arguments inattendus : $1"},
		{regexp.MustCompile(`^flag provided but not defined: (.*)$`), "option inconnue : $1"},
		{regexp.MustCompile(`^invalid value "(.*)" for flag (.*): (.*)$`), "valeur « $1 » invalide pour l'option $2 : $3"},
		{regexp.MustCompile(`^flag needs an argument: (.*)$`), "l'option $1 attend une valeur"},
		{regexp.MustCompile(`^(--[a-z-]+) needs a value (.*)$`), "$1 attend une valeur $2"},
		{regexp.MustCompile(`^(--[a-z-]+) and (--[a-z-]+) are required$`), "$1 et $2 sont obligatoires"},
		{regexp.MustCompile(`^(--[a-z-]+), (--[a-z-]+) and (--[a-z-]+) are required$`), "$1, $2 et $3 sont obligatoires"},
		{regexp.MustCompile(`^(--[a-z-]+) is required$`), "$1 est obligatoire"},
		{regexp.MustCompile(`^--domain is required to find (.*)$`), "--domain est nécessaire pour trouver $1"},
		{regexp.MustCompile(`^(--[a-z-]+): no course "(.*)" on (\S+) .*$`), `$1 : aucun cours « $2 » sur $3 (ni id, ni nom abrégé, ni numéro d'identification) ; vérifier l'orthographe`},
		{regexp.MustCompile(`^(--[a-z-]+): no user "(.*)" on (\S+) .*$`), `$1 : aucun compte « $2 » sur $3 (ni id, ni nom d'utilisateur, ni adresse de courriel) ; vérifier l'orthographe`},
		{regexp.MustCompile(`^(--[a-z-]+): no category "(.*)" on (\S+) .*$`), `$1 : aucune catégorie « $2 » sur $3 (ni id, ni numéro d'identification, ni chemin « Parent / Enfant »)`},
		{regexp.MustCompile(`^(--[a-z-]+): "(.*)" names (\d+) (courses|accounts|categories) on (\S+): (.*); give the id$`), "$1 : « $2 » désigne $3 objets sur $5 : $6 ; donner l'id"},
		{regexp.MustCompile(`^(.*) not found$`), "$1 introuvable"},
		// Services' sentences (package gaia) that are neither refusals nor typed.
		{regexp.MustCompile(`^(?:.*: )?--session wants dispositif/module/groupe, got "(.*)"$`), "--session attend dispositif/module/groupe, pas « $1 »"},
		{regexp.MustCompile(`^(?:.*: )?course (\d+) is not linked to a GAIA session$`), "le cours $1 n'est lié à aucune session GAIA : rien à délier"},
		{regexp.MustCompile(`^(--[a-z-]+) ([A-Z]+) is required$`), "$1 $2 est obligatoire"},
	}
})
