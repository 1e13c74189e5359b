package workflow

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// pluginParams are the parameters (JSON keys of Params) a transition takes
// from the Moodle plugins: what the workflow block's form sends, nothing
// more. Operators on the CLI may set the others (formateurs, category_id,
// with_users, shortname_pattern, creator_id): from a block they would let
// a formateur make anyone an editing teacher of the new sessions, or put a
// course in any category.
var pluginParams = map[string][]string{
	CreateParcours:    {"name", "shortname"},
	Duplicate:         {"name", "shortname"},
	Demonstrate:       nil,
	CreateSessions:    {"name", "shortname", "start", "end", "participants", "max", "virtual_classes"},
	Open:              nil,
	OpenSelfEnrolment: {"offer"},
	Trash:             nil,
	Restore:           nil,
	SetMetadata:       {"remote_minutes", "inperson_minutes", "objectives"},
}

// CheckPluginParams refuses any parameter the transition does not take
// from a plugin, naming it.
func CheckPluginParams(transition string, keys []string) error {
	allowed, ok := pluginParams[transition]
	if !ok {
		return fmt.Errorf("unknown transition %q", transition)
	}
	var bad []string
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	if len(allowed) == 0 {
		return fmt.Errorf("%s takes no parameter from Moodle, got %s", transition, strings.Join(bad, ", "))
	}
	return fmt.Errorf("%s does not take %s from Moodle (it takes %s)", transition, strings.Join(bad, ", "), strings.Join(allowed, ", "))
}
