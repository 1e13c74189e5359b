package fr

import (
	"testing"
	"time"
)

func TestFrenchConventions(t *testing.T) {
	for in, want := range map[int]string{45: "45 min", 0: "0 min", 180: "3 h", 90: "1 h 30", 65: "1 h 05"} {
		if got := Duration(in); got != want {
			t.Errorf("Duration(%d) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"Éducation Prioritaire": "education prioritaire", "ÇA": "ca", "cœur": "cœur"} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
	// Midnight in Paris is the day before in UTC, in winter and summer.
	for _, d := range []string{"2026-01-15", "2026-07-15"} {
		day, _ := time.ParseInLocation(time.DateOnly, d, Paris())
		if day.UTC().Format(time.DateOnly) == d {
			t.Errorf("%s: Paris midnight is the same day in UTC", d)
		}
	}
}

func TestDecodeLine(t *testing.T) {
	for _, c := range []struct {
		in       []byte
		text, as string
	}{
		{[]byte("Dupont;Anne"), "Dupont;Anne", ASCII},
		{[]byte("Éloïse"), "Éloïse", UTF8},
		{[]byte{0xC9, 'l', 'o', 0xEF, 's', 'e', ' ', 0x80}, "Éloïse €", CP1252},
	} {
		if text, as := DecodeLine(c.in); text != c.text || as != c.as {
			t.Errorf("DecodeLine(%q) = %q, %s; want %q, %s", c.in, text, as, c.text, c.as)
		}
	}
}
