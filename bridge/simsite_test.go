package main

import "testing"

// simSite starts a simulator serving one site, ac-a, and writes a
// configuration for it in a new data directory. extra holds more keys of
// the domain, as YAML lines indented by four spaces (or "").
func simSite(t *testing.T, token, extra string) (sim *proc, dir, cfg string) {
	t.Helper()
	sim = startBridge(t, nil, "moodlesim", "--listen", "127.0.0.1:0", "--token", token, "--sites", "ac-a")
	dir = t.TempDir()
	cfg = writeFile(t, dir, "bridge.yaml", `
data_dir: `+dir+`
domains:
  - name: ac-a
    wwwroot: http://`+sim.addr+`
    token: `+token+`
    zone: A
`+extra)
	return sim, dir, cfg
}
