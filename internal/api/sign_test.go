package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/failure"
)

var (
	secretA  = []byte("secret-of-ac-a-0123456789abcdef")
	secretB  = []byte("secret-of-ac-b-fedcba9876543210")
	testNow  = time.Unix(1_760_000_000, 0)
	testKeys = map[string][]byte{"ac-a": secretA, "ac-b": secretB}
)

func lookupTestSecret(domain string) ([]byte, bool) {
	s, ok := testKeys[domain]
	return s, ok
}

func newTestVerifier(opts VerifierOptions) *Verifier {
	if opts.Now == nil {
		opts.Now = func() time.Time { return testNow }
	}
	return NewVerifier(lookupTestSecret, opts)
}

// signedRequest builds a request as an incoming server request (RequestURI
// set), signed by Sign for the given domain and secret.
func signedRequest(t testing.TB, method, target, domain string, secret, body []byte, at time.Time) *http.Request {
	t.Helper()
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	if err := Sign(req, domain, "42", secret, body, at); err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return req
}

func wantReason(t *testing.T, err error, want Reason) {
	t.Helper()
	var ae *AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("want rejection %q, got %v", want, err)
	}
	if ae.Reason != want {
		t.Fatalf("want reason %q, got %q", want, ae.Reason)
	}
}

func TestSignProducesTheDocumentedCanonicalString(t *testing.T) {
	body := []byte(`{"courseid":7}`)
	req := httptest.NewRequest("POST", "/api/v1/jobs?kind=backup&x=1", bytes.NewReader(body))
	if err := Sign(req, "ac-a", "42", secretA, body, testNow); err != nil {
		t.Fatal(err)
	}
	nonce := req.Header.Get(HeaderNonce)
	if len(nonce) != 32 || strings.ToLower(nonce) != nonce {
		t.Fatalf("nonce should be 16 bytes of lowercase hex, got %q", nonce)
	}
	if got := req.Header.Get(HeaderTimestamp); got != "1760000000" {
		t.Fatalf("timestamp %q", got)
	}
	// Written out by hand so that a change to CanonicalString breaks this test.
	canon := "POST\n/api/v1/jobs?kind=backup&x=1\n1760000000\n" + nonce + "\nac-a\n42\n" + sha256Hex(body)
	if got := req.Header.Get(HeaderSignature); got != hmacHex(secretA, canon) {
		t.Fatalf("signature %s does not match HMAC of the canonical string", got)
	}
}

func TestCanonicalStringWithoutQueryHasNoQuestionMark(t *testing.T) {
	got := CanonicalString("GET", "/api/v1/offer", "1", "ab", "d", "0", nil)
	want := "GET\n/api/v1/offer\n1\nab\nd\n0\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if got != want {
		t.Fatalf("canonical:\n%q\nwant\n%q", got, want)
	}
	req := httptest.NewRequest("GET", "/api/v1/offer", nil)
	req.URL.ForceQuery = true
	if err := Sign(req, "ac-a", "0", secretA, nil, testNow); err != nil {
		t.Fatal(err)
	}
	want = "GET\n/api/v1/offer\n1760000000\n" + req.Header.Get(HeaderNonce) + "\nac-a\n0\n" + sha256Hex(nil)
	if req.Header.Get(HeaderSignature) != hmacHex(secretA, want) {
		t.Fatal("an empty query must sign the bare path")
	}
}

func TestSignRejectsBadArguments(t *testing.T) {
	for name, tc := range map[string]struct {
		domain, user string
		secret       []byte
	}{
		"newline in domain": {"ac-a\nX", "1", secretA},
		"empty domain":      {"", "1", secretA},
		"negative user":     {"ac-a", "-1", secretA},
		"empty user":        {"ac-a", "", secretA},
		"empty secret":      {"ac-a", "1", nil},
	} {
		t.Run(name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/", nil)
			err := Sign(req, tc.domain, tc.user, tc.secret, nil, testNow)
			var se *SignError
			if !errors.As(err, &se) || failure.IsRetryable(err) {
				t.Fatalf("want a permanent SignError, got %v", err)
			}
			if req.Header.Get(HeaderSignature) != "" {
				t.Fatal("a failed Sign must not leave a signature")
			}
			if tc.secret != nil && strings.Contains(err.Error(), string(tc.secret)) {
				t.Fatal("secret in error")
			}
		})
	}
}

