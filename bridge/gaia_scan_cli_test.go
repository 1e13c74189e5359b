package main

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/moodlesim"
)

// copyGaiaNight copies a night of internal/gaia/testdata/drop into drop.
func copyGaiaNight(t *testing.T, drop, night string, skip ...string) {
	t.Helper()
	src := filepath.Join("..", "internal", "gaia", "testdata", "drop", night)
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(drop, night), 0o755); err != nil {
		t.Fatal(err)
	}
next:
	for _, e := range ents {
		for _, s := range skip {
			if e.Name() == s {
				continue next
			}
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(drop, night, e.Name()), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// TestGaiaScanCLI: bridge gaia scan over every domain with a gaia_code:
// the layout is reported, a second scan is unchanged, a domain whose
// académie has no file makes the command exit 1 naming the files, a
// partial drop is held, and a domain without gaia_code is a usage error.
func TestGaiaScanCLI(t *testing.T) {
	const token = "gaia-scan-token-0123456789abcdef"
	sim := moodlesim.New(moodlesim.Options{Sites: []string{"ac-a", "ac-b", "ac-z"}, Token: token})
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	dir := t.TempDir()
	drop := filepath.Join(dir, "drop")
	copyGaiaNight(t, drop, "20270110", "A12_Stagiaires_20270110.csv")
	site := func(name, code string) string {
		s := "  - name: " + name + "\n    wwwroot: " + srv.URL + "/" + name + "\n    token: " + token + "\n    zone: A\n"
		if code != "" {
			s += "    gaia_code: " + code + "\n"
		}
		return s
	}
	cfg := writeFile(t, dir, "bridge.yaml", "data_dir: "+dir+"\ngaia:\n  drop_dir: "+drop+"\n  grace: 1h\ndomains:\n"+
		site("ac-a", "A05")+site("ac-b", "A12")+site("ac-z", ""))
	run := func(args ...string) result {
		return runBridge(t, time.Minute, nil, append([]string{"--config", cfg}, args...)...)
	}
	r := run("gaia", "scan", "--domain", "ac-a")
	if r.code != 0 || !strings.Contains(r.stdout, "ac-a (GAIA A05) drop 20270110: imported") ||
		!strings.Contains(r.stdout, "A05_Formations_20270110.csv: formations, 3 row(s) (windows-1252, ministry layout), 0 bad line(s)") ||
		!strings.Contains(r.stdout, "A05_Stagiaires_20270110.csv:4: courriel: \"jerome.dupont@ac-a\"") {
		t.Fatalf("scan ac-a: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Every domain with a gaia_code: ac-a unchanged, ac-b held (its
	// Stagiaires file is missing, within the grace period).
	r = run("gaia", "scan")
	if r.code != 0 || !strings.Contains(r.stdout, "ac-a (GAIA A05) drop 20270110: unchanged") ||
		!strings.Contains(r.stdout, "ac-b (GAIA A12) drop 20270110: held back (partial drop)") ||
		!strings.Contains(r.stdout, "A12_Stagiaires_20270110.csv arrive(s)") || strings.Contains(r.stdout, "ac-z") {
		t.Fatalf("scan all: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r = run("gaia", "scan", "--domain", "ac-z"); r.code != 2 || !strings.Contains(r.stderr, "no gaia_code") {
		t.Fatalf("scan a domain without gaia_code: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// An académie without any file in the drop: exit 1, the files named.
	cfg2 := writeFile(t, dir, "bridge2.yaml", "data_dir: "+dir+"\ngaia:\n  drop_dir: "+drop+"\ndomains:\n"+site("ac-z", "A99"))
	r = runBridge(t, time.Minute, nil, "--config", cfg2, "--format", "json", "gaia", "scan")
	var out struct {
		Domains []struct {
			Code   string   `json:"gaia_code"`
			Errors []string `json:"errors"`
		} `json:"domains"`
	}
	if r.code != 1 || json.Unmarshal([]byte(r.stdout), &out) != nil || len(out.Domains) != 1 ||
		out.Domains[0].Code != "A99" ||
		!strings.Contains(strings.Join(out.Domains[0].Errors, " "), "lacks A99_Formations_20270110.csv, A99_Intervenants_20270110.csv, A99_Stagiaires_20270110.csv") {
		t.Fatalf("scan with no file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
