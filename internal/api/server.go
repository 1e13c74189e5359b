package api

// The signed JSON API the Moodle blocks call (through local_bridge's
// bridge_client, server-side only). Every route is behind the Verifier,
// then a per-domain rate limit; authorisation is decided here from the
// caller's roles read from Moodle itself, never from the request.

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/enrol"
	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/logging"
	"github.com/magistere/bridge/internal/refusal"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/workflow"
)

// Prefix is where the API lives on the daemon's mux.
const Prefix = "/api/v1/"

// Defaults of the limits on request bodies.
const (
	// DefaultMaxJSONBytes bounds every request that is not a CSV upload.
	DefaultMaxJSONBytes = 1 << 20
	// DefaultMaxUploadBytes: 20 MiB holds a few hundred thousand CSV rows,
	// more than an academy's largest GAIA export.
	DefaultMaxUploadBytes = 20 << 20
	// DefaultMaxUploads is how many uploads or previews run at once.
	DefaultMaxUploads = 4
)

// Deps are what the routes act on. Offer and Tracking are optional: their
// routes answer 501 until they are wired.
type Deps struct {
	Store    *store.Store
	Queue    *jobs.Queue
	Fleet    *domains.Fleet
	Workflow *workflow.Service
	Enrol    *enrol.Service
	Roles    RoleSource // nil: MoodleRoles over Fleet
	Offer    OfferService
	Tracking TrackingService
	Archive  ArchiveService // nil: no archive options in the workflow block
}

// Options tune the API; zero values take the defaults.
type Options struct {
	Secrets        func(domain string) ([]byte, bool)
	Nonces         NonceStore // nil: one process's memory
	MaxUploadBytes int64      // CSV uploads; default 20 MiB
	// MaxUploads bounds the uploads and previews read at once (default
	// 4): each holds its file in memory while the plan is made.
	MaxUploads    int
	MaxJSONBytes  int64 // everything else; default 1 MiB
	RatePerMinute int   // per domain; <= 0 means unlimited
	MaxSkew       time.Duration
	Now           func() time.Time
	Logger        *zerolog.Logger
}

// Server is the API's handler.
type Server struct {
	deps    Deps
	opts    Options
	log     zerolog.Logger
	limiter *RateLimiter
	handler http.Handler
	uploads chan struct{} // slots of the upload verifier
	// patterns are the routes as registered, for the CNIL walk test.
	patterns []string
}

// router is where the routes register: a ServeMux that remembers them.
type router interface {
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
}

type recordingMux struct {
	*http.ServeMux
	patterns *[]string
}

func (m recordingMux) HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request)) {
	*m.patterns = append(*m.patterns, pattern)
	m.ServeMux.HandleFunc(pattern, handler)
}

// Routes lists every route pattern of the API ("GET /api/v1/jobs/{id}"...).
func (s *Server) Routes() []string { return slices.Clone(s.patterns) }

