package enrol

import (
	"strings"
	"unicode"
)

// UsernameFromEmail derives a Moodle username from an e-mail: lowercased,
// characters Moodle refuses in usernames (outside a-z 0-9 _ - . @) turned
// into "_". The same e-mail always gives the same username; PlanRows adds
// a -2, -3... suffix when the name is taken.
func UsernameFromEmail(email string) string {
	var b strings.Builder
	for _, r := range NormalizeEmail(email) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', strings.ContainsRune("_-.@", r):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// NamesFromEmail guesses names from "prenom.nom@..." when the file has
// none: "jean-marc.du-pont@x" gives "Jean-Marc", "DU-PONT". Without a
// separator both names are the local part, Moodle refusing blank names.
func NamesFromEmail(email string) (first, last string) {
	local, _, _ := strings.Cut(NormalizeEmail(email), "@")
	parts := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' })
	if len(parts) == 0 {
		return "", ""
	}
	if len(parts) == 1 {
		return titleWord(parts[0]), strings.ToUpper(parts[0])
	}
	return titleWord(parts[0]), strings.ToUpper(strings.Join(parts[1:], " "))
}

func titleWord(s string) string {
	rs := []rune(s)
	up := true
	for i, r := range rs {
		if up {
			rs[i] = unicode.ToUpper(r)
		}
		up = r == '-' || r == ' '
	}
	return string(rs)
}
