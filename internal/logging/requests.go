package logging

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

type requestIDKey struct{}

// RequestID returns the id AccessLog gave the request, "" outside one.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// validRequestID accepts a caller's X-Request-Id only when it is short and
// plain, so nothing odd reaches the logs.
// It is compiled on first use: its bounded repetition made it the costliest
// thing of this package's start, in every CLI command.
var validRequestID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`) })

// AccessLog gives every request an id (the caller's X-Request-Id when it is
// plain, otherwise a new one), returns it in X-Request-Id, puts it in the
// request's context and logs one line per request: method, path (never
// the query, which may carry a token), status, duration.
func AccessLog(log zerolog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID().MatchString(id) {
			b := make([]byte, 8)
			rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", id)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
		level := zerolog.DebugLevel
		if rec.status >= 500 {
			level = zerolog.WarnLevel
		} else if r.URL.Path != "/healthz" && r.URL.Path != "/readyz" && r.URL.Path != "/metrics" {
			level = zerolog.InfoLevel
		}
		log.WithLevel(level).Str("request_id", id).Str("method", r.Method).Str("path", r.URL.Path).
			Int("status", rec.status).Dur("duration", time.Since(start)).Msg("http request")
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
