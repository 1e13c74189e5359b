// Package fr holds the French conventions several features share, written
// once: the Europe/Paris time zone, accent- and case-folding, and durations
// as French teachers read them ("45 min", "3 h", "1 h 30").
package fr

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Paris on hosts without a zoneinfo database
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

var paris = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris") // time/tzdata embeds it
	if err != nil {
		panic("fr: Europe/Paris: " + err.Error())
	}
	return loc
}()

// Paris is the Europe/Paris time zone: session days, reminders, digests'
// weeks and every date printed for people are counted there.
func Paris() *time.Location { return paris }

// Fold lowercases s and removes its accents ("Éducation" -> "education").
// A transformer is built per call: a shared one is not safe for
// concurrent use.
func Fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}

// Duration writes minutes the French way: "45 min", "3 h", "1 h 30".
func Duration(minutes int) string {
	h, m := minutes/60, minutes%60
	switch {
	case h == 0:
		return fmt.Sprintf("%d min", m)
	case m == 0:
		return fmt.Sprintf("%d h", h)
	}
	return fmt.Sprintf("%d h %02d", h, m)
}