func echoCaller(t *testing.T) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := CallerFrom(r.Context())
		if !ok {
			t.Error("handler reached without a caller")
		}
		body, _ := io.ReadAll(r.Body)
		json.NewEncoder(w).Encode(map[string]any{"domain": c.Domain, "user": c.UserID, "body": string(body)})
	})
}

func serve(v *Verifier, h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	v.Middleware(h).ServeHTTP(rec, req)
	return rec
}

func TestMiddlewareAcceptsSignedRequestAndRestoresBody(t *testing.T) {
	v := newTestVerifier(VerifierOptions{})
	body := []byte(`{"courseid":7}`)
	rec := serve(v, echoCaller(t), signedRequest(t, "POST", "/api/v1/jobs?kind=backup", "ac-b", secretB, body, testNow))
	if rec.Code != 200 {
		t.Fatalf("status %d %s", rec.Code, rec.Body)
	}
	var got map[string]any
	json.Unmarshal(rec.Body.Bytes(), &got)
	if got["domain"] != "ac-b" || got["user"] != float64(42) || got["body"] != string(body) {
		t.Fatalf("handler saw %v", got)
	}
}

func TestMiddlewareAcceptsEmptyBodyAndSkewWithinLimit(t *testing.T) {
	v := newTestVerifier(VerifierOptions{MaxSkew: time.Minute})
	for _, at := range []time.Time{testNow.Add(-time.Minute), testNow.Add(time.Minute), testNow} {
		req := signedRequest(t, "GET", "/api/v1/offer", "ac-a", secretA, nil, at)
		if rec := serve(v, echoCaller(t), req); rec.Code != 200 {
			t.Fatalf("signed at %v: status %d", at.Sub(testNow), rec.Code)
		}
	}
}

