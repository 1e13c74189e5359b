package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/refusal"
	"github.com/magistere/bridge/internal/store"
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
	// A kind no worker handles, or a domain not configured, would wait in
	// the queue for ever: refused, with the kinds listed.
	if r = run("jobs", "submit", "--kind", "nope.kind"); r.code != 2 || !strings.Contains(r.stderr, "diagnostic.record") {
		t.Errorf("unknown kind: %+v, want exit 2 listing the kinds", r)
	}
	if r = run("jobs", "submit", "--kind", "diagnostic.record", "--domain", "ac-nowhere"); r.code != 2 || !strings.Contains(r.stderr, "ac-nowhere") {
		t.Errorf("unknown domain: %+v, want exit 2 naming it", r)
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

// A job failed on a refusal: `jobs show` prints its code and both
// reasons, in text and in JSON.
func TestJobsShowPrintsARefusal(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "bridge.yaml", "data_dir: "+dir+"\n")
	ctx := context.Background()
	st, err := store.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	j, _, err := st.EnqueueJob(ctx, store.NewJob{Kind: "test.refused", MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	leased, err := st.LeaseJobs(ctx, "test", 1, time.Minute, []string{"test.refused"})
	if err != nil || len(leased) != 1 {
		t.Fatalf("lease: %v", err)
	}
	r := refusal.New("wrong_state", "pas depuis « %s »", "not from %s", "Gabarit")
	if err := st.FailJobRefused(ctx, leased[0].Lease(), r.Error(), r,
		store.AuditEntry{Actor: "test", Action: "job.failed", Target: j.Kind, JobID: j.ID, Outcome: "failed"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	run := func(args ...string) result {
		return runBridge(t, 30*time.Second, nil, append([]string{"--config", cfg}, args...)...)
	}
	out := run("jobs", "show", itoa64(j.ID))
	if out.code != 0 || !strings.Contains(out.stdout, "refused:   wrong_state") ||
		!strings.Contains(out.stdout, "fr: pas depuis « Gabarit »") || !strings.Contains(out.stdout, "en: not from Gabarit") {
		t.Fatalf("jobs show: %+v", out)
	}
	out = run("--format", "json", "jobs", "show", itoa64(j.ID))
	var shown struct{ Refusal refusal.Refusal }
	if out.code != 0 || json.Unmarshal([]byte(out.stdout), &shown) != nil || shown.Refusal != *r {
		t.Fatalf("jobs show --format json: %+v", out)
	}
}
