// Package fr holds the French conventions several features share, written
// once: the Europe/Paris time zone, accent- and case-folding, and durations
// as French teachers read them ("45 min", "3 h", "1 h 30").
package fr

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Paris on hosts without a zoneinfo database
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
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

// Line encodings DecodeLine tells apart.
const (
	ASCII  = "ascii"
	UTF8   = "utf-8"
	CP1252 = "windows-1252"
)

// DecodeLine reads one line of a file from a French administration: kept
// as is when it is valid UTF-8, read as Windows-1252 otherwise (every byte
// maps), line by line so that a file whose first accent is far down still
// decodes. It says which encoding the line was.
func DecodeLine(b []byte) (string, string) {
	ascii := true
	for _, c := range b {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	switch {
	case ascii:
		return string(b), ASCII
	case utf8.Valid(b):
		return string(b), UTF8
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil { // cannot happen: every byte maps in Windows-1252
		return string(bytes.ToValidUTF8(b, []byte("\uFFFD"))), CP1252
	}
	return string(out), CP1252
}
