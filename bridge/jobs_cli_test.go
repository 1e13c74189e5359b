package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestJobsCommands drives the durable queue from the CLI on the embedded
// store: submit (twice with one key), list, show, cancel, retry.
func TestJobsCommands(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "bridge.yaml", "data_dir: "+dir+"\n")
	run := func(args ...string) result {
		return runBridge(t, 30*time.Second, nil, append([]string{"--config", cfg}, args...)...)
	}
	r := run("--format", "json", "jobs", "submit", "--kind", "diagnostic.record", "--key", "k1", "--payload", `{"sleep_ms":1}`)
	var sub struct {
		ID      int64
		Created bool
		State   string
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &sub) != nil || !sub.Created || sub.State != "queued" {
		t.Fatalf("submit: %+v", r)
	}
	r = run("jobs", "submit", "--kind", "diagnostic.record", "--key", "k1")
	if r.code != 0 || !strings.Contains(r.stdout, "already exists") {
		t.Fatalf("second submit with the same key: %+v", r)
	}
	if r = run("jobs", "submit", "--kind", "x", "--payload", "{not json"); r.code != 2 {
		t.Errorf("invalid payload: exit %d, want 2", r.code)
	}
	r = run("jobs", "list", "--state", "queued")
	if r.code != 0 || !strings.Contains(r.stdout, "diagnostic.record") || strings.Count(r.stdout, "\n") != 2 {
		t.Fatalf("list: %+v", r)
	}
	id := itoa64(sub.ID)
	if r = run("jobs", "cancel", id); r.code != 0 || !strings.Contains(r.stdout, "cancelled") {
		t.Fatalf("cancel: %+v", r)
	}
	if r = run("jobs", "cancel", id); r.code != 1 {
		t.Errorf("cancelling a cancelled job must fail: %+v", r)
	}
	if r = run("jobs", "retry", id); r.code != 0 || !strings.Contains(r.stdout, "queued again") {
		t.Fatalf("retry: %+v", r)
	}
	r = run("--format", "json", "jobs", "show", id)
	var shown struct {
		State string
		Kind  string
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &shown) != nil || shown.State != "queued" || shown.Kind != "diagnostic.record" {
		t.Fatalf("show: %+v", r)
	}
	if r = run("jobs", "show", "999"); r.code != 1 || !strings.Contains(r.stderr, "not found") {
		t.Errorf("show of a missing job: %+v", r)
	}
}

func itoa64(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
