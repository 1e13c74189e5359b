package enrol

import (
	"strings"
	"unicode"
)

// NormalizeEmail trims spaces (including no-break and zero-width ones that
// spreadsheets leave behind), a "mailto:" prefix and enclosing <>, and
// lowercases: Moodle matches e-mails case-insensitively and so do we.
func NormalizeEmail(s string) string {
	s = trimCell(s)
	if len(s) >= 7 && strings.EqualFold(s[:7], "mailto:") {
		s = trimCell(s[7:])
	}
	if len(s) >= 2 && s[0] == '<' && s[len(s)-1] == '>' {
		s = trimCell(s[1 : len(s)-1])
	}
	return strings.ToLower(s)
}

// trimCell trims Unicode spaces plus zero-width space and BOM.
func trimCell(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '\u200B' || r == '\uFEFF'
	})
}

// EmailProblem returns "" when addr (already normalised) is acceptable, or
// a short English reason. The accepted syntax is the practical subset of
// RFC 5322 that real mail systems and Moodle accept: a dot-atom local part
// (no quoted strings, no comments), an ASCII domain name of at least two
// labels with an alphabetic top-level label, no IP literals.
func EmailProblem(addr string) string {
	if addr == "" {
		return "empty address"
	}
	if len(addr) > 254 {
		return "address longer than 254 characters"
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return "no @"
	}
	local, domain := addr[:at], addr[at+1:]
	if strings.IndexByte(local, '@') >= 0 {
		return "more than one @"
	}
	if reason := localPartProblem(local); reason != "" {
		return reason
	}
	return domainProblem(domain)
}

func localPartProblem(local string) string {
	switch {
	case local == "":
		return "nothing before @"
	case len(local) > 64:
		return "part before @ longer than 64 characters"
	case local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, ".."):
		return "misplaced dot before @"
	}
	for i := 0; i < len(local); i++ {
		if !isAtext(local[i]) && local[i] != '.' {
			return "character " + quoteChar(local, i) + " not allowed before @"
		}
	}
	return ""
}

// isAtext is RFC 5322 atext (ASCII letters, digits and !#$%&'*+-/=?^_`{|}~).
func isAtext(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

func domainProblem(domain string) string {
	if domain == "" {
		return "nothing after @"
	}
	if len(domain) > 253 {
		return "domain longer than 253 characters"
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return "domain without a dot"
	}
	for i, label := range labels {
		if reason := labelProblem(label); reason != "" {
			return reason
		}
		if i == len(labels)-1 && !validTLD(label) {
			return "invalid top-level domain " + strings.ToValidUTF8(label, "?")
		}
	}
	return ""
}

func labelProblem(label string) string {
	switch {
	case label == "":
		return "misplaced dot in domain"
	case len(label) > 63:
		return "domain label longer than 63 characters"
	case label[0] == '-' || label[len(label)-1] == '-':
		return "domain label starting or ending with -"
	}
	for i := 0; i < len(label); i++ {
		c := label[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return "character " + quoteChar(label, i) + " not allowed in domain"
		}
	}
	return ""
}

// validTLD: letters only, at least two, or an IDNA "xn--" label.
func validTLD(label string) bool {
	if strings.HasPrefix(label, "xn--") && len(label) > 4 {
		return true
	}
	if len(label) < 2 {
		return false
	}
	for i := 0; i < len(label); i++ {
		if c := label[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// quoteChar quotes the (possibly multi-byte) character starting at s[i].
func quoteChar(s string, i int) string {
	for _, r := range s[i:] {
		if r == ' ' {
			return "space"
		}
		return "'" + string(r) + "'"
	}
	return "''"
}