// NewServer builds the API. Secrets is required.
func NewServer(deps Deps, opts Options) *Server {
	if opts.MaxUploadBytes <= 0 {
		opts.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if opts.MaxUploads <= 0 {
		opts.MaxUploads = DefaultMaxUploads
	}
	if opts.MaxJSONBytes <= 0 {
		opts.MaxJSONBytes = DefaultMaxJSONBytes
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Nonces == nil {
		opts.Nonces = NewMemoryNonceStore(0, opts.Now)
	}
	if deps.Roles == nil {
		deps.Roles = NewMoodleRoles(deps.Fleet, 30*time.Second, opts.Now)
	}
	s := &Server{deps: deps, opts: opts, log: zerolog.Nop(), limiter: NewRateLimiter(opts.RatePerMinute, opts.Now),
		uploads: make(chan struct{}, opts.MaxUploads)}
	if opts.Logger != nil {
		s.log = *opts.Logger
	}
	s.handler = s.build()
	return s
}

// Handler serves every route under Prefix.
func (s *Server) Handler() http.Handler { return s.handler }

// Register mounts the API on mux.
func (s *Server) Register(mux *http.ServeMux) { mux.Handle(Prefix, s.handler) }

// Verifier authenticates requests signed like the API's (same secrets,
// nonces and skew), for routes outside it such as /readyz?verbose=1.
func (s *Server) Verifier() *Verifier { return s.verifier(s.opts.MaxJSONBytes, false) }

// verifier for bodies up to maxBody; uploads stream their body to the
// handler and take one of the upload slots.
func (s *Server) verifier(maxBody int64, upload bool) *Verifier {
	o := VerifierOptions{MaxSkew: s.opts.MaxSkew, MaxBodyBytes: maxBody,
		Now: s.opts.Now, Nonces: s.opts.Nonces, Logger: &s.log}
	if upload {
		o.Stream, o.Slots = true, s.uploads
	}
	return NewVerifier(s.opts.Secrets, o)
}

// build stacks verifier -> rate limit -> audit -> routes. Uploads get their
// own verifier only for its larger body limit; both share the nonces.
func (s *Server) build() http.Handler {
	routes := recordingMux{ServeMux: http.NewServeMux(), patterns: &s.patterns}
	s.routesWorkflow(routes)
	s.routesEnrol(routes)
	s.routesJobs(routes)
	s.routesParticipants(routes)
	s.routesOffer(routes)
	s.routesTracking(routes)
	s.routesDigest(routes)
	inner := s.limit(s.auditMutations(routes))
	small, large := s.verifier(s.opts.MaxJSONBytes, false).Middleware(inner), s.verifier(s.opts.MaxUploadBytes, true).Middleware(inner)
	outer := http.NewServeMux()
	outer.Handle("POST "+Prefix+"courses/{course}/enrol/preview", large)
	outer.Handle("POST "+Prefix+"courses/{course}/enrol/apply", large)
	outer.Handle(Prefix, small)
	return outer
}

// limit answers 429 once a domain spent its requests of the minute.
func (s *Server) limit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := CallerFrom(r.Context())
		if ok, retry := s.limiter.Allow(c.Domain); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int((retry+time.Second-1)/time.Second)))
			writeError(w, http.StatusTooManyRequests, "rate_limited", nil)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// actor names the caller in audits and job requesters.
func actor(c Caller) string {
	if c.UserID == 0 {
		return "moodle:" + c.Domain
	}
	return "moodle:" + c.Domain + ":user:" + strconv.FormatInt(c.UserID, 10)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// writeError answers {"error": code, ...extra}. Codes are stable
// identifiers the blocks translate; details never include internals.
func writeError(w http.ResponseWriter, status int, code string, extra map[string]any) {
	body := map[string]any{"error": code}
	for k, v := range extra {
		body[k] = v
	}
	writeJSON(w, status, body)
}

// fail maps an internal error to a status without leaking its text.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	// Every feature refuses with the one type: 409 with the code and the
	// reason in French and English, never "internal".
	var ref *refusal.Refusal
	switch {
	case errors.As(err, &ref):
		writeError(w, http.StatusConflict, "refused", map[string]any{"refusal": ref})
		return
	case errors.Is(err, store.ErrConflict):
		// Someone else changed it first (two gestionnaires deciding the same request).
		writeError(w, http.StatusConflict, "conflict", nil)
		return
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", nil)
		return
	case errors.Is(err, context.Canceled):
		return
	}
	var sc interface{ StatusCode() int }
	if errors.As(err, &sc) && sc.StatusCode() >= 400 && sc.StatusCode() < 500 {
		writeError(w, sc.StatusCode(), strings.ReplaceAll(strings.ToLower(http.StatusText(sc.StatusCode())), " ", "_"), nil)
		return
	}
	setAuditDetail(r, err.Error())
	s.log.Warn().Err(err).Str("request_id", logging.RequestID(r.Context())).Str("path", clip(r.URL.Path, 200)).Msg("api request failed")
	if failure.IsRetryable(err) {
		w.Header().Set("Retry-After", "5")
		writeError(w, http.StatusServiceUnavailable, "unavailable", nil)
		return
	}
	writeError(w, http.StatusInternalServerError, "internal", nil)
}

// badRequest answers 400 with a stable code and a human message.
func badRequest(w http.ResponseWriter, code, msg string) {
	writeError(w, http.StatusBadRequest, code, map[string]any{"message": msg})
}

func pathInt(r *http.Request, name string) (int64, bool) {
	v, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return v, err == nil && v > 0
}

func decodeJSON(r *http.Request, dst any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}
