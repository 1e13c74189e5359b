package api

// Signed requests between the Moodle plugins (local_bridge) and the daemon.
//
// Every request carries five headers; the signature is
//
//	hex(HMAC-SHA256(secret, METHOD "\n" URI "\n" TIMESTAMP "\n" NONCE "\n" DOMAIN "\n" USER "\n" hex(SHA-256(body))))
//
// where URI is the request URI as sent (path, then "?" and the raw query
// only when the query is not empty). The PHP twin lives in
// moodle-plugins/local/bridge/classes/signer.php: change both or neither.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/failure"
)

// Header names of a signed request.
const (
	HeaderDomain    = "X-Bridge-Domain"
	HeaderUser      = "X-Bridge-User"
	HeaderTimestamp = "X-Bridge-Timestamp"
	HeaderNonce     = "X-Bridge-Nonce"
	HeaderSignature = "X-Bridge-Signature"
)

const (
	nonceBytes    = 16  // what Sign generates and the minimum Verify accepts
	maxNonceHex   = 128 // bounds the nonce cache's memory per entry
	maxDomainLen  = 253
	maxUserDigits = 19 // fits an int64
	maxTSDigits   = 12 // seconds until year 33658: no overflow in skew arithmetic

	DefaultMaxSkew      = 300 * time.Second
	DefaultMaxBodyBytes = 8 << 20 // Moodle's own default post_max_size
	DefaultNonceEntries = 1 << 20
)

// Caller is the authenticated origin of a request: which Moodle site signed
// it, and the Moodle user id acting there (0 for the site itself, e.g. cron).
type Caller struct {
	Domain string
	UserID int64
	// SiteManager: local_bridge vouches that this user manages the course
	// from above it (a site administrator, or a manager at category level),
	// which course enrolments cannot show. It is the signed query parameter
	// acting_as=manager: whoever holds the domain's secret already names
	// the user, so this asks for no more trust than the user id does.
	SiteManager bool
}

// ActingAsParam is the signed query parameter by which local_bridge says
// the user manages the course from the site or its category.
const ActingAsParam = "acting_as"

type callerKey struct{}

// WithCaller returns ctx carrying c; the Verifier does this, and handler
// tests can use it to fake an authenticated request.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the authenticated caller the Verifier stored in ctx.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// SignError reports a request that could not be signed.
type SignError struct {
	Reason string
	Err    error
}

func (e *SignError) Error() string {
	if e.Err != nil {
		return "api: sign request: " + e.Reason + ": " + e.Err.Error()
	}
	return "api: sign request: " + e.Reason
}

func (e *SignError) Unwrap() error { return e.Err }

// Retryable: bad arguments never improve; a failing random source might.
func (e *SignError) Retryable() bool { return e.Err != nil }

// Sign adds the five X-Bridge-* headers to req. body must be exactly the
// bytes req will send (Sign does not touch req.Body). user is the acting
// Moodle user id in decimal ("0" for the site itself).
func Sign(req *http.Request, domain, user string, secret []byte, body []byte, now time.Time) error {
	if !validDomain(domain) {
		return &SignError{Reason: "invalid domain"}
	}
	if !allDigits(user, maxUserDigits) {
		return &SignError{Reason: "invalid user id"}
	}
	if len(secret) == 0 {
		return &SignError{Reason: "empty secret"}
	}
	nonce, err := NewNonce()
	if err != nil {
		return &SignError{Reason: "nonce", Err: err}
	}
	// The Go client would send "/p?" for ForceQuery; the canonical form has no '?'.
	req.URL.ForceQuery = false
	ts := strconv.FormatInt(now.Unix(), 10)
	canon := CanonicalString(req.Method, req.URL.RequestURI(), ts, nonce, domain, user, body)
	req.Header.Set(HeaderDomain, domain)
	req.Header.Set(HeaderUser, user)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderNonce, nonce)
	req.Header.Set(HeaderSignature, Signature(secret, canon))
	return nil
}

