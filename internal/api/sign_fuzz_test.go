package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"testing"
)

// sha256Hex and hmacHex are the test's own implementation of the signing
// primitives, so tests do not check the code against itself.
func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func hmacHex(key []byte, msg string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

// FuzzVerify builds requests from arbitrary header values, URIs and bodies,
// signed with the right secret, a wrong one, or a fuzzed signature, and
// optionally tampered after signing. Verify must never panic and must
// accept a request only if its signature header is the HMAC, with the
// domain's real secret, of the request as received.
func FuzzVerify(f *testing.F) {
	f.Add("POST", "/api/v1/jobs?kind=backup", "ac-a", "42", int64(0), "00112233445566778899aabbccddeeff", []byte(`{"a":1}`), uint8(0), "")
	f.Add("GET", "/x", "ac-b", "0", int64(-300), "ffeeddccbbaa99887766554433221100", []byte(nil), uint8(0), "")
	f.Add("GET", "/x", "ac-b", "0", int64(301), "ffeeddccbbaa99887766554433221100", []byte(nil), uint8(0), "")
	f.Add("POST", "/x?y", "ac-a", "1", int64(0), "00112233445566778899aabbccddeeff", []byte("body"), uint8(1), "")
	f.Add("POST", "/x?y", "ac-a", "1", int64(0), "00112233445566778899aabbccddeeff", []byte("body"), uint8(2), "")
	f.Add("POST", "/x?y", "ac-a", "1", int64(0), "00112233445566778899aabbccddeeff", []byte("body"), uint8(3), "")
	f.Add("POST", "/x", "ac-a", "1", int64(0), "00112233445566778899aabbccddeeff", []byte("b"), uint8(4), "00")
	f.Add("POST", "/x", "ac-a\nac-b", "1", int64(0), "0011", []byte("b"), uint8(0), "")
	f.Add("PUT", "http://evil/x?", "ac-z", "-1", int64(1<<40), "zz", []byte{0xff}, uint8(5), "sig")
	f.Add("", "", "", "", int64(0), "", []byte(nil), uint8(6), "")
	f.Fuzz(func(t *testing.T, method, uri, domain, user string, skew int64, nonce string, body []byte, mode uint8, fuzzSig string) {
		v := newTestVerifier(VerifierOptions{})
		req := &http.Request{Method: method, RequestURI: uri, URL: &url.URL{Path: "/"}, Header: http.Header{}}
		ts := strconv.FormatInt(testNow.Unix()+skew, 10)
		req.Header.Set(HeaderDomain, domain)
		req.Header.Set(HeaderUser, user)
		req.Header.Set(HeaderTimestamp, ts)
		req.Header.Set(HeaderNonce, nonce)
		// Mirror of Verify's URI normalisation, not its implementation.
		signedURI := uri
		if len(signedURI) > 0 && signedURI[len(signedURI)-1] == '?' {
			signedURI = signedURI[:len(signedURI)-1]
		}
		canon := method + "\n" + signedURI + "\n" + ts + "\n" + nonce + "\n" + domain + "\n" + user + "\n" + sha256Hex(body)
		key := testKeys[domain]
		switch mode % 7 {
		case 0, 1, 2, 3: // right secret, possibly tampered below
			req.Header.Set(HeaderSignature, hmacHex(key, canon))
		case 4:
			req.Header.Set(HeaderSignature, fuzzSig)
		case 5:
			req.Header.Set(HeaderSignature, hmacHex([]byte("wrong"), canon))
		case 6:
			req.Header.Set(HeaderSignature, hmacHex(secretA, canon)) // ac-a's secret whatever the domain
		}
		switch mode % 7 {
		case 1:
			body = append(append([]byte(nil), body...), 'x')
		case 2:
			req.RequestURI = uri + "&"
		case 3:
			req.Method = method + "X"
		}

		caller, err := v.Verify(req, body)
		if err != nil {
			return
		}
		got := req.Header.Get(HeaderSignature)
		receivedURI := req.RequestURI
		if len(receivedURI) == 0 || receivedURI[0] != '/' {
			receivedURI = req.URL.RequestURI()
		}
		if len(receivedURI) > 0 && receivedURI[len(receivedURI)-1] == '?' {
			receivedURI = receivedURI[:len(receivedURI)-1]
		}
		received := req.Method + "\n" + receivedURI + "\n" + ts + "\n" + nonce + "\n" + domain + "\n" + user + "\n" + sha256Hex(body)
		if len(key) == 0 || !hmac.Equal([]byte(lower(got)), []byte(hmacHex(key, received))) {
			t.Fatalf("accepted a request not signed with %q's secret (mode %d)", domain, mode%7)
		}
		if mode%7 != 0 && mode%7 != 6 {
			t.Fatalf("accepted a tampered or wrongly signed request (mode %d)", mode%7)
		}
		if skew > 300 || skew < -300 {
			t.Fatalf("accepted timestamp skew %d", skew)
		}
		if caller.Domain != domain || strconv.FormatInt(caller.UserID, 10) != trimZeros(user) {
			t.Fatalf("caller %+v for domain %q user %q", caller, domain, user)
		}
		if _, err := v.Verify(req, body); err == nil {
			t.Fatal("replay accepted")
		}
	})
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func trimZeros(s string) string {
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}