func TestMiddlewareRejections(t *testing.T) {
	body := []byte(`{"courseid":7}`)
	good := func(t *testing.T) *http.Request {
		return signedRequest(t, "POST", "/api/v1/jobs?kind=backup", "ac-a", secretA, body, testNow)
	}
	withBody := func(r *http.Request, b string) *http.Request {
		r.Body = io.NopCloser(strings.NewReader(b))
		r.ContentLength = int64(len(b))
		return r
	}
	cases := []struct {
		name   string
		req    func(t *testing.T) *http.Request
		reason Reason
	}{
		{"tampered body", func(t *testing.T) *http.Request { return withBody(good(t), `{"courseid":8}`) }, ReasonBodyHash},
		{"tampered body, hash not announced", func(t *testing.T) *http.Request {
			r := withBody(good(t), `{"courseid":8}`)
			r.Header.Del(HeaderContentSHA256)
			return r
		}, ReasonBadSignature},
		{"tampered body and announced hash", func(t *testing.T) *http.Request {
			r := withBody(good(t), `{"courseid":8}`)
			r.Header.Set(HeaderContentSHA256, BodyHash([]byte(`{"courseid":8}`)))
			return r
		}, ReasonBadSignature},
		{"announced hash not hex", func(t *testing.T) *http.Request {
			r := good(t)
			r.Header.Set(HeaderContentSHA256, strings.Repeat("g", 64))
			return r
		}, ReasonMalformed},
		{"tampered path", func(t *testing.T) *http.Request { r := good(t); r.RequestURI = "/api/v1/other?kind=backup"; return r }, ReasonBadSignature},
		{"tampered query", func(t *testing.T) *http.Request { r := good(t); r.RequestURI = "/api/v1/jobs?kind=restore"; return r }, ReasonBadSignature},
		{"dropped query", func(t *testing.T) *http.Request { r := good(t); r.RequestURI = "/api/v1/jobs"; return r }, ReasonBadSignature},
		{"tampered method", func(t *testing.T) *http.Request { r := good(t); r.Method = "PUT"; return r }, ReasonBadSignature},
		{"tampered user", func(t *testing.T) *http.Request { r := good(t); r.Header.Set(HeaderUser, "2"); return r }, ReasonBadSignature},
		{"stale timestamp", func(t *testing.T) *http.Request {
			return signedRequest(t, "POST", "/x", "ac-a", secretA, body, testNow.Add(-301*time.Second))
		}, ReasonSkew},
		{"future timestamp", func(t *testing.T) *http.Request {
			return signedRequest(t, "POST", "/x", "ac-a", secretA, body, testNow.Add(301*time.Second))
		}, ReasonSkew},
		{"wrong secret", func(t *testing.T) *http.Request {
			return signedRequest(t, "POST", "/x", "ac-a", []byte("not-the-secret"), body, testNow)
		}, ReasonBadSignature},
		{"other domain's secret", func(t *testing.T) *http.Request {
			return signedRequest(t, "POST", "/x", "ac-a", secretB, body, testNow)
		}, ReasonBadSignature},
		{"domain swapped after signing", func(t *testing.T) *http.Request {
			r := signedRequest(t, "POST", "/x", "ac-b", secretB, body, testNow)
			r.Header.Set(HeaderDomain, "ac-a")
			return r
		}, ReasonBadSignature},
		{"unknown domain", func(t *testing.T) *http.Request {
			return signedRequest(t, "POST", "/x", "ac-z", secretA, body, testNow)
		}, ReasonUnknownDomain},
		{"short nonce", func(t *testing.T) *http.Request {
			r := good(t)
			r.Header.Set(HeaderNonce, "0123456789abcdef0123456789abcd")
			return r
		}, ReasonMalformed},
		{"non-hex nonce", func(t *testing.T) *http.Request {
			r := good(t)
			r.Header.Set(HeaderNonce, strings.Repeat("zz", 16))
			return r
		}, ReasonMalformed},
		{"signature not hex", func(t *testing.T) *http.Request {
			r := good(t)
			r.Header.Set(HeaderSignature, strings.Repeat("g", 64))
			return r
		}, ReasonMalformed},
		{"signed timestamp", func(t *testing.T) *http.Request {
			r := good(t)
			r.Header.Set(HeaderTimestamp, "+1760000000")
			return r
		}, ReasonMalformed},
		{"repeated header", func(t *testing.T) *http.Request {
			r := good(t)
			r.Header.Add(HeaderDomain, "ac-b")
			return r
		}, ReasonMissingHeader},
	}
	for _, h := range []string{HeaderDomain, HeaderUser, HeaderTimestamp, HeaderNonce, HeaderSignature} {
		cases = append(cases, struct {
			name   string
			req    func(t *testing.T) *http.Request
			reason Reason
		}{"missing " + h, func(t *testing.T) *http.Request { r := good(t); r.Header.Del(h); return r }, ReasonMissingHeader})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			logger := zerolog.New(&logs).Level(zerolog.DebugLevel)
			v := newTestVerifier(VerifierOptions{Logger: &logger})
			reached := false
			h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true })
			req := tc.req(t)
			rec := serve(v, h, req)
			if rec.Code != http.StatusUnauthorized || reached {
				t.Fatalf("status %d, handler reached %v", rec.Code, reached)
			}
			if got := strings.TrimSpace(rec.Body.String()); got != `{"error":"unauthorized"}` {
				t.Fatalf("401 body must carry no reason, got %q", got)
			}
			if !strings.Contains(logs.String(), string(tc.reason)) {
				t.Fatalf("debug log should give reason %q: %s", tc.reason, logs.String())
			}
			for _, s := range [][]byte{secretA, secretB} {
				if strings.Contains(logs.String(), string(s)) {
					t.Fatal("secret in log")
				}
			}
			if sig := req.Header.Get(HeaderSignature); sig != "" && strings.Contains(logs.String(), sig) {
				t.Fatal("signature in log")
			}
		})
	}
}

func TestVerifyReasons(t *testing.T) {
	// The same checks through Verify, asserting the exact reason.
	v := newTestVerifier(VerifierOptions{})
	req := signedRequest(t, "POST", "/x", "ac-a", secretA, []byte("a"), testNow)
	_, err := v.Verify(req, []byte("b"))
	wantReason(t, err, ReasonBadSignature)
	if failure.IsRetryable(err) {
		t.Fatal("a bad signature is permanent")
	}
	req = signedRequest(t, "POST", "/x", "ac-a", secretA, []byte("a"), testNow.Add(-time.Hour))
	_, err = v.Verify(req, []byte("a"))
	wantReason(t, err, ReasonSkew)
	if c, err := v.Verify(signedRequest(t, "POST", "/x", "ac-a", secretA, []byte("a"), testNow), []byte("a")); err != nil || c != (Caller{Domain: "ac-a", UserID: 42}) {
		t.Fatalf("good request: %v %v", c, err)
	}
}

