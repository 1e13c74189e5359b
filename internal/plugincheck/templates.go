package plugincheck

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

var (
	// {{#str}} id, component {{/str}} and {{#str}} id, component, a {{/str}}
	reTemplateStr  = regexp.MustCompile(`\{\{#str\}\}\s*([a-zA-Z0-9_:/.-]+)\s*,\s*([a-z0-9_]+)`)
	reTemplateDoc  = regexp.MustCompile(`@template\s+([a-z0-9_]+/[a-z0-9_]+)`)
	reRenderUse    = regexp.MustCompile(`render_from_template\(\s*'([a-z0-9_]+)/([a-z0-9_]+)'`)
	reDependency   = regexp.MustCompile(`(?s)\$plugin->dependencies\s*=\s*\[(.*?)\]`)
	reNamespaceUse = regexp.MustCompile(`\\?\b((?:local|block|mod|tool)_[a-z0-9_]+)\\`)
)

// Templates maps each template of the plugin (name without .mustache) to
// its content.
func Templates(p Plugin) (map[string]string, error) {
	matches, err := filepath.Glob(filepath.Join(p.Dir, "templates", "*.mustache"))
	if err != nil {
		return nil, fmt.Errorf("list templates of %s: %w", p.Component, err)
	}
	out := map[string]string{}
	for _, m := range matches {
		b, err := os.ReadFile(m)
		if err != nil {
			return nil, fmt.Errorf("read template: %w", err)
		}
		out[strings.TrimSuffix(filepath.Base(m), ".mustache")] = string(b)
	}
	return out, nil
}

// checkTemplates: templates referenced from PHP exist, each documents its
// own name, and the strings they use exist in both languages.
func checkTemplates(p Plugin, sources map[string]string, en, fr map[string]bool) ([]string, error) {
	templates, err := Templates(p)
	if err != nil {
		return nil, err
	}
	var problems []string
	for _, file := range sortedKeys(sources) {
		for _, m := range reRenderUse.FindAllStringSubmatch(sources[file], -1) {
			if m[1] == p.Component && templates[m[2]] == "" {
				problems = append(problems, fmt.Sprintf("%s: template %s/%s has no templates/%s.mustache", file, m[1], m[2], m[2]))
			}
		}
	}
	for _, name := range sortedKeys(templates) {
		src := templates[name]
		file := "templates/" + name + ".mustache"
		if doc := reTemplateDoc.FindStringSubmatch(src); doc == nil || doc[1] != p.Component+"/"+name {
			problems = append(problems, fmt.Sprintf("%s: no @template %s/%s doc comment", file, p.Component, name))
		}
		problems = append(problems, checkCommentEnds(file, src)...)
		seen := map[string]bool{}
		for _, m := range reTemplateStr.FindAllStringSubmatch(src, -1) {
			id, comp := m[1], m[2]
			if comp != p.Component || seen[id] {
				continue
			}
			seen[id] = true
			if !en[id] {
				problems = append(problems, fmt.Sprintf("%s: string %q missing from lang/en", file, id))
			}
			if !fr[id] {
				problems = append(problems, fmt.Sprintf("%s: string %q missing from lang/fr", file, id))
			}
		}
	}
	return problems, nil
}

// checkDependencies: a plugin using another plugin's classes declares it
// in version.php, so Moodle refuses to install it alone.
func checkDependencies(p Plugin, sources map[string]string) []string {
	declared := map[string]bool{}
	if b, err := os.ReadFile(filepath.Join(p.Dir, "version.php")); err == nil {
		if m := reDependency.FindSubmatch(b); m != nil {
			for _, d := range regexp.MustCompile(`'([a-z0-9_]+)'\s*=>`).FindAllSubmatch(m[1], -1) {
				declared[string(d[1])] = true
			}
		}
	}
	used := map[string]string{}
	for _, file := range sortedKeys(sources) {
		for _, m := range reNamespaceUse.FindAllStringSubmatch(sources[file], -1) {
			if m[1] != p.Component && used[m[1]] == "" {
				used[m[1]] = file
			}
		}
	}
	var problems []string
	for _, comp := range sortedKeys(used) {
		if !declared[comp] {
			problems = append(problems, fmt.Sprintf("%s: uses %s, which version.php does not list in $plugin->dependencies", used[comp], comp))
		}
	}
	return problems
}

