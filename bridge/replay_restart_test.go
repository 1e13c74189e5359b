package main

import (
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/api"
)

// TestReplayAfterRestartRefused: with the default SQLite store, a signed
// request captured and replayed after `bridge serve` restarted is refused:
// the nonces are kept in the store, not in the process.
func TestReplayAfterRestartRefused(t *testing.T) {
	const token = "replay-token-abcdef0123456789"
	const secret = "replay-shared-secret-0123456789abcdef"
	sim := startBridge(t, nil, "moodlesim", "--listen", "127.0.0.1:0", "--token", token, "--sites", "ac-a")
	dir := t.TempDir()
	cfg := writeFile(t, dir, "bridge.yaml", `
data_dir: `+dir+`
domains:
  - name: ac-a
    wwwroot: http://`+sim.addr+`
    token: `+token+`
    secret: `+secret+`
    zone: A
`)
	if r := runBridge(t, time.Minute, nil, "--config", cfg, "domains", "bootstrap"); r.code != 0 {
		t.Fatalf("bootstrap: %s", r.stderr)
	}
	send := func(addr string, req *http.Request) int {
		t.Helper()
		req.URL.Host = addr
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	req, _ := http.NewRequest("GET", "http://placeholder/api/v1/offer", nil)
	if err := api.Sign(req, "ac-a", "2", []byte(secret), nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	first := startBridge(t, nil, "--config", cfg, "serve", "--listen", "127.0.0.1:0")
	if code := send(first.addr, req.Clone(req.Context())); code == http.StatusUnauthorized {
		t.Fatalf("the first use of a signed request: %d", code)
	}
	first.kill(syscall.SIGTERM)
	first.wait(t, 30*time.Second)
	second := startBridge(t, nil, "--config", cfg, "serve", "--listen", "127.0.0.1:0")
	if code := send(second.addr, req.Clone(req.Context())); code != http.StatusUnauthorized {
		t.Fatalf("the same signed request after a restart: %d, want 401", code)
	}
}
