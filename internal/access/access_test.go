package access

import (
	"testing"

	"github.com/magistere/bridge/internal/config"
)

func TestMappingRanksRoles(t *testing.T) {
	d := config.Domain{Roles: map[string]string{"participant": "student", "formateur": "editingteacher", "tuteur": "teacher", "concepteur": "coursecreator"}}
	cases := []struct {
		short []string
		want  Level
	}{
		{nil, None},
		{[]string{"guest"}, None},
		{[]string{"student"}, Participant},
		{[]string{"student", "teacher"}, Tuteur},
		{[]string{"coursecreator"}, Formateur},
		{[]string{"editingteacher", "student"}, Formateur},
		{[]string{"manager"}, Manager},
	}
	for _, c := range cases {
		if got := MappingOf(d).Level(c.short); got != c.want {
			t.Errorf("%v: %s, want %s", c.short, got, c.want)
		}
	}
}

// TestManagerRolesComeFromTheMapping: "manager" is only the default; a
// domain whose gestionnaires hold another role names it, and "manager"
// then gives nothing.
func TestManagerRolesComeFromTheMapping(t *testing.T) {
	d := config.Domain{Roles: config.DefaultRoles, ManagerRoles: []string{"gestionnaire_aca"}}
	m := MappingOf(d)
	if got := m.Level([]string{"gestionnaire_aca"}); got != Manager {
		t.Fatalf("configured manager role: %s", got)
	}
	if got := m.Level([]string{"manager"}); got != None {
		t.Fatalf("manager where the domain names another role: %s", got)
	}
	if got := MappingOf(config.Domain{}).Level([]string{"manager", "student"}); got != Manager {
		t.Fatalf("default mapping: %s", got)
	}
}
