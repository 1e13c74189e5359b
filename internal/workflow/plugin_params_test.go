package workflow

import (
	"reflect"
	"strings"
	"testing"
)

// Every transition has its list, and every listed key is a Params field.
func TestPluginParamsCoverEveryTransition(t *testing.T) {
	fields := map[string]bool{}
	rt := reflect.TypeOf(Params{})
	for i := 0; i < rt.NumField(); i++ {
		fields[strings.Split(rt.Field(i).Tag.Get("json"), ",")[0]] = true
	}
	for _, tr := range Transitions {
		keys, ok := pluginParams[tr]
		if !ok {
			t.Errorf("transition %s has no plugin parameter list", tr)
		}
		for _, k := range keys {
			if !fields[k] {
				t.Errorf("%s: %q is not a parameter", tr, k)
			}
		}
	}
	if err := CheckPluginParams(CreateSessions, []string{"name", "formateurs"}); err == nil || !strings.Contains(err.Error(), "formateurs") {
		t.Fatalf("formateurs from a plugin: %v", err)
	}
	if err := CheckPluginParams(Duplicate, []string{"category_id"}); err == nil {
		t.Fatal("category_id from a plugin accepted")
	}
	if err := CheckPluginParams(SetMetadata, []string{"objectives"}); err != nil {
		t.Fatal(err)
	}
}
