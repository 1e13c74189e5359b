// Package privacy keeps personal data (names, e-mail addresses) out of
// what is not meant to carry it: error texts, logs, the audit, a job's
// last_error and results; and purges what holds it once
// privacy.retention_days have passed (see Purge).
package privacy

import (
	"regexp"
	"sync"
)

// The patterns are compiled on first use: every bridge command links this
// package, and compiling them at start-up cost a few milliseconds of each
// short command (`tracking sync` from the database takes about 30 ms).
var (
	emailPattern = lazyRegexp(`[A-Za-z0-9._%+\-']+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)
	// Moodle's answers name people in these fields (user records, enrolled
	// users, debug dumps of a record): their values go.
	nameField = lazyRegexp(`(?i)("?\b(?:firstname|lastname|fullname|username|alternatename|middlename|` +
		`firstnamephonetic|lastnamephonetic|email|idnumber|profileimageurl(?:small)?)\b"?\s*[:=]\s*)("(?:[^"\\]|\\.)*"|'[^']*'|[^,;}&\n<]+)`)
)

// Moodle names the clashing account in "Username already exists: jdupont".
var existsValue = lazyRegexp(`(?i)(already exists:\s*)\S+`)

func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// Redacted stands for what Scrub removed.
const Redacted = "[redacted]"

// Scrub removes e-mail addresses and the values of name fields from a
// text that came from Moodle (an exception's message, the start of an
// unexpected answer) before it may reach an error, a log line, the audit
// or a job's last_error.
func Scrub(s string) string {
	s = nameField().ReplaceAllString(s, `${1}"`+Redacted+`"`)
	s = existsValue().ReplaceAllString(s, "${1}"+Redacted)
	return emailPattern().ReplaceAllString(s, Redacted)
}