// A signed acting_as=manager makes a site manager (a site administrator not
// enrolled in the course); added to a signed URI it breaks the signature;
// any other value, or none, makes none.
func TestVerifySiteManagerOnlyFromTheSignedQuery(t *testing.T) {
	v := newTestVerifier(VerifierOptions{})
	c, err := v.Verify(signedRequest(t, "GET", "/api/v1/courses/3/workflow?acting_as=manager&lang=fr", "ac-a", secretA, nil, testNow), nil)
	if err != nil || !c.SiteManager || c.UserID != 42 {
		t.Fatalf("signed acting_as=manager: %+v, %v", c, err)
	}
	for _, target := range []string{"/api/v1/courses/3/workflow?lang=fr", "/api/v1/courses/3/workflow?acting_as=admin"} {
		c, err := v.Verify(signedRequest(t, "GET", target, "ac-a", secretA, nil, testNow), nil)
		if err != nil || c.SiteManager {
			t.Errorf("%s: %+v, %v", target, c, err)
		}
	}
	req := signedRequest(t, "GET", "/api/v1/courses/3/workflow?lang=fr", "ac-a", secretA, nil, testNow)
	req.URL.RawQuery += "&acting_as=manager"
	req.RequestURI += "&acting_as=manager"
	if c, err := v.Verify(req, nil); err == nil {
		t.Fatalf("acting_as added after signing was accepted: %+v", c)
	}
}

func TestReplayedNonceIsRejected(t *testing.T) {
	v := newTestVerifier(VerifierOptions{})
	body := []byte(`{}`)
	req := signedRequest(t, "POST", "/x", "ac-a", secretA, body, testNow)
	replay := req.Clone(context.Background())
	replay.Body = io.NopCloser(bytes.NewReader(body))
	if rec := serve(v, echoCaller(t), req); rec.Code != 200 {
		t.Fatalf("first: %d", rec.Code)
	}
	rec := serve(v, echoCaller(t), replay)
	if rec.Code != 401 {
		t.Fatalf("replay: %d", rec.Code)
	}
	replay = req.Clone(context.Background())
	_, err := v.Verify(replay, body)
	wantReason(t, err, ReasonReplay)
}

func TestNonceIsPerDomainAndForgeriesDoNotBurnIt(t *testing.T) {
	store := NewMemoryNonceStore(10, func() time.Time { return testNow })
	v := newTestVerifier(VerifierOptions{Nonces: store})
	req := signedRequest(t, "POST", "/x", "ac-a", secretA, nil, testNow)
	forged := req.Clone(context.Background())
	forged.Header.Set(HeaderSignature, strings.Repeat("0", 64))
	if _, err := v.Verify(forged, nil); err == nil {
		t.Fatal("forgery accepted")
	}
	if store.Len() != 0 {
		t.Fatal("a forged request must not reach the nonce store")
	}
	if _, err := v.Verify(req, nil); err != nil {
		t.Fatalf("genuine request after a forgery with its nonce: %v", err)
	}
	// The same nonce from another domain is that domain's business.
	other := signedRequest(t, "POST", "/x", "ac-b", secretB, nil, testNow)
	other.Header.Set(HeaderNonce, req.Header.Get(HeaderNonce))
	canon := CanonicalString("POST", "/x", other.Header.Get(HeaderTimestamp), req.Header.Get(HeaderNonce), "ac-b", "42", nil)
	other.Header.Set(HeaderSignature, Signature(secretB, canon))
	if _, err := v.Verify(other, nil); err != nil {
		t.Fatalf("same nonce, other domain: %v", err)
	}
}