// NewNonce returns 16 random bytes in lowercase hex.
func NewNonce() (string, error) {
	b := make([]byte, nonceBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random nonce: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// CanonicalString is the text the signature covers.
func CanonicalString(method, uri, timestamp, nonce, domain, user string, body []byte) string {
	sum := sha256.Sum256(body)
	var b strings.Builder
	for _, part := range []string{method, uri, timestamp, nonce, domain, user} {
		b.WriteString(part)
		b.WriteByte('\n')
	}
	b.WriteString(hex.EncodeToString(sum[:]))
	return b.String()
}

// Signature is hex(HMAC-SHA256(secret, canonical)).
func Signature(secret []byte, canonical string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(canonical))
	return hex.EncodeToString(m.Sum(nil))
}

// Reason says why a request was rejected. It goes to debug logs and to
// tests, never to the client: telling an attacker which check failed helps
// them.
type Reason string

const (
	ReasonMissingHeader  Reason = "missing or repeated header"
	ReasonMalformed      Reason = "malformed header"
	ReasonUnknownDomain  Reason = "unknown domain"
	ReasonSkew           Reason = "timestamp outside the allowed skew"
	ReasonBadSignature   Reason = "bad signature"
	ReasonReplay         Reason = "nonce already used"
	ReasonBodyTooLarge   Reason = "body too large"
	ReasonBodyRead       Reason = "body read failed"
	ReasonNonceStoreDown Reason = "nonce store unavailable"
)

// AuthError is a rejected request: Status is the HTTP status to answer.
type AuthError struct {
	Reason Reason
	Status int
	Err    error
}

func (e *AuthError) Error() string {
	if e.Err != nil {
		return "api: request rejected: " + string(e.Reason) + ": " + e.Err.Error()
	}
	return "api: request rejected: " + string(e.Reason)
}

func (e *AuthError) Unwrap() error { return e.Err }

// Retryable: only an unavailable nonce store or a broken body read can go
// away by themselves; a bad signature stays bad.
func (e *AuthError) Retryable() bool {
	return e.Status == http.StatusServiceUnavailable || e.Reason == ReasonBodyRead
}

func reject(reason Reason, status int, err error) *AuthError {
	return &AuthError{Reason: reason, Status: status, Err: err}
}

// NonceStore remembers nonces until they expire. The in-memory store only
// protects one process: several `bridge serve` replicas behind a load
// balancer need a shared store (the store package can provide one over its
// database), otherwise a request replayed to another replica is accepted.
type NonceStore interface {
	// Remember records (domain, nonce) until expires and reports false when
	// it was already recorded and has not expired: a replay.
	Remember(ctx context.Context, domain, nonce string, expires time.Time) (fresh bool, err error)
}

// ErrNonceStoreFull is returned when the memory store holds its maximum
// of unexpired nonces. Failing closed is deliberate: evicting a live nonce
// would make its request replayable.
var ErrNonceStoreFull = failure.Retryable(errors.New("api: nonce store full"))

// MemoryNonceStore is a bounded NonceStore for a single process, safe for
// concurrent use.
type MemoryNonceStore struct {
	mu      sync.Mutex
	max     int
	now     func() time.Time
	expires map[string]time.Time
	order   []nonceEntry // insertion order, which is expiry order for a fixed TTL
	head    int
}

type nonceEntry struct {
	key     string
	expires time.Time
}

// NewMemoryNonceStore holds at most maxEntries unexpired nonces (<= 0 means
// DefaultNonceEntries). now may be nil for time.Now.
func NewMemoryNonceStore(maxEntries int, now func() time.Time) *MemoryNonceStore {
	if maxEntries <= 0 {
		maxEntries = DefaultNonceEntries
	}
	if now == nil {
		now = time.Now
	}
	return &MemoryNonceStore{max: maxEntries, now: now, expires: map[string]time.Time{}}
}

// Remember implements NonceStore.
func (s *MemoryNonceStore) Remember(_ context.Context, domain, nonce string, expires time.Time) (bool, error) {
	key := domain + "\n" + strings.ToLower(nonce)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.purge(now)
	if exp, ok := s.expires[key]; ok && now.Before(exp) {
		return false, nil
	}
	if len(s.expires) >= s.max {
		return false, ErrNonceStoreFull
	}
	s.expires[key] = expires
	s.order = append(s.order, nonceEntry{key: key, expires: expires})
	return true, nil
}

// Len reports how many nonces are held (expired ones included until the
// next Remember purges them).
func (s *MemoryNonceStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.expires)
}

