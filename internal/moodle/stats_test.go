package moodle

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestStatsRecordLatencyPerFunction(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.Form.Get("wsfunction") == "slow_fn" {
			time.Sleep(60 * time.Millisecond)
		}
		if r.Form.Get("wsfunction") == "broken_fn" {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, nil, Options{})
	ctx := context.Background()
	for range 3 {
		c.Call(ctx, "fast_fn", nil, nil)
	}
	c.Call(ctx, "slow_fn", nil, nil)
	if err := c.Call(ctx, "broken_fn", nil, nil); err == nil {
		t.Fatal("a 503 should be an error")
	}
	s := c.Stats()
	if h := s.Latency["fast_fn"]; h.Count != 3 {
		t.Fatalf("fast_fn latency count %d, want 3", h.Count)
	}
	slow := s.Latency["slow_fn"]
	if slow.Count != 1 || slow.Sum < 0.06 {
		t.Fatalf("slow_fn latency %+v, want one call of at least 60 ms", slow)
	}
	// The 0.05 s bucket must not hold the 60 ms call.
	for i, b := range slow.Bounds {
		if b <= 0.05 && slow.Counts[i] != 0 {
			t.Fatalf("60 ms call counted under le=%v", b)
		}
	}
	if s.Latency["broken_fn"].Count != 1 || s.Errors["broken_fn"] != 1 {
		t.Fatalf("failed calls are timed too: %+v", s)
	}
}
