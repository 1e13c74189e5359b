package moodle

import (
	"errors"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

// FuzzEncodeDecodeParams: a batch built from arbitrary field names and
// values survives EncodeParams -> form body -> DecodeForm unchanged, so what
// we send is what PHP rebuilds. Names PHP would read as nesting or as list
// indexes are not field names Moodle uses and are skipped.
func FuzzEncodeDecodeParams(f *testing.F) {
	f.Add("email", "anne.martin@ac-a.fr", "firstname", "Anne-Émilie", 3)
	f.Add("customfields", "a&b=c", "idnumber", "", 1)
	f.Add("lastname", "d'Alembert %20+", "auth", "shibboleth", 101)
	f.Add("x", "\x00\xff", "y", "🙂", 0)
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string, rows int) {
		if !plainName(k1) || !plainName(k2) || k1 == k2 {
			t.Skip()
		}
		rows = rows%50 + 1
		if rows <= 0 {
			rows += 50
		}
		list := make([]any, rows)
		for i := range list {
			list[i] = map[string]any{k1: v1 + strconv.Itoa(i), k2: v2}
		}
		in := Params{"users": list, "wsfunction": "core_user_create_users"}
		pairs, err := EncodeParams(in)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		form, err := url.ParseQuery(FormBody(pairs))
		if err != nil {
			t.Fatalf("our own form body does not parse: %v", err)
		}
		flat := map[string]string{}
		for k, vs := range form {
			if len(vs) != 1 {
				t.Fatalf("key %q sent %d times", k, len(vs))
			}
			flat[k] = vs[0]
		}
		out, err := DecodeForm(flat)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if !reflect.DeepEqual(map[string]any(out), map[string]any(in)) {
			t.Fatalf("round trip changed the params:\n in  %#v\n out %#v", in, out)
		}
	})
}

// plainName is a field name with no PHP array syntax and not a number.
func plainName(s string) bool {
	if s == "" || strings.ContainsAny(s, "[]") {
		return false
	}
	_, err := strconv.Atoi(s)
	return err != nil
}

// FuzzDecodeFormNeverPanics: arbitrary recorded bodies either decode or
// fail with an error, and a decoded form encodes back to a fixed point.
func FuzzDecodeFormNeverPanics(f *testing.F) {
	f.Add("users[0][email]=a%40b.fr&users[0][auth]=manual&wsfunction=core_user_create_users")
	f.Add("a[=1&b]=2&c[0][1][=3")
	f.Add("a=1&a[0]=2&criteria[0][key]=email")
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		flat := map[string]string{}
		for k, vs := range form {
			if strings.HasPrefix(k, "[") || k == "" {
				continue
			}
			flat[k] = vs[0]
		}
		p, err := DecodeForm(flat)
		if err != nil || len(p) == 0 {
			return
		}
		pairs, err := EncodeParams(p)
		if err != nil {
			t.Fatalf("a decoded form does not encode: %v", err)
		}
		again := map[string]string{}
		for _, kv := range pairs {
			again[kv.Key] = kv.Value
		}
		p2, err := DecodeForm(again)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if !reflect.DeepEqual(p, p2) {
			t.Fatalf("not a fixed point:\n %#v\n %#v", p, p2)
		}
	})
}

func isIndex(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

const fuzzToken = "fuzz0123456789abcdef0123456789ab"

// FuzzDecodeAnswer feeds arbitrary HTTP answers to the response decoder:
// it never panics, every error carries a retry verdict of a known type,
// and the token never reaches an error's text even when the body echoes it.
func FuzzDecodeAnswer(f *testing.F) {
	f.Add(200, "application/json", []byte(`[{"id":12,"username":"anne"}]`))
	f.Add(200, "application/json", []byte(`{"exception":"invalid_parameter_exception","errorcode":"invalidparameter","message":"Invalid parameter value detected","debuginfo":"wstoken=`+fuzzToken+`"}`))
	f.Add(200, "application/json", []byte(`{"exception":null,"errorcode":null}`))
	f.Add(200, "application/xml", []byte(`<?xml version="1.0"?><EXCEPTION class="moodle_exception"><ERRORCODE>invalidtoken</ERRORCODE><MESSAGE>Invalid token `+fuzzToken+`</MESSAGE></EXCEPTION>`))
	f.Add(200, "text/html", []byte(`<html><body>Fatal error `+fuzzToken+`</body></html>`))
	f.Add(503, "text/html", []byte(`Service Unavailable`))
	f.Add(500, "application/json", []byte(`null`))
	f.Add(200, "application/json", []byte(``))
	f.Add(200, "application/json", []byte(`{"error":"x","errorcode":"y","stacktrace":null}`))
	f.Add(404, "", []byte(`{"users":[`))
	c, err := New(Site{Name: "ac-fuzz", WWWRoot: "http://127.0.0.1:1", Token: fuzzToken}, Options{Logger: zerolog.Nop()})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, status int, ctype string, body []byte) {
		status = 100 + abs(status)%500
		var users []CreatedUser
		for _, out := range []any{&users, nil} {
			err := c.decodeAnswer("core_user_create_users", status, ctype, body, out)
			if err == nil {
				if status != 200 {
					t.Fatalf("status %d accepted as success", status)
				}
				continue
			}
			checkClassified(t, err)
		}
	})
}

func checkClassified(t *testing.T, err error) {
	t.Helper()
	var me *Error
	var he *HTTPError
	var de *DecodeError
	if !errors.As(err, &me) && !errors.As(err, &he) && !errors.As(err, &de) {
		t.Fatalf("unclassified error %T: %v", err, err)
	}
	if strings.Contains(err.Error(), fuzzToken) {
		t.Fatalf("token in error text: %v", err)
	}
	// A verdict exists for every type; 5xx and 429 must be retryable.
	if he != nil && (he.StatusCode >= 500 || he.StatusCode == 429) && !he.Retryable() {
		t.Fatalf("HTTP %d not retryable", he.StatusCode)
	}
	if de != nil && de.Retryable() {
		t.Fatalf("an undecodable answer is retryable: %v", err)
	}
}

func abs(n int) int {
	if n < 0 {
		if n == -n { // math.MinInt
			return 0
		}
		return -n
	}
	return n
}