func TestBodyTooLargeIs413(t *testing.T) {
	v := newTestVerifier(VerifierOptions{MaxBodyBytes: 16})
	body := bytes.Repeat([]byte("x"), 17)
	req := signedRequest(t, "POST", "/x", "ac-a", secretA, body, testNow)
	if rec := serve(v, echoCaller(t), req); rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("declared length: %d", rec.Code)
	}
	// Chunked (unknown length): caught while reading.
	req = signedRequest(t, "POST", "/x", "ac-a", secretA, body, testNow)
	req.ContentLength = -1
	if rec := serve(v, echoCaller(t), req); rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("unknown length: %d", rec.Code)
	}
	req = signedRequest(t, "POST", "/x", "ac-a", secretA, body[:16], testNow)
	if rec := serve(v, echoCaller(t), req); rec.Code != 200 {
		t.Fatalf("at the limit: %d", rec.Code)
	}
}

type failingStore struct{}

func (failingStore) Remember(context.Context, string, string, time.Time) (bool, error) {
	return false, failure.Retryable(errors.New("database is down"))
}

func TestNonceStoreFailureIs503AndRetryable(t *testing.T) {
	v := newTestVerifier(VerifierOptions{Nonces: failingStore{}})
	req := signedRequest(t, "POST", "/x", "ac-a", secretA, nil, testNow)
	_, err := v.Verify(req, nil)
	wantReason(t, err, ReasonNonceStoreDown)
	if !failure.IsRetryable(err) {
		t.Fatal("an unavailable nonce store is retryable")
	}
	req = signedRequest(t, "POST", "/x", "ac-a", secretA, nil, testNow)
	if rec := serve(v, echoCaller(t), req); rec.Code != 503 || strings.Contains(rec.Body.String(), "database") {
		t.Fatalf("status %d body %s", rec.Code, rec.Body)
	}
}

func TestMemoryNonceStoreExpiresAndBounds(t *testing.T) {
	now := testNow
	s := NewMemoryNonceStore(2, func() time.Time { return now })
	ctx := context.Background()
	remember := func(n string) (bool, error) { return s.Remember(ctx, "d", n, now.Add(time.Minute)) }
	if ok, _ := remember("aa"); !ok {
		t.Fatal("first use")
	}
	if ok, _ := remember("AA"); ok {
		t.Fatal("case change must not make a nonce fresh")
	}
	if ok, _ := remember("bb"); !ok {
		t.Fatal("second nonce")
	}
	if _, err := remember("cc"); !errors.Is(err, ErrNonceStoreFull) || !failure.IsRetryable(err) {
		t.Fatalf("full store must fail closed and retryable, got %v", err)
	}
	now = now.Add(time.Minute)
	if ok, err := remember("aa"); !ok || err != nil {
		t.Fatalf("expired nonce should be forgotten: %v %v", ok, err)
	}
	if s.Len() != 1 {
		t.Fatalf("expired entries should be purged, len %d", s.Len())
	}
}

func TestNonceTTLCoversTheWholeSkewWindow(t *testing.T) {
	now := testNow
	clock := func() time.Time { return now }
	v := NewVerifier(lookupTestSecret, VerifierOptions{MaxSkew: time.Minute, NonceTTL: time.Second, Now: clock})
	// Signed a minute in the future: acceptable until now+2min.
	req := signedRequest(t, "POST", "/x", "ac-a", secretA, nil, now.Add(time.Minute))
	if _, err := v.Verify(req.Clone(context.Background()), nil); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2*time.Minute - time.Second)
	_, err := v.Verify(req.Clone(context.Background()), nil)
	wantReason(t, err, ReasonReplay)
}

func TestVerifierIsSafeForConcurrentUse(t *testing.T) {
	v := newTestVerifier(VerifierOptions{})
	req := signedRequest(t, "POST", "/x", "ac-a", secretA, nil, testNow)
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted := 0
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(r *http.Request) {
			defer wg.Done()
			if _, err := v.Verify(r, nil); err == nil {
				mu.Lock()
				accepted++
				mu.Unlock()
			}
		}(req.Clone(context.Background()))
	}
	wg.Wait()
	if accepted != 1 {
		t.Fatalf("one nonce sent 16 times concurrently was accepted %d times", accepted)
	}
}

func TestStripPrefixDoesNotBreakVerification(t *testing.T) {
	v := newTestVerifier(VerifierOptions{})
	h := http.StripPrefix("/api", v.Middleware(echoCaller(t)))
	req := signedRequest(t, "GET", "/api/v1/offer?q=a%20b", "ac-a", secretA, nil, testNow)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
}

