package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// binPath is the bridge binary built once for the integration tests, which
// run it as operators do.
var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bridge-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "bridge")
	build := exec.Command("go", "build", "-o", binPath, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the bridge binary:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

// runBridge runs the binary with args and a clean BRIDGE_* environment.
func runBridge(t *testing.T, timeout time.Duration, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Env = append(cleanEnv(), env...)
	cmd.Dir = t.TempDir()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run bridge %v: %v", args, err)
	}
	return result{code, out.String(), errb.String()}
}

func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BRIDGE_") {
			env = append(env, kv)
		}
	}
	return env
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExitCodes(t *testing.T) {
	if r := runBridge(t, 30*time.Second, nil, "version"); r.code != 0 || !strings.Contains(r.stdout, "bridge ") {
		t.Errorf("version: %+v", r)
	}
	if r := runBridge(t, 30*time.Second, nil, "no-such-command"); r.code != 2 {
		t.Errorf("unknown command: exit %d, want 2", r.code)
	}
	if r := runBridge(t, 30*time.Second, nil, "jobs", "show", "abc"); r.code != 2 {
		t.Errorf("bad job id: exit %d, want 2 (%s)", r.code, r.stderr)
	}
	if r := runBridge(t, 30*time.Second, nil, "serve", "--help"); r.code != 0 || !strings.Contains(r.stdout, "--listen") {
		t.Errorf("serve --help: %+v", r)
	}
}

func TestConfigCheckRedactsSecrets(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "ac.token", "tok-from-file-5e5e5e\n")
	cfg := writeFile(t, dir, "bridge.yaml", `
data_dir: `+dir+`
store:
  dsn: bridge:store-pass-9a9a@tcp(127.0.0.1:3306)/bridge
domains:
  - name: ac-a
    wwwroot: https://moodle.example/ac-a
    token_file: ac.token
    secret: domain-secret-1b1b1b-0123456789abcdef0123
    db_dsn: ro:db-pass-2c2c@tcp(db:3306)/moodle
`)
	r := runBridge(t, 30*time.Second, []string{"BRIDGE_DOMAIN_AC_A_SECRET=env-secret-3d3d3d-0123456789abcdef01234"}, "--config", cfg, "config", "check")
	if r.code != 0 {
		t.Fatalf("config check: exit %d: %s", r.code, r.stderr)
	}
	for _, secret := range []string{"tok-from-file-5e5e5e", "store-pass-9a9a", "domain-secret-1b1b1b", "env-secret-3d3d3d", "db-pass-2c2c"} {
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("config check printed secret %q", secret)
		}
	}
	if !strings.Contains(r.stdout, `"token": "********"`) || !strings.Contains(r.stdout, "https://moodle.example/ac-a") {
		t.Errorf("config check output lacks the redacted token or the wwwroot:\n%s", r.stdout)
	}

	bad := writeFile(t, dir, "bad.yaml", "listen: nowhere\ndomains:\n  - name: x\n    wwwroot: https://x.example\n")
	r = runBridge(t, 30*time.Second, nil, "--config", bad, "config", "check")
	if r.code != 2 || !strings.Contains(r.stderr, "listen:") || !strings.Contains(r.stderr, "domains[0].token") {
		t.Errorf("bad config: exit %d, stderr %s", r.code, r.stderr)
	}
}

// TestDemoRunsAndLeaksNoSecret runs the whole demo with every log line
// printed and checks that the token and the domain secrets never appear.
func TestDemoRunsAndLeaksNoSecret(t *testing.T) {
	const token = "demo-token-0f1e2d3c4b5a"
	out := t.TempDir()
	r := runBridge(t, 5*time.Minute, []string{"BRIDGE_DEMO_TOKEN=" + token}, "demo", "--out", out, "--verbose")
	if r.code != 0 {
		t.Fatalf("demo failed: exit %d\nstdout:\n%s\nstderr (tail):\n%s", r.code, r.stdout, tail(r.stderr, 3000))
	}
	if !strings.Contains(r.stdout, "demo complete") {
		t.Fatalf("demo did not complete:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, `"level"`) {
		t.Fatalf("--verbose printed no log line; the leak check would be vacuous")
	}
	for _, secret := range []string{token, "demo-secret-national", "demo-secret-ac-a"} {
		if strings.Contains(r.stdout, secret) || strings.Contains(r.stderr, secret) {
			t.Errorf("demo output contains secret %q", secret)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "bridge.db")); err != nil {
		t.Errorf("demo --out did not keep the store: %v", err)
	}
	// Everything the demo writes that names people is private to its owner.
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".svg") {
			return err
		}
		if fi, err := d.Info(); err == nil && fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("demo output %s: mode %v, want 0600", p, fi.Mode().Perm())
		}
		return nil
	})
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
