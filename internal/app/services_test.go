package app

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/config"
)

// mariaDSN is the test MariaDB (see the project's test notes), used here
// as a domain's "Moodle database" only to open and close a pool.
const mariaDSN = "root@tcp(127.0.0.1:3306)/mysql"

// lines is a log sink the test can read while the workers write to it.
type lines struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lines) has(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Contains(l.buf.String(), s)
}

type testApp struct {
	*App
	logged *lines
}

func openTestApp(t *testing.T) testApp {
	t.Helper()
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.Domains = []config.Domain{{Name: "ac-a", WWWRoot: "http://127.0.0.1:1/ac-a", Token: "tok-0123456789abcdef",
		Secret: "secret-0123456789abcdef", Zone: "A", MaxInputVars: 5000, Concurrency: 1, Timeout: time.Second,
		Roles: config.DefaultRoles, Unknown: "reject", CreateAuth: "manual", DBPrefix: "mdl_", DBDSN: mariaDSN}}
	logged := &lines{}
	a, err := Open(context.Background(), &cfg, zerolog.New(logged), Options{PollEvery: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return testApp{a, logged}
}

// TestServicesAreBuiltOnceAndShared: the API's dependencies are the very
// instances the CLI's commands and the demo take from App (a.Workflow,
// a.Offer…); bridge's TestServicesAreBuiltOnlyByApp checks nobody builds
// another.
func TestServicesAreBuiltOnceAndShared(t *testing.T) {
	a := openTestApp(t)
	defer a.Close()
	if a.Workflow == nil || a.Offer == nil || a.Tracking == nil || a.Archive == nil {
		t.Fatalf("Open left a service unbuilt: %+v", a.Services)
	}
	deps := a.apiDeps()
	if deps.Workflow != a.Workflow {
		t.Error("the API's workflow service is not the app's")
	}
	if o, ok := deps.Offer.(offerAPI); !ok || o.svc != a.Offer {
		t.Error("the API's offer service is not the app's")
	}
	if tr, ok := deps.Tracking.(trackingAPI); !ok || tr.svc != a.Tracking {
		t.Error("the API's tracking service is not the app's")
	}
	if ar, ok := deps.Archive.(archiveAPI); !ok || ar.svc != a.Archive {
		t.Error("the API's archive service is not the app's")
	}
	if NewArchiveService(a.App) != a.Archive {
		t.Error("NewArchiveService builds a second archive service")
	}
	if deps2 := a.apiDeps(); deps2.Workflow != deps.Workflow || deps2.Offer.(offerAPI).svc != a.Offer {
		t.Error("a second API gets other services")
	}
}

// TestCloseReleasesWhatAppOpened: after Close the workers StartWorkers
// began have stopped, the domain's database pool and the store are closed.
func TestCloseReleasesWhatAppOpened(t *testing.T) {
	a := openTestApp(t)
	ctx := context.Background()
	d, err := a.Fleet.Get("ac-a")
	if err != nil {
		t.Fatal(err)
	}
	db, err := d.Database()
	if err != nil || db == nil {
		t.Fatalf("domain database: %v", err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("the domain's pool does not answer before Close: %v", err)
	}
	a.StartWorkers(ctx)
	for deadline := time.Now().Add(10 * time.Second); !a.logged.has("worker pool started"); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the workers StartWorkers began never ran")
		}
	}
	// A second Run answers "already running" while the started one runs.
	probe, cancelProbe := context.WithCancel(ctx)
	cancelProbe()
	if err := a.Pool.Run(probe); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Fatalf("a second Run while the workers run: %v, want already running", err)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := a.Pool.Run(probe); err != nil {
		t.Errorf("the workers still run after Close: %v", err)
	}
	if err := db.Ping(ctx); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("the domain's database pool after Close: %v, want closed", err)
	}
	if err := a.Store.Ping(ctx); err == nil {
		t.Error("the store still answers after Close")
	}
}
