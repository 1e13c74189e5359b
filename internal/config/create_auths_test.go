package config

import (
	"slices"
	"testing"
)

// TestAllowedCreateAuths: create_auth comes first and is always allowed
// (manual when unset); create_auths add the others once, blanks ignored.
func TestAllowedCreateAuths(t *testing.T) {
	for _, c := range []struct {
		d    Domain
		want []string
	}{
		{Domain{}, []string{"manual"}},
		{Domain{CreateAuth: "shibboleth"}, []string{"shibboleth"}},
		{Domain{CreateAuth: "shibboleth", CreateAuths: []string{"manual", " ", "shibboleth", "cas", "manual"}},
			[]string{"shibboleth", "manual", "cas"}},
	} {
		if got := c.d.AllowedCreateAuths(); !slices.Equal(got, c.want) {
			t.Errorf("%+v: %v, want %v", c.d, got, c.want)
		}
	}
}
