package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/tracking"
)

// TestServiceErrorsSpeakTheOperatorsLanguage: services' errors that are
// not refusals (an unknown domain, an object not found, a job ended
// without succeeding, a person who is not formateur of the course, no
// national domain) read as one French sentence under --lang fr, with no
// command prefixes, and keep their English text under --lang en.
func TestServiceErrorsSpeakTheOperatorsLanguage(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "bridge.yaml", "data_dir: "+dir+"\ndomains:\n  - name: ac-a\n    wwwroot: http://127.0.0.1:1/ac-a\n"+
		"    token: tok-0123456789abcdef\n    secret: secret-0123456789abcdef0123456789abcdef\n    zone: A\n")
	cases := []struct {
		args   []string
		fr, en string
	}{
		{[]string{"jobs", "show", "999"}, "tâche 999 introuvable : vérifier le numéro donné", "job 999: not found"},
		{[]string{"jobs", "cancel", "999"}, "tâche 999 introuvable", "job 999: not found"},
		{[]string{"offer", "approve", "--request", "999"}, "demande de parcours 999 introuvable", "offer request 999: not found"},
		{[]string{"offer", "reject", "--request", "999", "--reason", "x"}, "demande de parcours 999 introuvable", "offer request 999: not found"},
		{[]string{"gaia", "unlink", "--domain", "ac-a", "--course", "1"}, "le cours 1 n'est lié à aucune session GAIA", "course 1 is not linked to a GAIA session"},
		{[]string{"gaia", "link", "--domain", "ac-a", "--course", "1", "--session", "bad"},
			"--session attend dispositif/module/groupe, pas « bad »", `--session wants dispositif/module/groupe, got "bad"`},
		{[]string{"tracking", "list", "--domain", "nope", "--course", "1"},
			"domaine « nope » inconnu (configurés : ac-a) ; vérifier --domain", `unknown domain "nope" (configured: [ac-a])`},
	}
	for _, c := range cases {
		for lang, want := range map[string]string{"fr": c.fr, "en": c.en} {
			var out, errb bytes.Buffer
			code := runCLI(context.Background(), append([]string{"--config", cfg, "--lang", lang}, c.args...), &out, &errb, []string{"LANG=C"})
			got := errb.String()
			if code != 1 || !strings.Contains(got, want) {
				t.Errorf("%v --lang %s: exit %d, stderr %q, want exit 1 and %q", c.args, lang, code, got, want)
			}
			if lang == "fr" && (strings.Contains(got, "not found") || strings.Contains(got, "unknown") || strings.Contains(got, "cancel: cancel")) {
				t.Errorf("%v --lang fr: English left in %q", c.args, got)
			}
		}
	}

	// The errors only a site or a worker produces, as the commands get them.
	direct := []struct {
		err    error
		fr, en string
	}{
		{fmt.Errorf("certificates: %w", &jobs.EndedError{ID: 7, State: store.JobFailed, LastError: "tracking: enrolled users: boom"}),
			"la tâche 7 s'est terminée en échec : « bridge jobs show 7 » dit pourquoi", "job 7 failed: enrolled users: boom"},
		{fmt.Errorf("attendance: %w", &tracking.ForbiddenError{Domain: "ac-a", CourseID: 12, UserID: 34}),
			"le compte 34 n'est ni formateur ni gestionnaire du cours 12 sur ac-a", "user 34 is not a formateur or manager of course 12 on ac-a"},
		{fmt.Errorf("offer share: %w", domains.ErrNoNational), "aucun domaine national n'est configuré (clé national)",
			"no national domain configured (key: national)"},
	}
	for _, d := range direct {
		for lang, want := range map[string]string{"fr": d.fr, "en": d.en} {
			var stderr bytes.Buffer
			env := &cliEnv{lang: lang, stderr: &stderr}
			if code := exitCode(env, "x", d.err); code != 1 || !strings.Contains(stderr.String(), want) {
				t.Errorf("%v --lang %s: exit %d, %q, want %q", d.err, lang, code, stderr.String(), want)
			}
		}
	}
}

// TestConfigErrorsSpeakTheOperatorsLanguage: a configuration the bridge
// refuses is listed problem by problem, each naming its key, in French
// under --lang fr and in English under --lang en (exit 2 both ways).
func TestConfigErrorsSpeakTheOperatorsLanguage(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "bridge.yaml", "data_dir: "+dir+"\nlog_format: xml\ndomains:\n  - name: ac-a\n    wwwroot: ftp://x\n"+
		"    token: tok-0123456789abcdef\n    unknown_users: maybe\n    zone: A\n")
	want := map[string][]string{
		"fr": {"configuration invalide :", `log_format : doit valoir json ou console, pas "xml"`,
			`domains[0].wwwroot : doit être une URL http(s), pas "ftp://x"`, `domains[0].unknown_users : doit valoir reject ou create, pas "maybe"`},
		"en": {"invalid configuration:", `log_format: must be json or console, got "xml"`,
			`domains[0].wwwroot: must be an http(s) URL, got "ftp://x"`, `domains[0].unknown_users: must be reject or create, got "maybe"`},
	}
	for lang, lines := range want {
		var out, errb bytes.Buffer
		code := runCLI(context.Background(), []string{"--config", cfg, "--lang", lang, "config", "check"}, &out, &errb, []string{"LANG=C"})
		got := errb.String()
		if code != 2 {
			t.Errorf("config check --lang %s: exit %d, want 2 (stderr %q)", lang, code, got)
		}
		for _, l := range lines {
			if !strings.Contains(got, l) {
				t.Errorf("config check --lang %s: stderr %q lacks %q", lang, got, l)
			}
		}
		if lang == "fr" && (strings.Contains(got, "must be") || strings.Contains(got, "invalid configuration")) {
			t.Errorf("config check --lang fr: English left in %q", got)
		}
	}
}
