package app_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/app"
	"github.com/magistere/bridge/internal/demo"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/moodlesim"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/tracking"
)

// firstReadFails answers 503 to the first sending of every distinct read
// (function and parameters) while on, and forwards everything else.
type firstReadFails struct {
	next   http.Handler
	mu     sync.Mutex
	on     bool
	seen   map[string]bool
	failed int
}

func (f *firstReadFails) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	form, _ := url.ParseQuery(string(body))
	fn := form.Get("wsfunction")
	f.mu.Lock()
	fail := f.on && moodle.IsRead(fn) && !f.seen[string(body)]
	if fail {
		f.seen[string(body)] = true
		f.failed++
	}
	f.mu.Unlock()
	if fail {
		http.Error(w, "503 Service Unavailable", http.StatusServiceUnavailable)
		return
	}
	f.next.ServeHTTP(w, r)
}

// TestServedJobRetriesReads: in `bridge serve` (app.Serve's pool), a job
// whose every Moodle read is answered 503 once succeeds at its first
// attempt: the job context retries transient reads with capped backoff
// (app.Open), as the CLI does, instead of spending one of the job's
// attempts per 503.
func TestServedJobRetriesReads(t *testing.T) {
	sim := moodlesim.New(moodlesim.Options{Sites: []string{demo.National, demo.AcademyA, demo.AcademyB}, Token: "rr-token"})
	faults := &firstReadFails{next: sim.Handler(), seen: map[string]bool{}}
	srv := httptest.NewServer(faults)
	t.Cleanup(srv.Close)
	cfg := demo.Config(t.TempDir(), srv.URL, "rr-token")
	cfg.Jobs.MaxAttempts = 5
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, cfg, zerolog.Nop(), app.Options{PollEvery: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	d, _ := a.Fleet.Get(demo.AcademyA)
	course, err := d.Client.CreateCourseOnce(ctx, moodle.CourseInput{FullName: "Session RR", ShortName: "RR-S1", CategoryID: 1})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { a.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done; a.Close() })

	faults.mu.Lock()
	faults.on = true
	faults.mu.Unlock()
	job, _, err := a.Queue.Submit(ctx, jobs.Spec{Kind: tracking.KindSync, Domain: demo.AcademyA,
		Payload: tracking.SyncPayload{CourseIDs: []int64{int64(course.ID)}}})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		j, err := a.Store.GetJob(ctx, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if j.State == store.JobSucceeded || j.State == store.JobFailed {
			job = j
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d still %s after 30s (attempt %d): %s", j.ID, j.State, j.Attempts, j.LastError)
		}
		time.Sleep(20 * time.Millisecond)
	}
	faults.mu.Lock()
	failed := faults.failed
	faults.mu.Unlock()
	if failed < 1 {
		t.Fatalf("no read answered 503 (%d): the test proves nothing", failed)
	}
	if job.State != store.JobSucceeded || job.Attempts != 1 {
		t.Fatalf("job %s after %d attempt(s), want succeeded at the first (last error: %s)", job.State, job.Attempts, job.LastError)
	}
	t.Logf("%d reads answered 503 once each; the job succeeded at its first attempt", failed)
}
