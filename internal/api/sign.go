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
//
// A sixth header, X-Bridge-Content-SHA256, announces hex(SHA-256(body)):
// the value the canonical string ends with, so it is signed without a
// change of format. With it the daemon checks the whole signature, the
// nonce included, before it reads a byte of the body, then streams the
// body against the announced hash. Requests without it (local_bridge 0.1,
// before 2025060206) are still accepted during this version: their body is
// spooled (at most 1 MiB in memory, the rest in a 0600 temporary file)
// before the signature can be checked. The next version refuses them.

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
	"hash"
	"io"
	"net/http"
	"os"
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
	// HeaderContentSHA256 is hex(SHA-256(body)), covered by the signature.
	HeaderContentSHA256 = "X-Bridge-Content-SHA256"
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

	// maxUnverifiedMemory is all the memory a request whose signature is
	// not yet checked may take: the body of a request without an announced
	// hash goes to a temporary file beyond it.
	maxUnverifiedMemory = 1 << 20
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
	// SiteLevel: local_bridge vouches that the user manages the whole
	// site (administrator, or category manager in the system context):
	// acting_as=site. Decisions that belong to the site (the domain's
	// offer requests) need it; a manager of one course is not enough.
	SiteLevel bool
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
	req.Header.Set(HeaderContentSHA256, BodyHash(body))
	return nil
}

// BodyHash is hex(SHA-256(body)), the last line of the canonical string
// and the value of X-Bridge-Content-SHA256.
func BodyHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
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
	return canonicalWithHash(method, uri, timestamp, nonce, domain, user, BodyHash(body))
}

func canonicalWithHash(method, uri, timestamp, nonce, domain, user, bodyHash string) string {
	var b strings.Builder
	for _, part := range []string{method, uri, timestamp, nonce, domain, user} {
		b.WriteString(part)
		b.WriteByte('\n')
	}
	b.WriteString(bodyHash)
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
	ReasonBodyHash       Reason = "body does not match its signed hash"
	ReasonBusy           Reason = "too many uploads in progress"
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
	// Stream hands the body to the handler as it arrives, hashed on the
	// way: a read that reaches the end of a body that does not match its
	// signed hash fails with ErrBodyHash, so a handler must read to the end
	// before it acts (uploads). Otherwise the body is read and checked
	// before the handler runs (at most MaxBodyBytes).
	Stream bool
	// Slots bounds the requests reading a body at once (uploads and
	// previews): a full channel answers 503. nil: no bound.
	Slots chan struct{}
	// TempDir receives the spooled bodies of requests without an
	// announced hash ("" = the system's).
	TempDir string
}

// Verifier authenticates signed requests.
type Verifier struct {
	secrets func(domain string) ([]byte, bool)
	opts    VerifierOptions
	log     zerolog.Logger
	legacy  sync.Map // domains already warned about unannounced hashes
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

// ErrBodyHash is what reading a streamed body returns at its end when the
// bytes do not match the signed X-Bridge-Content-SHA256.
var ErrBodyHash = reject(ReasonBodyHash, http.StatusUnauthorized, nil)

// Middleware authenticates each request before next sees it: next finds
// the Caller with CallerFrom and reads the body (checked, or streamed
// against its signed hash, see VerifierOptions.Stream).
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, release, err := v.Authenticate(w, r)
		if err != nil {
			v.refuse(w, r, err)
			return
		}
		defer release()
		next.ServeHTTP(w, r.WithContext(WithCaller(r.Context(), c)))
	})
}

// Authenticate checks r in order of cost: the headers (domain, user,
// timestamp, nonce and signature formats, a known domain, the skew), a
// free upload slot, then, when the body's hash is announced, the signature
// and the nonce before a byte of the body is read. On success r.Body is
// replaced by the checked body and release must be called once the
// handler is done with it.
func (v *Verifier) Authenticate(w http.ResponseWriter, r *http.Request) (Caller, func(), error) {
	noop := func() {}
	h, secret, err := v.precheck(r)
	if err != nil {
		return Caller{}, noop, err
	}
	release, err := v.acquire()
	if err != nil {
		return Caller{}, noop, err
	}
	var c Caller
	if h.bodyHash != "" {
		c, err = v.admitAnnounced(w, r, h, secret)
	} else {
		c, err = v.admitLegacy(w, r, h, secret)
	}
	if err != nil {
		release()
		return Caller{}, noop, err
	}
	if f, ok := r.Body.(*spooledBody); ok {
		return c, func() { f.Close(); release() }, nil
	}
	return c, release, nil
}

