package config

import (
	"errors"
	"strings"
	"testing"
)

// TestEveryValidationProblemHasItsFrench: a configuration wrong in many
// ways gives one Error per problem, each with its French sentence (not
// the English one copied), and Errors.French lists them all under a
// French title.
func TestEveryValidationProblemHasItsFrench(t *testing.T) {
	c := Defaults()
	c.DataDir = ""
	c.Listen = "nope"
	c.LogFormat = "xml"
	c.Store.DSN = "nodsn"
	c.API.MaxUploadMB = 0
	c.Jobs.MaxAttempts = 0
	c.Privacy.RetentionDays = -1
	c.Gaia.Grace = -1
	c.National = "ghost"
	c.Domains = []Domain{{Name: "a b", WWWRoot: "ftp://x", Unknown: "maybe", MaxInputVars: 5, Secret: "short", Zone: "A"}}
	err := c.Validate()
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("Validate: %v, want Errors", err)
	}
	if len(es) < 12 {
		t.Fatalf("Validate found %d problems, want at least 12: %v", len(es), err)
	}
	fr := es.French()
	if !strings.HasPrefix(fr, "configuration invalide :") {
		t.Errorf("French() = %q, want the French title", fr)
	}
	for _, e := range es {
		if e.FR == "" || e.FR == e.Problem {
			t.Errorf("%s: no French for %q", e.Key, e.Problem)
		}
		if !strings.Contains(fr, e.Key+" : "+e.FR) {
			t.Errorf("French() lacks %s's line: %q", e.Key, fr)
		}
		if !strings.Contains(err.Error(), e.Key+": "+e.Problem) {
			t.Errorf("Error() lacks %s's English line: %q", e.Key, err.Error())
		}
	}
}
