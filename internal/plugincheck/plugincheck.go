// Package plugincheck checks the structure of the Moodle plugins in
// moodle-plugins/ without running Moodle: component names, capabilities,
// language strings and web-service classes. Moodle only finds these mistakes
// at install time or when a page happens to need the string; a test finds
// them on every commit.
package plugincheck

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Plugin is one plugin directory, moodle-plugins/<type>/<name>.
type Plugin struct {
	Dir       string
	Type      string
	Name      string
	Component string // frankenstyle, <type>_<name>
}

// CapabilityPrefix is how the plugin's capabilities start: local/bridge:.
func (p Plugin) CapabilityPrefix() string { return p.Type + "/" + p.Name + ":" }

// typeDirs maps the folders whose name is not the plugin type (Moodle
// keeps blocks in blocks/, but their component is block_<name>).
var typeDirs = map[string]string{"blocks": "block"}

// FindPlugins lists the plugin directories under root (those holding version.php).
func FindPlugins(root string) ([]Plugin, error) {
	matches, err := filepath.Glob(filepath.Join(root, "*", "*", "version.php"))
	if err != nil {
		return nil, fmt.Errorf("find plugins under %s: %w", root, err)
	}
	var plugins []Plugin
	for _, m := range matches {
		dir := filepath.Dir(m)
		typ, name := filepath.Base(filepath.Dir(dir)), filepath.Base(dir)
		if t, ok := typeDirs[typ]; ok {
			typ = t
		}
		plugins = append(plugins, Plugin{Dir: dir, Type: typ, Name: name, Component: typ + "_" + name})
	}
	return plugins, nil
}

var (
	reComponent  = regexp.MustCompile(`\$plugin->component\s*=\s*'([^']*)'`)
	reLangKey    = regexp.MustCompile(`(?m)^\$string\[\s*'([^']+)'\s*\]\s*=`)
	reCapDecl    = regexp.MustCompile(`(?m)^\s*'([a-z]+/[a-z0-9_]+:[a-z0-9_]+)'\s*=>\s*\[`)
	reCapUse     = regexp.MustCompile(`(?:require_capability|has_capability)\(\s*'([^']+)'`)
	reCapService = regexp.MustCompile(`'capabilities'\s*=>\s*'([^']*)'`)
	reService    = regexp.MustCompile(`(?s)'([a-z0-9_]+)'\s*=>\s*\[\s*'classname'\s*=>\s*'([^']+)'`)
	reMethod     = regexp.MustCompile(`public\s+static\s+function\s+(\w+)\s*\(`)
	rePrivacyKey = regexp.MustCompile(`'(privacy:metadata:[^']+)'`)
)

// stringUse matches get_string('id', 'component') and
// new moodle_exception('id', 'component') for one component.
func stringUse(component string) *regexp.Regexp {
	c := regexp.QuoteMeta(component)
	return regexp.MustCompile(`(?:get_string|new_lang_string|moodle_exception)\(\s*'([^']+)'\s*,\s*'` + c + `'`)
}

// Component is the $plugin->component of version.php.
func Component(p Plugin) (string, error) {
	b, err := os.ReadFile(filepath.Join(p.Dir, "version.php"))
	if err != nil {
		return "", fmt.Errorf("read version.php: %w", err)
	}
	m := reComponent.FindSubmatch(b)
	if m == nil {
		return "", fmt.Errorf("%s: no $plugin->component", p.Dir)
	}
	return string(m[1]), nil
}

// LangKeys are the string ids of one language file.
func LangKeys(path string) (map[string]bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read lang file: %w", err)
	}
	keys := map[string]bool{}
	for _, m := range reLangKey.FindAllSubmatch(b, -1) {
		keys[string(m[1])] = true
	}
	return keys, nil
}

// DeclaredCapabilities are the capabilities of db/access.php (none when absent).
func DeclaredCapabilities(p Plugin) (map[string]bool, error) {
	b, err := os.ReadFile(filepath.Join(p.Dir, "db", "access.php"))
	if os.IsNotExist(err) {
		return map[string]bool{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read access.php: %w", err)
	}
	caps := map[string]bool{}
	for _, m := range reCapDecl.FindAllSubmatch(b, -1) {
		caps[string(m[1])] = true
	}
	return caps, nil
}

// Sources maps each PHP file of the plugin (relative path) to its content.
func Sources(p Plugin) (map[string]string, error) {
	files := map[string]string{}
	err := filepath.WalkDir(p.Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".php") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(p.Dir, path)
		files[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read sources of %s: %w", p.Component, err)
	}
	return files, nil
}

// UsedCapabilities are this plugin's capabilities named in code or in
// db/services.php, with the first file naming each.
func UsedCapabilities(p Plugin, sources map[string]string) map[string]string {
	used := map[string]string{}
	add := func(cap, file string) {
		if strings.HasPrefix(cap, p.CapabilityPrefix()) && used[cap] == "" {
			used[cap] = file
		}
	}
	for _, file := range sortedKeys(sources) {
		for _, m := range reCapUse.FindAllStringSubmatch(sources[file], -1) {
			add(m[1], file)
		}
		for _, m := range reCapService.FindAllStringSubmatch(sources[file], -1) {
			for _, c := range strings.Split(m[1], ",") {
				add(strings.TrimSpace(c), file)
			}
		}
	}
	return used
}

// UsedStrings are the string ids of this component used in code, with the
// first file using each.
func UsedStrings(p Plugin, sources map[string]string) map[string]string {
	re := stringUse(p.Component)
	used := map[string]string{}
	for _, file := range sortedKeys(sources) {
		if strings.HasPrefix(file, "lang/") {
			continue
		}
		matches := re.FindAllStringSubmatch(sources[file], -1)
		if strings.HasPrefix(file, "classes/privacy/") {
			matches = append(matches, rePrivacyKey.FindAllStringSubmatch(sources[file], -1)...)
		}
		for _, m := range matches {
			if used[m[1]] == "" {
				used[m[1]] = file
			}
		}
	}
	return used
}

// ServiceFunctions maps each function of db/services.php to its class name.
func ServiceFunctions(p Plugin) (map[string]string, error) {
	b, err := os.ReadFile(filepath.Join(p.Dir, "db", "services.php"))
	if os.IsNotExist(err) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read services.php: %w", err)
	}
	fns := map[string]string{}
	for _, m := range reService.FindAllSubmatch(b, -1) {
		fns[string(m[1])] = string(m[2])
	}
	return fns, nil
}

