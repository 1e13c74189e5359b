package logging

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAccessLogGivesEveryRequestAnID(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, Options{})
	var seen string
	h := AccessLog(log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = RequestID(r.Context())
		w.WriteHeader(http.StatusTeapot)
	}))

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/jobs/3?token=secret-in-query", nil))
	id := rec.Header().Get("X-Request-Id")
	if len(id) != 16 || seen != id {
		t.Fatalf("id %q, handler saw %q", id, seen)
	}
	line := buf.String()
	for _, want := range []string{`"request_id":"` + id + `"`, `"status":418`, `"path":"/api/v1/jobs/3"`} {
		if !strings.Contains(line, want) {
			t.Errorf("log line lacks %s: %s", want, line)
		}
	}
	if strings.Contains(line, "secret-in-query") {
		t.Errorf("the query string reached the log: %s", line)
	}

	req := httptest.NewRequest("GET", "/x", nil)
	req.Header.Set("X-Request-Id", "moodle-abc-12345")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Header().Get("X-Request-Id") != "moodle-abc-12345" {
		t.Errorf("a plain caller id must be kept: %q", rec.Header().Get("X-Request-Id"))
	}
	req.Header.Set("X-Request-Id", "bad id\nwith newline")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if got := rec.Header().Get("X-Request-Id"); strings.Contains(got, " ") || len(got) != 16 {
		t.Errorf("an odd caller id must be replaced: %q", got)
	}
}
