package moodle

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/fence"
)

// TestLeaseLostWhileSendingSendsNothing: the lease is still valid when the
// client checks it before the call, and lost by the time the body is
// written (a worker frozen in between). The server must get no whole
// request, the caller a "not sent" error that is not retried, wrapping
// the lease's error.
func TestLeaseLostWhileSendingSendsNothing(t *testing.T) {
	var (
		mu       sync.Mutex
		whole    int
		cut      int
		requests int
	)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		mu.Lock()
		requests++
		if err != nil {
			cut++
		} else {
			whole++
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `[]`)
	}))
	defer ts.Close()
	c, err := New(Site{Name: "ac-a", WWWRoot: ts.URL, Token: "tok"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	taken := errors.New("taken over by another worker")
	var checks atomic.Int32
	ctx := fence.With(context.Background(), func(context.Context) error {
		if checks.Add(1) > 1 { // the check before the call passes, later ones fail
			return taken
		}
		return nil
	})
	users := make([]UserInput, 300) // a body of several buffers
	for i := range users {
		users[i] = UserInput{Username: strings.Repeat("u", 40), FirstName: "Prénom", LastName: "Nom", Email: "x@ac-a.fr", Auth: "shibboleth"}
	}
	_, err = c.CreateUsers(ctx, users)
	if err == nil || !errors.Is(err, taken) || !strings.Contains(err.Error(), "not sent") {
		t.Fatalf("want a not-sent error wrapping the lease's, got %v", err)
	}
	if failure.IsRetryable(err) {
		t.Fatalf("a lost lease must not be retried: %v", err)
	}
	if strings.Contains(err.Error(), "tok") {
		t.Fatalf("the error shows the token: %v", err)
	}
	mu.Lock()
	if whole != 0 {
		t.Fatalf("the server got %d whole request(s) (%d cut short) after the lease was lost", whole, cut)
	}

	t.Logf("first: requests %d cut %d", requests, cut)
	mu.Unlock()
	// With the lease held all along, the same call goes through whole.
	ok := fence.With(context.Background(), func(context.Context) error { return nil })
	if _, err := c.CreateUsers(ok, users[:2]); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if whole != 1 {
		t.Fatalf("%d whole request(s) with the lease held, want 1", whole)
	}
}

// TestCallsInFlightReuseConnections: a client with 4 calls in flight keeps
// its connections between rounds instead of opening new ones (Go's
// default transport keeps 2 idle per host).
func TestCallsInFlightReuseConnections(t *testing.T) {
	var conns atomic.Int32
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		time.Sleep(20 * time.Millisecond) // the 4 calls overlap
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"sitename":"x"}`)
	}))
	ts.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	ts.Start()
	defer ts.Close()
	c, err := New(Site{Name: "ac-a", WWWRoot: ts.URL, Token: "tok"}, Options{Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 5; round++ {
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.GetSiteInfo(context.Background()); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	if n := conns.Load(); n > 4 {
		t.Fatalf("%d connections opened for 5 rounds of 4 calls, want at most 4", n)
	}
}
