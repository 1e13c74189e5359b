package app_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/app"
	"github.com/magistere/bridge/internal/config"
	"github.com/magistere/bridge/internal/demo"
	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/moodlesim"
	"github.com/magistere/bridge/internal/store"
)

// Every scheduled kind of the example configuration, with no domain named,
// runs once per bootstrapped domain and succeeds on fresh sites.
func TestScheduledKindsRunPerDomain(t *testing.T) {
	sim := moodlesim.New(moodlesim.Options{Sites: []string{demo.National, demo.AcademyA, demo.AcademyB}, Token: "sched-token"})
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	cfg := demo.Config(t.TempDir(), srv.URL, "sched-token")
	for _, kind := range []string{"workflow.reminders", "tracking.sync", "offer.check_modified", "archive.auto", "archive.retention"} {
		cfg.Schedules = append(cfg.Schedules, config.ScheduleCfg{Name: kind, Cron: "0 3 * * *", Kind: kind})
	}
	ctx := context.Background()
	a, err := app.Open(ctx, cfg, zerolog.Nop(), app.Options{PollEvery: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for _, d := range a.Fleet.All() {
		if _, err := domains.Bootstrap(ctx, d, a.Store); err != nil {
			t.Fatal(err)
		}
	}
	a.Sched.FireAll(ctx, time.Date(2026, 3, 2, 4, 0, 0, 0, time.UTC))
	a.Sched.FireAll(ctx, time.Date(2026, 3, 2, 5, 0, 0, 0, time.UTC)) // same period: no new job
	list, err := a.Store.ListJobs(ctx, store.JobFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 5*3 {
		t.Fatalf("%d jobs enqueued, want one per kind and domain (15)", len(list))
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { a.Pool.Run(runCtx); close(done) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(30 * time.Second)
	for _, j := range list {
		if j.Domain == "" {
			t.Errorf("job %d (%s) has no domain", j.ID, j.Kind)
		}
		for {
			got, err := a.Store.GetJob(ctx, j.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.State == store.JobSucceeded {
				break
			}
			if got.State == store.JobFailed || time.Now().After(deadline) {
				t.Fatalf("job %d (%s, %s) %s: %s", got.ID, got.Kind, got.Domain, got.State, got.LastError)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func TestUnknownScheduledKindIsAConfigError(t *testing.T) {
	cfg := demo.Config(t.TempDir(), "http://127.0.0.1:1", "x")
	cfg.Schedules = []config.ScheduleCfg{{Name: "typo", Cron: "0 3 * * *", Kind: "tracking.synk"}}
	_, err := app.Open(context.Background(), cfg, zerolog.Nop(), app.Options{})
	var ce *config.Error
	if err == nil || !errors.As(err, &ce) || ce.Key != "schedules.typo.kind" {
		t.Fatalf("want a config error on schedules.typo.kind, got %v", err)
	}
}

// The documented example configuration loads, and every job kind its
// schedules name exists.
func TestExampleConfigurationOpens(t *testing.T) {
	dir := t.TempDir()
	example, err := os.ReadFile("../../config/bridge.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "secrets"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"national.token", "national.secret", "ac-rennes.token", "ac-rennes.secret"} {
		if err := os.WriteFile(filepath.Join(dir, "secrets", name), []byte("secret-"+name+"-0123456789abcdef0123456789"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "bridge.yaml")
	if err := os.WriteFile(path, example, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path, []string{"BRIDGE_DATA_DIR=" + dir})
	if err != nil {
		t.Fatalf("example configuration: %v", err)
	}
	if len(cfg.Schedules) == 0 || len(cfg.Domains) != 2 {
		t.Fatalf("example lost its schedules or domains: %+v", cfg)
	}
	a, err := app.Open(context.Background(), cfg, zerolog.Nop(), app.Options{})
	if err != nil {
		t.Fatalf("open with the example configuration: %v", err)
	}
	a.Close()
}
