package moodle

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/failure"
)

func serverAnswering(t *testing.T, status int, ctype, body string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ctype != "" {
			w.Header().Set("Content-Type", ctype)
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestNonJSONAnswers(t *testing.T) {
	cases := []struct {
		name      string
		status    int
		ctype     string
		body      string
		retryable bool
		check     func(error) bool
	}{
		{"html page", 200, "text/html", "<html><body>Site under upgrade " + testToken + "</body></html>", false,
			func(err error) bool { var de *DecodeError; return errors.As(err, &de) }},
		{"empty 200", 200, "application/json", "", false,
			func(err error) bool { var de *DecodeError; return errors.As(err, &de) }},
		{"truncated json", 200, "application/json", `{"sitename": "x`, false,
			func(err error) bool { var de *DecodeError; return errors.As(err, &de) }},
		{"empty 403", 403, "text/html", "", false,
			func(err error) bool { var he *HTTPError; return errors.As(err, &he) && he.StatusCode == 403 }},
		{"404", 404, "text/html", "<h1>Not found</h1>", false,
			func(err error) bool { var he *HTTPError; return errors.As(err, &he) }},
		{"502", 502, "text/html", "<h1>Bad gateway</h1>", true,
			func(err error) bool { var he *HTTPError; return errors.As(err, &he) }},
		{"429", 429, "", "", true,
			func(err error) bool { var he *HTTPError; return errors.As(err, &he) }},
		{"xml invalidtoken (post_max_size)", 200, "application/xml",
			"<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<EXCEPTION class=\"moodle_exception\">\n<ERRORCODE>invalidtoken</ERRORCODE>\n<MESSAGE>Invalid token - token not found</MESSAGE>\n</EXCEPTION>\n", false,
			func(err error) bool { return IsBodyDropped(err) && strings.Contains(err.Error(), "post_max_size") }},
		{"dml exception", 200, "application/json", `{"exception":"dml_read_exception","errorcode":"dmlreadexception","message":"Error reading from database"}`, true,
			func(err error) bool { return IsErrorCode(err, "dmlreadexception") }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := serverAnswering(t, tc.status, tc.ctype, tc.body)
			c := newTestClient(t, srv.URL, nil, Options{})
			err := c.Call(context.Background(), fnGetSiteInfo, nil, &SiteInfo{})
			if err == nil || !tc.check(err) {
				t.Fatalf("unexpected error %T %v", err, err)
			}
			if failure.IsRetryable(err) != tc.retryable {
				t.Errorf("retryable = %v, want %v", failure.IsRetryable(err), tc.retryable)
			}
			msg := err.Error()
			if !strings.Contains(msg, "test") || !strings.Contains(msg, fnGetSiteInfo) || strings.Contains(msg, testToken) {
				t.Errorf("error must name site and function, never the token: %s", msg)
			}
		})
	}
}

func TestTransportErrorsAreRetryable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hijackAndClose(w) }))
	defer srv.Close()
	c := newTestClient(t, srv.URL, nil, Options{})
	err := c.Call(context.Background(), fnGetSiteInfo, nil, nil)
	var te *TransportError
	if !errors.As(err, &te) || !failure.IsRetryable(err) {
		t.Fatalf("reset connection: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Call(ctx, fnGetSiteInfo, nil, nil); err == nil || failure.IsRetryable(err) {
		t.Fatalf("a cancelled call must not be retryable: %v", err)
	}
}

func TestPerCallTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c := newTestClient(t, srv.URL, nil, Options{Timeout: 50 * time.Millisecond})
	err := c.Call(context.Background(), fnGetSiteInfo, nil, nil)
	if !errors.Is(err, context.DeadlineExceeded) || !failure.IsRetryable(err) {
		t.Fatalf("want a retryable deadline error, got %v", err)
	}
}

func TestConcurrencyCap(t *testing.T) {
	var inFlight, peak atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond) // let calls overlap
		inFlight.Add(-1)
		io.WriteString(w, "null")
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, nil, Options{Concurrency: 2})
	var wg sync.WaitGroup
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.Call(context.Background(), fnEnrolUsers, nil, nil); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if peak.Load() > 2 || peak.Load() < 1 {
		t.Fatalf("peak in flight %d, cap 2", peak.Load())
	}
	if s := c.Stats(); s.Calls[fnEnrolUsers] != 12 || s.TotalCalls != 12 || s.TotalErrors != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestTokenBucket(t *testing.T) {
	now := time.Unix(0, 0)
	b := newTokenBucket(2, 2) // 2 per second, burst 2
	b.now = func() time.Time { return now }
	if b.reserve() != 0 || b.reserve() != 0 {
		t.Fatal("the burst must be available at once")
	}
	if w := b.reserve(); w != 500*time.Millisecond {
		t.Fatalf("third call waits %v, want 500ms", w)
	}
	now = now.Add(500 * time.Millisecond)
	if w := b.reserve(); w != 0 {
		t.Fatalf("after refill: wait %v", w)
	}
	now = now.Add(time.Hour)
	b.reserve()
	b.reserve()
	if w := b.reserve(); w == 0 {
		t.Fatal("tokens must cap at the burst")
	}
	var unlimited *tokenBucket
	if err := unlimited.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	slow := newTokenBucket(0.001, 1)
	slow.reserve()
	if err := slow.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("wait must end with its context: %v", err)
	}
}

// A run with failures of every kind: neither the errors nor the debug log
// may contain the token, while the log does record each call.
func TestTokenNeverLeaks(t *testing.T) {
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		tok := r.PostForm.Get("wstoken")
		switch r.PostForm.Get("wsfunction") {
		case "echo_html":
			io.WriteString(w, "<html>token was "+tok+"</html>")
		case "echo_exception":
			io.WriteString(w, `{"exception":"moodle_exception","errorcode":"invalidparameter","message":"bad `+tok+`","debuginfo":"wstoken=`+tok+`"}`)
		case "echo_500":
			w.WriteHeader(500)
			io.WriteString(w, "fatal: "+tok)
		default:
			hijackAndClose(w)
		}
	}))
	defer echo.Close()
	logs := &syncBuffer{}
	c := newTestClient(t, echo.URL, logs, Options{})
	ctx := context.Background()
	var errs []error
	for _, fn := range []string{"echo_html", "echo_exception", "echo_500", "reset"} {
		errs = append(errs, c.Call(ctx, fn, Params{"password": "Passw0rd!"}, nil))
	}
	_, err := c.Download(ctx, "/pluginfile.php/1/a/b/c", t.TempDir()+"/c")
	errs = append(errs, err)
	for _, err := range errs {
		if err == nil {
			t.Fatal("expected an error")
		}
		if strings.Contains(err.Error(), testToken) {
			t.Errorf("token in error: %v", err)
		}
		var me *Error
		if errors.As(err, &me) && (strings.Contains(me.Message, testToken) || strings.Contains(me.DebugInfo, testToken)) {
			t.Errorf("token in error fields: %+v", me)
		}
	}
	out := logs.String()
	if strings.Contains(out, testToken) || strings.Contains(out, "Passw0rd!") {
		t.Fatalf("secret in logs:\n%s", out)
	}
	if strings.Count(out, `"message":"moodle call"`) != 5 || !strings.Contains(out, `"function":"echo_500"`) {
		t.Errorf("each call must be logged:\n%s", out)
	}
	if s := c.Stats(); s.TotalErrors != 5 || s.Errors["echo_html"] != 1 {
		t.Errorf("stats %+v", s)
	}
}