// purge drops expired entries from the front of the insertion queue. An
// entry whose expiry is later than a younger one's (a clock step back)
// only delays the purge; it never drops a live nonce.
func (s *MemoryNonceStore) purge(now time.Time) {
	for s.head < len(s.order) && !now.Before(s.order[s.head].expires) {
		e := s.order[s.head]
		if exp, ok := s.expires[e.key]; ok && exp.Equal(e.expires) {
			delete(s.expires, e.key)
		}
		s.order[s.head] = nonceEntry{}
		s.head++
	}
	if s.head > 1024 && s.head*2 > len(s.order) {
		s.order = append([]nonceEntry(nil), s.order[s.head:]...)
		s.head = 0
	}
}

// VerifierOptions tunes a Verifier; zero values take the defaults.
type VerifierOptions struct {
	MaxSkew      time.Duration // default 300s, either way
	NonceTTL     time.Duration // default and minimum 2*MaxSkew
	MaxBodyBytes int64         // default 8 MiB
	Now          func() time.Time
	Nonces       NonceStore      // default an in-memory store
	Logger       *zerolog.Logger // rejections are logged at debug level
}

// Verifier authenticates signed requests.
type Verifier struct {
	secrets func(domain string) ([]byte, bool)
	opts    VerifierOptions
	log     zerolog.Logger
}

// NewVerifier returns a Verifier that looks each domain's shared secret up
// with secrets.
func NewVerifier(secrets func(domain string) ([]byte, bool), opts VerifierOptions) *Verifier {
	if opts.MaxSkew <= 0 {
		opts.MaxSkew = DefaultMaxSkew
	}
	// A nonce must outlive every instant its timestamp is acceptable
	// (up to ts+MaxSkew, with ts up to now+MaxSkew), or it could be replayed.
	if opts.NonceTTL < 2*opts.MaxSkew {
		opts.NonceTTL = 2 * opts.MaxSkew
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Nonces == nil {
		opts.Nonces = NewMemoryNonceStore(0, opts.Now)
	}
	log := zerolog.Nop()
	if opts.Logger != nil {
		log = *opts.Logger
	}
	return &Verifier{secrets: secrets, opts: opts, log: log}
}

// Middleware authenticates each request before next sees it: next finds
// the Caller with CallerFrom and can read the body again.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := v.readBody(w, r)
		if err == nil {
			var c Caller
			if c, err = v.Verify(r, body); err == nil {
				r.Body = io.NopCloser(bytes.NewReader(body))
				r.ContentLength = int64(len(body))
				next.ServeHTTP(w, r.WithContext(WithCaller(r.Context(), c)))
				return
			}
		}
		v.refuse(w, r, err)
	})
}

func (v *Verifier) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > v.opts.MaxBodyBytes {
		return nil, reject(ReasonBodyTooLarge, http.StatusRequestEntityTooLarge, nil)
	}
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, v.opts.MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, reject(ReasonBodyTooLarge, http.StatusRequestEntityTooLarge, nil)
	}
	if err != nil {
		return nil, reject(ReasonBodyRead, http.StatusBadRequest, err)
	}
	return body, nil
}

// refuse answers with a fixed body: the reason is only logged.
func (v *Verifier) refuse(w http.ResponseWriter, r *http.Request, err error) {
	status, reason := http.StatusUnauthorized, Reason("unexpected error")
	var ae *AuthError
	if errors.As(err, &ae) {
		status, reason = ae.Status, ae.Reason
	}
	// Header values are attacker-chosen: bound what goes to the log.
	v.log.Debug().Str("reason", string(reason)).Int("status", status).
		Str("domain", clip(r.Header.Get(HeaderDomain), 64)).
		Str("method", clip(r.Method, 16)).Str("path", clip(r.URL.Path, 200)).
		Str("remote", r.RemoteAddr).Msg("signed request rejected")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": strings.ToLower(http.StatusText(status))})
}

type signedHeaders struct {
	domain, user, timestamp, nonce string
	signature                      []byte
	userID, ts                     int64
}

