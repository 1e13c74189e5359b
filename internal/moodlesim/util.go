package moodlesim

import (
	"github.com/magistere/bridge/internal/fr"
)

// fold mirrors MariaDB's utf8mb4_unicode_ci comparison closely enough:
// case- and accent-insensitive.
func fold(s string) string { return fr.Fold(s) }

func foldEq(a, b string) bool { return fold(a) == fold(b) }

// likeMatch is SQL LIKE with % and _ wildcards, collation-insensitive.
func likeMatch(value, pattern string) bool {
	return likeRunes([]rune(fold(value)), []rune(fold(pattern)))
}

func likeRunes(v, p []rune) bool {
	for len(p) > 0 {
		switch p[0] {
		case '%':
			for i := 0; i <= len(v); i++ {
				if likeRunes(v[i:], p[1:]) {
					return true
				}
			}
			return false
		case '_':
			if len(v) == 0 {
				return false
			}
		default:
			if len(v) == 0 || v[0] != p[0] {
				return false
			}
		}
		v, p = v[1:], p[1:]
	}
	return len(v) == 0
}
