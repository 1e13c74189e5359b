package privacy

import (
	"strings"
	"testing"
)

func TestScrubRemovesEmailsAndNames(t *testing.T) {
	cases := map[string][]string{
		`Email address already exists: alice.martin@ac-rennes.fr`:                                  {"alice.martin", "ac-rennes.fr"},
		`[{"id":5,"username":"amartin","firstname":"Alice","lastname":"Martin","email":"a@b.fr"}]`: {"amartin", "Alice", "Martin", "a@b.fr"},
		`Error: fullname = Jean Dupont, lastname='Dupont'`:                                         {"Jean", "Dupont"},
		`<b>Notice</b>: username=jdupont&password=x`:                                               {"jdupont"},
		`Username already exists: jean.dupont`:                                                     {"jean.dupont"},
	}
	for in, gone := range cases {
		out := Scrub(in)
		for _, g := range gone {
			if strings.Contains(out, g) {
				t.Errorf("Scrub(%q) = %q still holds %q", in, out, g)
			}
		}
		if !strings.Contains(out, Redacted) {
			t.Errorf("Scrub(%q) = %q marks nothing", in, out)
		}
	}
	for _, keep := range []string{"invalidparameter", "Invalid parameter value detected (courseid)", "HTTP 503: Service Unavailable"} {
		if got := Scrub(keep); got != keep {
			t.Errorf("Scrub(%q) = %q, want it unchanged", keep, got)
		}
	}
}