// Verify checks the signed headers of r against body, records its nonce
// and returns the caller. It is what Middleware runs; tools that read the
// body themselves may call it directly.
func (v *Verifier) Verify(r *http.Request, body []byte) (Caller, error) {
	h, err := parseSignedHeaders(r.Header)
	if err != nil {
		return Caller{}, err
	}
	secret, ok := v.secrets(h.domain)
	if !ok || len(secret) == 0 {
		return Caller{}, reject(ReasonUnknownDomain, http.StatusUnauthorized, nil)
	}
	now := v.opts.Now()
	if skew := now.Unix() - h.ts; skew > int64(v.opts.MaxSkew/time.Second) || -skew > int64(v.opts.MaxSkew/time.Second) {
		return Caller{}, reject(ReasonSkew, http.StatusUnauthorized, nil)
	}
	canon := CanonicalString(r.Method, requestURI(r), h.timestamp, h.nonce, h.domain, h.user, body)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(canon))
	if !hmac.Equal(m.Sum(nil), h.signature) {
		return Caller{}, reject(ReasonBadSignature, http.StatusUnauthorized, nil)
	}
	// Only signed requests reach the nonce store, so forgeries cannot fill it.
	fresh, err := v.opts.Nonces.Remember(r.Context(), h.domain, h.nonce, now.Add(v.opts.NonceTTL))
	if err != nil {
		return Caller{}, reject(ReasonNonceStoreDown, http.StatusServiceUnavailable, err)
	}
	if !fresh {
		return Caller{}, reject(ReasonReplay, http.StatusUnauthorized, nil)
	}
	// The query is part of the signed URI, so acting_as cannot be added in transit.
	return Caller{Domain: h.domain, UserID: h.userID,
		SiteManager: h.userID != 0 && r.URL.Query().Get(ActingAsParam) == "manager"}, nil
}

func parseSignedHeaders(hdr http.Header) (signedHeaders, error) {
	var h signedHeaders
	fields := []struct {
		name string
		dst  *string
	}{{HeaderDomain, &h.domain}, {HeaderUser, &h.user}, {HeaderTimestamp, &h.timestamp},
		{HeaderNonce, &h.nonce}, {HeaderSignature, new(string)}}
	for _, f := range fields {
		vals := hdr.Values(f.name)
		if len(vals) != 1 || vals[0] == "" {
			return h, reject(ReasonMissingHeader, http.StatusUnauthorized, nil)
		}
		*f.dst = vals[0]
	}
	sig := hdr.Get(HeaderSignature)
	var err error
	switch {
	case !validDomain(h.domain), !allDigits(h.user, maxUserDigits), !allDigits(h.timestamp, maxTSDigits),
		!validNonce(h.nonce), len(sig) != 2*sha256.Size:
		return h, reject(ReasonMalformed, http.StatusUnauthorized, nil)
	}
	if h.signature, err = hex.DecodeString(sig); err != nil {
		return h, reject(ReasonMalformed, http.StatusUnauthorized, nil)
	}
	if h.userID, err = strconv.ParseInt(h.user, 10, 64); err != nil {
		return h, reject(ReasonMalformed, http.StatusUnauthorized, nil)
	}
	h.ts, _ = strconv.ParseInt(h.timestamp, 10, 64) // at most 12 digits: cannot fail
	return h, nil
}

// requestURI is the URI as the client sent it: it survives http.StripPrefix
// and other rewrites of r.URL that happen after the bytes were signed.
func requestURI(r *http.Request) string {
	uri := r.RequestURI
	if !strings.HasPrefix(uri, "/") { // absolute-form or a request built in a test
		uri = r.URL.RequestURI()
	}
	return strings.TrimSuffix(uri, "?")
}

// validDomain accepts host-name-like identifiers: no separators that could
// make two different header sets produce the same canonical string.
func validDomain(s string) bool {
	if s == "" || len(s) > maxDomainLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' || c == ':') {
			return false
		}
	}
	return true
}

func allDigits(s string, maxLen int) bool {
	if s == "" || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func validNonce(s string) bool {
	if len(s) < 2*nonceBytes || len(s) > maxNonceHex || len(s)%2 != 0 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
