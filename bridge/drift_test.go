package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// entryCalls lists, per feature, the method the CLI and the API (its
// routes or app's adapters) must both call: the same service method, so
// that checks, audit and behaviour cannot drift between the two entries.
var entryCalls = []struct {
	feature, method string
	cli, api        []string // files (from the repository root)
}{
	{"workflow transitions", "Submit", []string{"bridge/cmd_workflow.go"}, []string{"internal/api/routes_workflow.go"}},
	{"workflow state", "Show", []string{"bridge/cmd_workflow.go"}, []string{"internal/api/routes_workflow.go"}},
	{"session calendar warnings", "CalendarWarnings", []string{"bridge/cmd_workflow.go"}, []string{"internal/api/routes_workflow.go", "internal/api/routes_sessions.go"}},
	{"offer request", "Request", []string{"bridge/cmd_offer.go"}, []string{"internal/app/api_adapters.go"}},
	// The API reaches these through the views its routes write (offer
	// and tracking views.go), which call the same methods as the CLI.
	{"offer approval", "Approve", []string{"bridge/cmd_offer.go"}, []string{"internal/offer/views.go"}},
	{"offer rejection", "Reject", []string{"bridge/cmd_offer.go"}, []string{"internal/offer/views.go"}},
	{"offer catalogue", "Search", []string{"bridge/cmd_offer.go"}, []string{"internal/offer/views.go"}},
	{"attendance", "SetAttendance", []string{"bridge/cmd_tracking.go"}, []string{"internal/app/api_adapters.go"}},
	{"nominative list", "Nominative", []string{"bridge/cmd_tracking.go"}, []string{"internal/tracking/views.go"}},
	{"digest subscription", "SubscribeDigest", []string{"bridge/cmd_offer_digest.go"}, []string{"internal/api/routes_digest.go"}},
	{"digest subscription audit", "RecordAudit", []string{"bridge/cmd_offer_digest.go"}, []string{"internal/api/audit.go"}},
	{"enrolment preview", "Preview", []string{"bridge/cmd_enrol.go"}, []string{"internal/api/routes_enrol.go"}},
	{"enrolment apply", "Submit", []string{"bridge/cmd_enrol.go"}, []string{"internal/api/routes_enrol.go"}},
	// GAIA linking has no API route: the demo is its other entry.
	{"GAIA link (CLI and demo)", "Link", []string{"bridge/cmd_gaia.go"}, []string{"internal/demo/chapter_gaia.go"}},
}

// TestCLIAndAPICallTheSameMethods is the drift test: for each feature,
// both entry points call the service method named in entryCalls.
func TestCLIAndAPICallTheSameMethods(t *testing.T) {
	for _, e := range entryCalls {
		for side, files := range map[string][]string{"CLI": e.cli, "API": e.api} {
			found := false
			for _, f := range files {
				found = found || callsMethod(t, f, e.method)
			}
			if !found {
				t.Errorf("%s: the %s (%s) does not call %s", e.feature, side, strings.Join(files, ", "), e.method)
			}
		}
	}
}

// callsMethod says whether file calls a method (x.method(…)).
func callsMethod(t *testing.T, file, method string) bool {
	t.Helper()
	path := filepath.Join("..", file)
	if _, err := os.Stat(path); err != nil {
		return false
	}
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatalf("parse %s: %v", file, err)
	}
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok {
			if sel, ok := c.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == method {
				found = true
			}
		}
		return !found
	})
	return found
}

// TestServicesAreBuiltOnlyByApp: the features' services are built once,
// by app.Open (internal/app/services.go), and every entry takes them from
// App. The one exception reads the catalogue from the store alone.
func TestServicesAreBuiltOnlyByApp(t *testing.T) {
	built := map[string]bool{"workflow": true, "offer": true, "tracking": true, "archive": true, "enrol": true, "gaia": true, "domains": true}
	allowed := map[string]string{
		"internal/app/services.go": "*",
		"bridge/cmd_offer.go":      "offer", // offer search: the catalogue without a site, no app opened
	}
	for _, dir := range []string{"bridge", "internal/app", "internal/demo", "internal/api"} {
		files, err := filepath.Glob(filepath.Join("..", dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			rel := filepath.ToSlash(strings.TrimPrefix(path, ".."+string(filepath.Separator)))
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
			if err != nil {
				t.Fatalf("parse %s: %v", rel, err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				c, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := c.Fun.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "New" {
					return true
				}
				if pkg, ok := sel.X.(*ast.Ident); ok && built[pkg.Name] && allowed[rel] != "*" && allowed[rel] != pkg.Name {
					t.Errorf("%s builds its own %s service (%s.New): take App's", rel, pkg.Name, pkg.Name)
				}
				return true
			})
		}
	}
}

// TestFeatureJobKindsAreRegisteredByTheirService: a feature with a
// service registers its job kinds through the service's Register, so that
// the daemon, the CLI's inline runs and the demo bind the same handlers;
// app's handlers file for it only calls Register, never
// a.Registry.Register with a handler of its own.
func TestFeatureJobKindsAreRegisteredByTheirService(t *testing.T) {
	for _, feature := range []string{"workflow", "offer", "archive", "tracking", "enrol", "gaia", "domains"} {
		file := "internal/app/handlers_" + feature + ".go"
		if !callsMethod(t, file, "Register") {
			t.Errorf("%s: %s's service does not register its kinds", file, feature)
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join("..", file), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if sel, ok := c.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Register" {
				if inner, ok := sel.X.(*ast.SelectorExpr); ok && inner.Sel.Name == "Registry" {
					t.Errorf("%s registers a %s job kind itself (a.Registry.Register): move it to the service's Register", file, feature)
				}
			}
			return true
		})
	}
}
