package moodlesim

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/moodle"
)

// resetClient is the bridge's own client on base (a site or a proxy).
func resetClient(t *testing.T, base string) *moodle.Client {
	t.Helper()
	c, err := moodle.New(moodle.Site{Name: "ac-x", WWWRoot: base, Token: testToken},
		moodle.Options{Timeout: 5 * time.Second, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkReset: a call whose connection is closed without an answer fails
// with a retryable transport error, before (nothing done) or after (the
// write committed) the call ran; the create-once path then leaves exactly
// one course either way.
// backend answers clean reads; retryVia, when set, is a clean way in for
// the create-once retry.
func checkReset(t *testing.T, front, backend, retryVia string, after bool) {
	t.Helper()
	c := resetClient(t, front)
	ctx := context.Background()
	_, err := c.CreateCourses(ctx, []moodle.CourseInput{{FullName: "Reset", ShortName: "RESET-1", CategoryID: 1}})
	var te *moodle.TransportError
	if !errors.As(err, &te) || !failure.IsRetryable(err) {
		t.Fatalf("a reset connection: want a retryable transport error, got %T %v", err, err)
	}
	direct := resetClient(t, backend)
	got, err := direct.GetCoursesByField(ctx, "shortname", "RESET-1")
	if err != nil {
		t.Fatal(err)
	}
	if want := map[bool]int{false: 0, true: 1}[after]; len(got) != want {
		t.Fatalf("after=%v: %d course(s) once the connection was reset, want %d", after, len(got), want)
	}
	if retryVia == "" {
		return
	}
	// What a job's retry does: look up by natural key, create if missing.
	if _, err := resetClient(t, retryVia).CreateCourseOnce(ctx, moodle.CourseInput{FullName: "Reset", ShortName: "RESET-1", CategoryID: 1}); err != nil {
		t.Fatal(err)
	}
	if got, _ := direct.GetCoursesByField(ctx, "shortname", "RESET-1"); len(got) != 1 {
		t.Fatalf("after=%v: %d courses after the retry, want exactly 1", after, len(got))
	}
}

func TestFaultResetBeforeAndAfterTheCall(t *testing.T) {
	for _, tc := range []struct {
		spec  FaultSpec
		after bool
	}{{FaultSpec{Reset: 1, WritesOnly: true, Seed: 1}, false}, {FaultSpec{ResetAfter: 1, WritesOnly: true, Seed: 1}, true}} {
		// Writes only: the checks' reads pass.
		s := newTestSite(t, Options{Faults: tc.spec})
		checkReset(t, s.base, s.base, "", tc.after)
		if n := s.srv.FaultCounts(); n["reset"]+n["reset_after"] != 1 {
			t.Fatalf("fault counts %v", n)
		}
	}
}

func TestFaultProxyResetBeforeAndAfterTheCall(t *testing.T) {
	for spec, after := range map[string]bool{"reset=1,writes": false, "reset_after=1,writes": true} {
		backend, front, p := proxied(t, spec)
		checkReset(t, front.base, backend.base, backend.base, after)
		if n := p.FaultCounts(); n["reset"]+n["reset_after"] != 1 {
			t.Fatalf("%s: fault counts %v", spec, n)
		}
	}
}
