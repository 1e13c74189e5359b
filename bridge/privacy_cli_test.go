package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestPrivacyPurgeCLI: the dry run and the purge answer counts, the purge
// is audited with the operator as actor, and a retention of 0 is refused
// with a sentence.
func TestPrivacyPurgeCLI(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "bridge.yaml", "data_dir: "+dir+"\nprivacy:\n  retention_days: 30\n")
	for _, args := range [][]string{{"--dry-run"}, nil} {
		r := runBridge(t, time.Minute, nil, append([]string{"--config", cfg, "--format", "json", "privacy", "purge"}, args...)...)
		var res struct {
			DryRun bool           `json:"dry_run"`
			Before time.Time      `json:"before"`
			Counts map[string]int `json:"counts"`
		}
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &res) != nil || res.DryRun != (args != nil) ||
			time.Since(res.Before) < 29*24*time.Hour || len(res.Counts) == 0 {
			t.Fatalf("privacy purge %v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}
	if r := runBridge(t, time.Minute, nil, "--config", cfg, "--format", "json", "audit", "list", "--action", "privacy.purge"); r.code != 0 ||
		strings.Count(r.stdout, `"privacy.purge"`) != 1 || !strings.Contains(r.stdout, `"cli:`) {
		t.Errorf("the purge is not in the audit:\n%s", r.stdout)
	}
	off := writeFile(t, dir, "off.yaml", "data_dir: "+dir+"\nprivacy:\n  retention_days: 0\n")
	if r := runBridge(t, time.Minute, nil, "--config", off, "privacy", "purge"); r.code != 2 || !strings.Contains(r.stderr, "retention_days") {
		t.Fatalf("retention 0: exit %d %s", r.code, r.stderr)
	}
}