// precheck is every check that costs no body byte and no store access.
func (v *Verifier) precheck(r *http.Request) (signedHeaders, []byte, error) {
	if r.ContentLength > v.opts.MaxBodyBytes {
		return signedHeaders{}, nil, reject(ReasonBodyTooLarge, http.StatusRequestEntityTooLarge, nil)
	}
	h, err := parseSignedHeaders(r.Header)
	if err != nil {
		return h, nil, err
	}
	secret, ok := v.secrets(h.domain)
	if !ok || len(secret) == 0 {
		return h, nil, reject(ReasonUnknownDomain, http.StatusUnauthorized, nil)
	}
	now := v.opts.Now()
	if skew := now.Unix() - h.ts; skew > int64(v.opts.MaxSkew/time.Second) || -skew > int64(v.opts.MaxSkew/time.Second) {
		return h, nil, reject(ReasonSkew, http.StatusUnauthorized, nil)
	}
	return h, secret, nil
}

func (v *Verifier) acquire() (func(), error) {
	if v.opts.Slots == nil {
		return func() {}, nil
	}
	select {
	case v.opts.Slots <- struct{}{}:
		var once sync.Once
		return func() { once.Do(func() { <-v.opts.Slots }) }, nil
	default:
		return nil, reject(ReasonBusy, http.StatusServiceUnavailable, nil)
	}
}

// admitAnnounced: signature and nonce first, then the body against the
// signed hash.
func (v *Verifier) admitAnnounced(w http.ResponseWriter, r *http.Request, h signedHeaders, secret []byte) (Caller, error) {
	c, err := v.checkSigned(r, h, secret, h.bodyHash)
	if err != nil {
		return c, err
	}
	want, _ := hex.DecodeString(h.bodyHash)
	body := &hashedBody{src: http.MaxBytesReader(w, bodyOf(r), v.opts.MaxBodyBytes), sum: sha256.New(), want: want}
	if v.opts.Stream {
		r.Body = body
		return c, nil
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return c, bodyError(err)
	}
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
	return c, nil
}

// admitLegacy reads the body before the signature can be checked: at most
// maxUnverifiedMemory of it in memory, the rest in a temporary file.
func (v *Verifier) admitLegacy(w http.ResponseWriter, r *http.Request, h signedHeaders, secret []byte) (Caller, error) {
	if _, warned := v.legacy.LoadOrStore(h.domain, true); !warned {
		v.log.Warn().Str("domain", h.domain).Msg("signed request without " + HeaderContentSHA256 +
			": update local_bridge on this site; this form is accepted by this version of the bridge only")
	}
	sp, err := spool(http.MaxBytesReader(w, bodyOf(r), v.opts.MaxBodyBytes), v.opts.TempDir)
	if err != nil {
		return Caller{}, bodyError(err)
	}
	c, err := v.checkSigned(r, h, secret, hex.EncodeToString(sp.sum))
	if err != nil {
		sp.Close()
		return c, err
	}
	r.Body, r.ContentLength = sp, sp.size
	return c, nil
}

// checkSigned verifies the HMAC over the canonical string ending with
// bodyHash, then records the nonce.
func (v *Verifier) checkSigned(r *http.Request, h signedHeaders, secret []byte, bodyHash string) (Caller, error) {
	canon := canonicalWithHash(r.Method, requestURI(r), h.timestamp, h.nonce, h.domain, h.user, bodyHash)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(canon))
	if !hmac.Equal(m.Sum(nil), h.signature) {
		return Caller{}, reject(ReasonBadSignature, http.StatusUnauthorized, nil)
	}
	// Only signed requests reach the nonce store, so forgeries cannot fill it.
	fresh, err := v.opts.Nonces.Remember(r.Context(), h.domain, h.nonce, v.opts.Now().Add(v.opts.NonceTTL))
	if err != nil {
		return Caller{}, reject(ReasonNonceStoreDown, http.StatusServiceUnavailable, err)
	}
	if !fresh {
		return Caller{}, reject(ReasonReplay, http.StatusUnauthorized, nil)
	}
	// The query is part of the signed URI, so acting_as cannot be added in transit.
	as := r.URL.Query().Get(ActingAsParam)
	return Caller{Domain: h.domain, UserID: h.userID,
		SiteManager: h.userID != 0 && (as == "manager" || as == "site"),
		SiteLevel:   h.userID != 0 && as == "site"}, nil
}