func TestSignedRequestOverRealHTTP(t *testing.T) {
	v := newTestVerifier(VerifierOptions{Now: time.Now})
	srv := httptest.NewServer(v.Middleware(echoCaller(t)))
	defer srv.Close()
	body := []byte(`{"a":"é"}`)
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/x?b=1&a=%2F", bytes.NewReader(body))
	if err := Sign(req, "ac-a", "7", secretA, body, time.Now()); err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.Contains(string(out), `"user":7`) {
		t.Fatalf("%d %s", res.StatusCode, out)
	}
}

func BenchmarkVerify(b *testing.B) {
	v := NewVerifier(lookupTestSecret, VerifierOptions{})
	body := bytes.Repeat([]byte("x"), 1024)
	reqs := make([]*http.Request, b.N)
	for i := range reqs {
		reqs[i] = signedRequest(b, "POST", fmt.Sprintf("/x?i=%d", i), "ac-a", secretA, body, time.Now())
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := v.Verify(reqs[i], body); err != nil {
			b.Fatal(err)
		}
	}
}

// countingBody counts what the verifier reads of a body.
type countingBody struct {
	r io.Reader
	n int64
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countingBody) Close() error { return nil }

// TestCheapChecksComeBeforeTheBody: a request refused for its headers, its
// domain, its timestamp or (with an announced hash) its signature or nonce
// is refused without a byte of its body read, whatever size it declares.
func TestCheapChecksComeBeforeTheBody(t *testing.T) {
	huge := int64(7 << 20)
	body := []byte(`{"courseid":7}`)
	cases := map[string]func(r *http.Request){
		"unsigned":       func(r *http.Request) { r.Header = http.Header{} },
		"unknown domain": func(r *http.Request) { r.Header.Set(HeaderDomain, "ac-z") },
		"user not a number": func(r *http.Request) {
			r.Header.Set(HeaderUser, "admin")
		},
		"short nonce":   func(r *http.Request) { r.Header.Set(HeaderNonce, "abcd") },
		"stale":         func(r *http.Request) { r.Header.Set(HeaderTimestamp, "1700000000") },
		"bad signature": func(r *http.Request) { r.Header.Set(HeaderSignature, strings.Repeat("0", 64)) },
		"hash of another body": func(r *http.Request) {
			r.Header.Set(HeaderContentSHA256, BodyHash([]byte("something else")))
		},
	}
	for name, tamper := range cases {
		t.Run(name, func(t *testing.T) {
			v := newTestVerifier(VerifierOptions{})
			req := signedRequest(t, "POST", "/api/v1/jobs", "ac-a", secretA, body, testNow)
			tamper(req)
			cb := &countingBody{r: io.LimitReader(zeroReader{}, huge)}
			req.Body, req.ContentLength = cb, huge
			reached := false
			rec := serve(v, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true }), req)
			if rec.Code != http.StatusUnauthorized || reached {
				t.Fatalf("status %d, handler reached %v", rec.Code, reached)
			}
			if cb.n != 0 {
				t.Fatalf("%d bytes of the body read before the request was refused", cb.n)
			}
		})
	}
	// The replay of a valid request is refused before its body too.
	v := newTestVerifier(VerifierOptions{})
	req := signedRequest(t, "POST", "/api/v1/jobs", "ac-a", secretA, body, testNow)
	replay := req.Clone(req.Context())
	if rec := serve(v, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), req); rec.Code != http.StatusOK {
		t.Fatalf("first use: %d", rec.Code)
	}
	cb := &countingBody{r: bytes.NewReader(body)}
	replay.Body = cb
	if rec := serve(v, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), replay); rec.Code != http.StatusUnauthorized || cb.n != 0 {
		t.Fatalf("replay: status %d, %d body bytes read", rec.Code, cb.n)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestUnannouncedHashCostsAtMostOneMiBOfMemory: a request signed the
// local_bridge 0.1 way (no X-Bridge-Content-SHA256) is still accepted, and
// its body beyond 1 MiB waits in a 0600 temporary file, removed after the
// request, signed or not.
func TestUnannouncedHashCostsAtMostOneMiBOfMemory(t *testing.T) {
	dir := t.TempDir()
	body := bytes.Repeat([]byte("a;b;c\n"), 500_000) // 3 MB
	v := newTestVerifier(VerifierOptions{MaxBodyBytes: 8 << 20, TempDir: dir, Stream: true})
	req := signedRequest(t, "POST", "/api/v1/courses/2/enrol/preview", "ac-a", secretA, body, testNow)
	req.Header.Del(HeaderContentSHA256)
	var got []byte
	var spooled []os.DirEntry
	rec := serve(v, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := r.Body.(*spooledBody); !ok {
			t.Errorf("body of %T, want a spooled body", r.Body)
		}
		spooled, _ = os.ReadDir(dir)
		if len(spooled) == 1 {
			if fi, err := os.Stat(filepath.Join(dir, spooled[0].Name())); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("spool file mode: %v %v", fi.Mode(), err)
			}
		}
		got, _ = io.ReadAll(r.Body)
	}), req)
	if rec.Code != http.StatusOK || !bytes.Equal(got, body) {
		t.Fatalf("status %d, %d bytes of %d", rec.Code, len(got), len(body))
	}
	if len(spooled) != 1 {
		t.Fatalf("%d spool files during the request, want 1", len(spooled))
	}
	forged := signedRequest(t, "POST", "/api/v1/courses/2/enrol/preview", "ac-a", []byte("wrong-secret-0123456789abcdef0123"), body, testNow)
	forged.Header.Del(HeaderContentSHA256)
	if rec := serve(v, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("forgery reached the handler") }), forged); rec.Code != http.StatusUnauthorized {
		t.Fatalf("forgery: %d", rec.Code)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("%d spool files left after the requests", len(left))
	}
}