// ClassFile is where Moodle's autoloader looks for a class of this plugin:
// component\a\b lives in classes/a/b.php.
func ClassFile(p Plugin, class string) (string, error) {
	class = strings.TrimPrefix(class, `\`)
	prefix := p.Component + `\`
	if !strings.HasPrefix(class, prefix) {
		return "", fmt.Errorf("class %s is not in namespace %s", class, p.Component)
	}
	rel := strings.ReplaceAll(strings.TrimPrefix(class, prefix), `\`, "/") + ".php"
	return filepath.Join(p.Dir, "classes", filepath.FromSlash(rel)), nil
}

// StaticMethods are the public static methods a PHP file declares.
func StaticMethods(src string) map[string]bool {
	methods := map[string]bool{}
	for _, m := range reMethod.FindAllStringSubmatch(src, -1) {
		methods[m[1]] = true
	}
	return methods
}

// Check runs every structural check on one plugin and returns the problems
// found, one sentence each, sorted.
func Check(p Plugin) ([]string, error) {
	var problems []string
	report := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	component, err := Component(p)
	if err != nil {
		return nil, err
	}
	if component != p.Component {
		report("version.php: component %q does not match folder %s", component, p.Component)
	}
	sources, err := Sources(p)
	if err != nil {
		return nil, err
	}
	en, err := LangKeys(filepath.Join(p.Dir, "lang", "en", p.Component+".php"))
	if err != nil {
		return nil, err
	}
	fr, err := LangKeys(filepath.Join(p.Dir, "lang", "fr", p.Component+".php"))
	if err != nil {
		return nil, err
	}
	for _, k := range []string{"pluginname"} {
		if !en[k] {
			report("lang/en: missing required string %q", k)
		}
	}
	for _, k := range missing(en, fr) {
		report("lang/fr: missing %q that lang/en has", k)
	}
	for _, k := range missing(fr, en) {
		report("lang/en: missing %q that lang/fr has", k)
	}
	problems = append(problems, checkCapabilities(p, sources, en)...)
	for id, file := range UsedStrings(p, sources) {
		if !en[id] {
			report("%s: string %q missing from lang/en", file, id)
		}
		if !fr[id] {
			report("%s: string %q missing from lang/fr", file, id)
		}
	}
	more, err := checkServices(p)
	if err != nil {
		return nil, err
	}
	problems = append(problems, more...)
	more, err = checkTemplates(p, sources, en, fr)
	if err != nil {
		return nil, err
	}
	problems = append(problems, more...)
	problems = append(problems, checkDependencies(p, sources)...)
	if p.Type == "block" {
		problems = append(problems, checkBlock(p, sources)...)
	}
	sort.Strings(problems)
	return problems, nil
}

func checkCapabilities(p Plugin, sources map[string]string, en map[string]bool) []string {
	var problems []string
	declared, err := DeclaredCapabilities(p)
	if err != nil {
		return []string{err.Error()}
	}
	for cap, file := range UsedCapabilities(p, sources) {
		if !declared[cap] {
			problems = append(problems, fmt.Sprintf("%s: capability %s is not declared in db/access.php", file, cap))
		}
	}
	for cap := range declared {
		if !strings.HasPrefix(cap, p.CapabilityPrefix()) {
			problems = append(problems, fmt.Sprintf("db/access.php: capability %s is outside %s", cap, p.CapabilityPrefix()))
			continue
		}
		// Moodle names the string of local/bridge:use "bridge:use".
		key := p.Name + ":" + strings.TrimPrefix(cap, p.CapabilityPrefix())
		if !en[key] {
			problems = append(problems, fmt.Sprintf("db/access.php: capability %s has no string %q", cap, key))
		}
	}
	return problems
}

func checkServices(p Plugin) ([]string, error) {
	var problems []string
	fns, err := ServiceFunctions(p)
	if err != nil {
		return nil, err
	}
	for fn, class := range fns {
		if !strings.HasPrefix(fn, p.Component+"_") {
			problems = append(problems, fmt.Sprintf("db/services.php: function %s should start with %s_", fn, p.Component))
		}
		path, err := ClassFile(p, class)
		if err != nil {
			problems = append(problems, fmt.Sprintf("db/services.php: %s: %v", fn, err))
			continue
		}
		src, err := os.ReadFile(path)
		if err != nil {
			problems = append(problems, fmt.Sprintf("db/services.php: %s: class file %s missing", fn, relTo(p.Dir, path)))
			continue
		}
		methods := StaticMethods(string(src))
		for _, m := range []string{"execute_parameters", "execute", "execute_returns"} {
			if !methods[m] {
				problems = append(problems, fmt.Sprintf("%s: %s has no public static %s()", relTo(p.Dir, path), fn, m))
			}
		}
	}
	return problems, nil
}

func missing(have, want map[string]bool) []string {
	var out []string
	for k := range have {
		if !want[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func relTo(base, path string) string {
	if rel, err := filepath.Rel(base, path); err == nil {
		return filepath.ToSlash(rel)
	}
	return path
}
