package plugincheck

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// repoRoot walks up from the working directory to the directory holding go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found")
		}
		dir = parent
	}
}

// The project's own plugins must pass every check.
func TestProjectPluginsAreWellFormed(t *testing.T) {
	plugins, err := FindPlugins(filepath.Join(repoRoot(t), "moodle-plugins"))
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, p := range plugins {
		found[p.Component] = true
		problems, err := Check(p)
		if err != nil {
			t.Fatalf("%s: %v", p.Component, err)
		}
		for _, pr := range problems {
			t.Errorf("%s: %s", p.Component, pr)
		}
	}
	if !found["local_bridge"] {
		t.Fatalf("local_bridge not found among %v", plugins)
	}
}

// local_bridge's contract with the daemon: these functions and capabilities must exist.
func TestLocalBridgeDeclaresItsContract(t *testing.T) {
	p := Plugin{Dir: filepath.Join(repoRoot(t), "moodle-plugins/local/bridge"), Type: "local", Name: "bridge", Component: "local_bridge"}
	fns, err := ServiceFunctions(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"backup_course", "get_backup_status", "restore_course", "get_restore_status",
		"enable_self_enrolment", "freeze_context", "mark_course_complete"} {
		if fns["local_bridge_"+name] != `local_bridge\external\`+name {
			t.Errorf("local_bridge_%s: class %q", name, fns["local_bridge_"+name])
		}
	}
	caps, err := DeclaredCapabilities(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"manageworkflow", "viewoffer", "requestoffer", "approveoffer", "enrolcsv",
		"viewtracking", "markattendance", "downloadcertificates", "use"} {
		if !caps["local/bridge:"+c] {
			t.Errorf("capability local/bridge:%s not declared", c)
		}
	}
	sources, err := Sources(p)
	if err != nil {
		t.Fatal(err)
	}
	priv := sources["classes/privacy/provider.php"]
	if !strings.Contains(priv, "add_external_location_link('bridge'") {
		t.Error("privacy provider must declare the bridge as an external location")
	}
	// Every file Moodle includes directly must refuse to run outside Moodle;
	// a page a browser opens (it loads config.php itself) is an entry point.
	for file, src := range sources {
		if !strings.HasPrefix(src, "<?php\n// This file is part of Moodle") {
			t.Errorf("%s: no GPL header", file)
		}
		page := strings.Contains(src, "require_once(__DIR__ . '/../../config.php');")
		direct := !strings.HasPrefix(file, "classes/") && !strings.HasPrefix(file, "tests/") && !page
		if direct && !strings.Contains(src, "defined('MOODLE_INTERNAL') || die();") {
			t.Errorf("%s: missing MOODLE_INTERNAL check", file)
		}
	}
}

func TestGoodFixturePasses(t *testing.T) {
	plugins, err := FindPlugins("testdata/good")
	if err != nil || len(plugins) != 1 {
		t.Fatalf("plugins %v, err %v", plugins, err)
	}
	problems, err := Check(plugins[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 0 {
		t.Fatalf("unexpected problems: %v", problems)
	}
}

// Each planted mistake in testdata/broken is reported, and nothing else.
func TestBrokenFixtureReportsEveryMistake(t *testing.T) {
	plugins, err := FindPlugins("testdata/broken")
	if err != nil || len(plugins) != 1 {
		t.Fatalf("plugins %v, err %v", plugins, err)
	}
	got, err := Check(plugins[0])
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`classes/external/partial.php: local_broken_partial has no public static execute_parameters()`,
		`classes/external/partial.php: local_broken_partial has no public static execute_returns()`,
		`classes/external/partial.php: string "undefinederror" missing from lang/en`,
		`classes/external/partial.php: string "undefinederror" missing from lang/fr`,
		`db/access.php: capability local/broken:declared has no string "broken:declared"`,
		`db/access.php: capability mod/other:cap is outside local/broken:`,
		`db/services.php: capability local/broken:fromservice is not declared in db/access.php`,
		`db/services.php: function badname should start with local_broken_`,
		`db/services.php: local_broken_nofile: class file classes/external/nofile.php missing`,
		`lang/en: missing "onlyfr" that lang/fr has`,
		`lang/fr: missing "onlyen" that lang/en has`,
		`lib.php: capability local/broken:undeclared is not declared in db/access.php`,
		`lib.php: string "missingstring" missing from lang/en`,
		`lib.php: string "missingstring" missing from lang/fr`,
		`version.php: component "local_wrong" does not match folder local_broken`,
	}
	// badname points at partial.php too: its missing methods are reported once per function.
	want = append(want,
		`classes/external/partial.php: badname has no public static execute_parameters()`,
		`classes/external/partial.php: badname has no public static execute_returns()`)
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestClassFileRejectsForeignNamespace(t *testing.T) {
	p := Plugin{Dir: "/x", Type: "local", Name: "a", Component: "local_a"}
	if _, err := ClassFile(p, `local_b\external\f`); err == nil {
		t.Fatal("a class of another component must not map to this plugin")
	}
	path, err := ClassFile(p, `\local_a\external\f`)
	if err != nil || filepath.ToSlash(path) != "/x/classes/external/f.php" {
		t.Fatalf("%s %v", path, err)
	}
}

// The blocks are found under blocks/ with block_ components and pass too
// (TestProjectPluginsAreWellFormed checks them; this pins that they exist).
func TestProjectBlocksAreFound(t *testing.T) {
	plugins, err := FindPlugins(filepath.Join(repoRoot(t), "moodle-plugins"))
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	for _, p := range plugins {
		found[p.Component] = p.CapabilityPrefix()
	}
	for _, b := range []string{"workflow", "offer", "csv", "tracking"} {
		if found["block_bridge_"+b] != "block/bridge_"+b+":" {
			t.Errorf("block_bridge_%s not found (found %v)", b, found)
		}
	}
}

// Each planted block mistake in testdata/brokenblock is reported, and nothing else.
func TestBrokenBlockFixtureReportsEveryMistake(t *testing.T) {
	plugins, err := FindPlugins("testdata/brokenblock")
	if err != nil || len(plugins) != 1 || plugins[0].Component != "block_bad" {
		t.Fatalf("plugins %v, err %v", plugins, err)
	}
	got, err := Check(plugins[0])
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`action.php: handles a form without require_capability()`,
		`action.php: handles a form without require_sesskey()`,
		`block_bad.php: no class block_bad extends block_base (or local_bridge's bridge_block)`,
		`block_bad.php: template block_bad/absent has no templates/absent.mustache`,
		`block_bad.php: uses local_bridge, which version.php does not list in $plugin->dependencies`,
		`db/access.php: blocks need the addinstance capability`,
		`templates/main.mustache: no @template block_bad/main doc comment`,
		`templates/main.mustache: string "nostring" missing from lang/en`,
		`templates/main.mustache: string "nostring" missing from lang/fr`,
	}
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A block built on local_bridge's bridge_block must declare the view
// capability the base class checks and every capability its data source's
// CAPABILITY_FLAGS name.
func TestBridgeBlockFixtureReportsMissingCapabilities(t *testing.T) {
	plugins, err := FindPlugins("testdata/brokenbridgeblock")
	if err != nil || len(plugins) != 1 || plugins[0].Component != "block_thin" {
		t.Fatalf("plugins %v, err %v", plugins, err)
	}
	got, err := Check(plugins[0])
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"classes/local/data_source.php: CAPABILITY_FLAGS uses block/thin:go, not declared in db/access.php",
		"db/access.php: bridge_block checks the view capability, which is not declared",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