// TestStreamedBodyFailsAtItsEndWhenTampered: an upload is handed over as
// it arrives; reading it to the end reveals bytes that are not the signed
// ones.
func TestStreamedBodyFailsAtItsEndWhenTampered(t *testing.T) {
	body := []byte("email;nom\na@b.fr;A\n")
	v := newTestVerifier(VerifierOptions{Stream: true})
	req := signedRequest(t, "POST", "/api/v1/courses/2/enrol/preview", "ac-a", secretA, body, testNow)
	req.Body = io.NopCloser(strings.NewReader("email;nom\nx@y.fr;X\n"))
	var readErr error
	serve(v, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, readErr = io.ReadAll(r.Body) }), req)
	if !errors.Is(readErr, ErrBodyHash) {
		t.Fatalf("reading a tampered streamed body: %v, want ErrBodyHash", readErr)
	}
	req = signedRequest(t, "POST", "/api/v1/courses/2/enrol/preview", "ac-a", secretA, body, testNow)
	var got []byte
	serve(v, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got, readErr = io.ReadAll(r.Body) }), req)
	if readErr != nil || !bytes.Equal(got, body) {
		t.Fatalf("intact streamed body: %q %v", got, readErr)
	}
}

// TestUploadSlotsBoundConcurrentUploads: with every slot taken, the next
// signed upload gets 503 with Retry-After, before its body is read.
func TestUploadSlotsBoundConcurrentUploads(t *testing.T) {
	slots := make(chan struct{}, 1)
	v := newTestVerifier(VerifierOptions{Stream: true, Slots: slots})
	inside, leave := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(inside)
		<-leave
	})
	done := make(chan int)
	go func() {
		done <- serve(v, h, signedRequest(t, "POST", "/u", "ac-a", secretA, []byte("x"), testNow)).Code
	}()
	<-inside
	cb := &countingBody{r: strings.NewReader("y")}
	second := signedRequest(t, "POST", "/u", "ac-a", secretA, []byte("y"), testNow)
	second.Body = cb
	rec := serve(v, h, second)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" || cb.n != 0 {
		t.Fatalf("second upload while the slot is taken: %d, Retry-After %q, %d bytes read", rec.Code, rec.Header().Get("Retry-After"), cb.n)
	}
	close(leave)
	if code := <-done; code != http.StatusOK {
		t.Fatalf("first upload: %d", code)
	}
	if rec := serve(v, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), signedRequest(t, "POST", "/u", "ac-a", secretA, []byte("z"), testNow)); rec.Code != http.StatusOK {
		t.Fatalf("after the slot is released: %d", rec.Code)
	}
}