func bodyOf(r *http.Request) io.ReadCloser {
	if r.Body == nil {
		return http.NoBody
	}
	return r.Body
}

func bodyError(err error) error {
	var tooLarge *http.MaxBytesError
	var ae *AuthError
	switch {
	case errors.As(err, &tooLarge):
		return reject(ReasonBodyTooLarge, http.StatusRequestEntityTooLarge, nil)
	case errors.As(err, &ae):
		return ae
	}
	return reject(ReasonBodyRead, http.StatusBadRequest, err)
}

// hashedBody passes the body through and fails its end when the bytes do
// not hash to want.
type hashedBody struct {
	src  io.ReadCloser
	sum  hash.Hash
	want []byte
	done bool
}

func (b *hashedBody) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	n, err := b.src.Read(p)
	b.sum.Write(p[:n])
	if errors.Is(err, io.EOF) {
		if !hmac.Equal(b.sum.Sum(nil), b.want) {
			return n, ErrBodyHash
		}
		b.done = true
	}
	return n, err
}

func (b *hashedBody) Close() error { return b.src.Close() }

// spooledBody is a body read in full before its signature could be
// checked: in memory up to maxUnverifiedMemory, else in a temporary file
// removed on Close.
type spooledBody struct {
	io.Reader
	file *os.File
	sum  []byte
	size int64
}

func (s *spooledBody) Close() error {
	if s.file == nil {
		return nil
	}
	s.file.Close()
	err := os.Remove(s.file.Name())
	s.file = nil
	return err
}

func spool(src io.Reader, dir string) (*spooledBody, error) {
	sum := sha256.New()
	src = io.TeeReader(src, sum)
	head, err := io.ReadAll(io.LimitReader(src, maxUnverifiedMemory+1))
	if err != nil {
		return nil, err
	}
	if len(head) <= maxUnverifiedMemory {
		return &spooledBody{Reader: bytes.NewReader(head), sum: sum.Sum(nil), size: int64(len(head))}, nil
	}
	f, err := os.CreateTemp(dir, "bridge-body-*") // 0600
	if err != nil {
		return nil, fmt.Errorf("spool body: %w", err)
	}
	sp := &spooledBody{file: f}
	n, err := io.Copy(f, io.MultiReader(bytes.NewReader(head), src))
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		sp.Close()
		return nil, err
	}
	sp.Reader, sp.sum, sp.size = f, sum.Sum(nil), n
	return sp, nil
}

// refuse answers with a fixed body: the reason is only logged. The
// connection is closed without reading what is left of the body, so a
// refused request costs no more than its headers.
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
	if r.ContentLength != 0 {
		// A zero read deadline would mean none: use one in the past.
		http.NewResponseController(w).SetReadDeadline(time.Unix(1, 0))
		w.Header().Set("Connection", "close")
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": strings.ToLower(http.StatusText(status))})
}

type signedHeaders struct {
	domain, user, timestamp, nonce string
	bodyHash                       string // announced, lower-case; "" when absent
	signature                      []byte
	userID, ts                     int64
}

// Verify checks the signed headers of r against body, records its nonce
// and returns the caller, for tools that read the body themselves. An
// announced X-Bridge-Content-SHA256 must match body.
func (v *Verifier) Verify(r *http.Request, body []byte) (Caller, error) {
	h, secret, err := v.precheck(r)
	if err != nil {
		return Caller{}, err
	}
	sum := BodyHash(body)
	if h.bodyHash != "" && h.bodyHash != sum {
		return Caller{}, reject(ReasonBadSignature, http.StatusUnauthorized, nil)
	}
	return v.checkSigned(r, h, secret, sum)
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
	switch hashes := hdr.Values(HeaderContentSHA256); len(hashes) {
	case 0:
	case 1:
		h.bodyHash = strings.ToLower(hashes[0])
		if _, err := hex.DecodeString(h.bodyHash); err != nil || len(h.bodyHash) != 2*sha256.Size {
			return h, reject(ReasonMalformed, http.StatusUnauthorized, nil)
		}
	default:
		return h, reject(ReasonMissingHeader, http.StatusUnauthorized, nil)
	}
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