// checkBlock: a block has block_<name>.php declaring class block_<name>
// extends block_base, the addinstance capability, and checks a capability
// with sesskey in every page that handles a form.
func checkBlock(p Plugin, sources map[string]string) []string {
	var problems []string
	main := p.Component + ".php"
	src, ok := sources[main]
	switch {
	case !ok:
		problems = append(problems, fmt.Sprintf("%s is missing", main))
	case !regexp.MustCompile(`class\s+` + p.Component + `\s+extends\s+(\\?block_base|\\local_bridge\\(local\\)?bridge_block)\b`).MatchString(src):
		problems = append(problems, fmt.Sprintf("%s: no class %s extends block_base (or local_bridge's bridge_block)", main, p.Component))
	}
	declared, err := DeclaredCapabilities(p)
	if err != nil {
		return append(problems, err.Error())
	}
	if strings.Contains(src, `local_bridge\local\bridge_block`) {
		problems = append(problems, checkBridgeBlock(p, sources, declared)...)
	}
	if !declared[p.CapabilityPrefix()+"addinstance"] {
		problems = append(problems, "db/access.php: blocks need the addinstance capability")
	}
	var pages []string
	for file := range sources {
		if !strings.Contains(file, "/") && file != main && file != "version.php" && file != "settings.php" {
			pages = append(pages, file)
		}
	}
	sort.Strings(pages)
	for _, file := range pages {
		s := sources[file]
		if !strings.Contains(s, "require_login(") {
			problems = append(problems, file+": page without require_login()")
		}
		if strings.Contains(s, "$_POST") || strings.Contains(s, "optional_param") || strings.Contains(s, "required_param") {
			if !strings.Contains(s, "require_sesskey()") {
				problems = append(problems, file+": handles a form without require_sesskey()")
			}
			if !strings.Contains(s, "require_capability(") {
				problems = append(problems, file+": handles a form without require_capability()")
			}
		}
	}
	return problems
}

var capabilityFlag = regexp.MustCompile(`'([a-z_]+)'\s*=>\s*'([a-z_]+)'`)

// checkBridgeBlock: a block built on local_bridge's bridge_block needs the
// view capability the base class checks, and a data source whose
// CAPABILITY_FLAGS name declared capabilities.
func checkBridgeBlock(p Plugin, sources map[string]string, declared map[string]bool) []string {
	var problems []string
	if !declared[p.CapabilityPrefix()+"view"] {
		problems = append(problems, "db/access.php: bridge_block checks the view capability, which is not declared")
	}
	ds, ok := sources["classes/local/data_source.php"]
	if !ok {
		return append(problems, "classes/local/data_source.php is missing (bridge_block instantiates it)")
	}
	line := regexp.MustCompile(`CAPABILITY_FLAGS\s*=\s*\[([^\]]*)\]`).FindStringSubmatch(ds)
	if line == nil {
		return append(problems, "classes/local/data_source.php: no CAPABILITY_FLAGS constant (bridge_block reads it)")
	}
	for _, m := range capabilityFlag.FindAllStringSubmatch(line[1], -1) {
		if !declared[p.CapabilityPrefix()+m[2]] {
			problems = append(problems, fmt.Sprintf("classes/local/data_source.php: CAPABILITY_FLAGS uses %s%s, not declared in db/access.php", p.CapabilityPrefix(), m[2]))
		}
	}
	return problems
}

// checkCommentEnds: a Mustache comment ends at its first "}}", so JSON in
// an example context ending with "}}" closes it early and the rest of the
// comment is printed on the page. Each comment must end on a line of its own.
func checkCommentEnds(file, src string) []string {
	var problems []string
	rest := src
	for {
		start := strings.Index(rest, "{{!")
		if start < 0 {
			return problems
		}
		rest = rest[start+3:]
		end := strings.Index(rest, "}}")
		if end < 0 {
			return append(problems, file+": unterminated {{! comment")
		}
		lineStart := strings.LastIndexByte(rest[:end], '\n') + 1
		if strings.TrimSpace(rest[lineStart:end]) != "" && strings.Contains(rest[:end], "\n") {
			line := strings.Count(src[:len(src)-len(rest)+end], "\n") + 1
			problems = append(problems, fmt.Sprintf("%s:%d: a comment ends inside text (\"}}\" in an example?): the rest is printed on the page", file, line))
		}
		rest = rest[end+2:]
	}
}
