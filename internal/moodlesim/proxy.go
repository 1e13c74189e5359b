package moodlesim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/magistere/bridge/internal/failure"
)

// FaultProxy is a reverse proxy that injects a FaultSpec's failures in
// front of real Moodle sites, the same faults the simulator injects into
// itself: 5xx (not forwarded), timeout (not forwarded; the connection hangs,
// then drops), reset (not forwarded; the connection is closed), reset_after
// (forwarded: Moodle runs the call and commits, then the connection is
// closed without an answer), and after_commit (forwarded: Moodle runs the
// call and commits, then the client gets an HTTP 500 instead of the answer).
//
// Each target is served under /<name>/ (or at the root for a single unnamed
// target). Site URLs in the answers (file URLs, siteurl) are rewritten to
// the proxy's, so a client never sees the real site's address.
type FaultProxy struct {
	faults  *faultInjector
	targets map[string]*proxyTarget // by name; "" for the root
}

type proxyTarget struct {
	name string
	url  *url.URL
	rp   *httputil.ReverseProxy
}

type proxyBaseKey struct{}

// ParseProxyTargets reads --proxy: one URL (served at the root), or
// name=URL pairs separated by commas (each served under /name/).
func ParseProxyTargets(spec string) (map[string]string, error) {
	out := map[string]string{}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, raw, named := strings.Cut(part, "=")
		if !named {
			name, raw = "", part
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, failure.Permanent(fmt.Errorf("moodlesim: proxy target %q: want an http(s) URL such as http://127.0.0.1:8481, or name=URL", part))
		}
		if strings.ContainsAny(name, "/ ") {
			return nil, failure.Permanent(fmt.Errorf("moodlesim: proxy target %q: the name must not hold a slash or a space", part))
		}
		if _, dup := out[name]; dup {
			return nil, failure.Permanent(fmt.Errorf("moodlesim: proxy target %q named twice", name))
		}
		out[name] = strings.TrimRight(raw, "/")
	}
	if len(out) == 0 {
		return nil, failure.Permanent(fmt.Errorf("moodlesim: --proxy names no target"))
	}
	if _, root := out[""]; root && len(out) > 1 {
		return nil, failure.Permanent(fmt.Errorf("moodlesim: --proxy: an unnamed target must be the only one"))
	}
	return out, nil
}

// NewFaultProxy returns a proxy in front of targets (name → wwwroot, see
// ParseProxyTargets) injecting spec.
func NewFaultProxy(targets map[string]string, spec FaultSpec) (*FaultProxy, error) {
	p := &FaultProxy{faults: newFaultInjector(spec), targets: map[string]*proxyTarget{}}
	for name, raw := range targets {
		u, err := url.Parse(raw)
		if err != nil {
			return nil, err
		}
		t := &proxyTarget{name: name, url: u}
		t.rp = &httputil.ReverseProxy{
			Rewrite: func(pr *httputil.ProxyRequest) {
				pr.SetURL(u) // also sends the target's Host, as Moodle expects its wwwroot
				pr.Out.URL.Path = strings.TrimSuffix(u.Path, "/") + strings.TrimPrefix(pr.In.URL.Path, prefixOf(name))
				pr.Out.URL.RawPath = ""
				pr.Out = pr.Out.WithContext(context.WithValue(pr.Out.Context(), proxyBaseKey{}, baseURL(pr.In)+prefixOf(name)))
			},
			ModifyResponse: func(res *http.Response) error { return rewriteSiteURL(res, raw) },
			ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
				http.Error(w, "502 Bad Gateway: "+err.Error(), http.StatusBadGateway)
			},
		}
		p.targets[name] = t
	}
	return p, nil
}

func prefixOf(name string) string {
	if name == "" {
		return ""
	}
	return "/" + name
}

// Names lists the proxied site names ("" for a root target), sorted.
func (p *FaultProxy) Names() []string {
	var out []string
	for n := range p.targets {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// FaultCounts reports how many faults of each kind were injected.
func (p *FaultProxy) FaultCounts() map[string]int {
	p.faults.mu.Lock()
	defer p.faults.mu.Unlock()
	out := map[string]int{}
	for k, v := range p.faults.counts {
		out[string(k)] = v
	}
	return out
}

// ServeHTTP forwards REST and upload calls through the fault injector and
// everything else (file downloads, pages) as is.
func (p *FaultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := p.targets[""]
	path := r.URL.Path
	if t == nil {
		name, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
		if t = p.targets[name]; t == nil {
			http.NotFound(w, r)
			return
		}
		path = strings.TrimPrefix(path, "/"+name)
	}
	switch path {
	case "/webservice/rest/server.php", "/webservice/upload.php":
		p.faults.wrap(w, r, nil, func(w http.ResponseWriter) (bool, bool) {
			write := isWriteRequest(r)
			rec := &statusRecorder{ResponseWriter: w}
			t.rp.ServeHTTP(rec, r)
			return write, rec.committed()
		})
	default:
		t.rp.ServeHTTP(w, r)
	}
}

// statusRecorder notes the status and the start of the body, to tell a
// Moodle exception (nothing committed) from a success.
type statusRecorder struct {
	http.ResponseWriter
	status int
	head   []byte
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	if len(s.head) < 512 {
		s.head = append(s.head, b[:min(len(b), 512-len(s.head))]...)
	}
	return s.ResponseWriter.Write(b)
}

// committed: a 200 that is not a Moodle exception ({"exception":...}).
func (s *statusRecorder) committed() bool {
	if s.status != http.StatusOK {
		return false
	}
	head := bytes.TrimSpace(s.head)
	return !(bytes.HasPrefix(head, []byte("{")) && bytes.Contains(head, []byte(`"exception"`)))
}

// rewriteSiteURL replaces the real site's wwwroot in text answers with the
// proxy's (plain and JSON-escaped), so file URLs point at the proxy.
func rewriteSiteURL(res *http.Response, wwwroot string) error {
	base, _ := res.Request.Context().Value(proxyBaseKey{}).(string)
	ct := res.Header.Get("Content-Type")
	if base == "" || res.Header.Get("Content-Encoding") != "" ||
		!(strings.Contains(ct, "json") || strings.HasPrefix(ct, "text/")) {
		return nil
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return err
	}
	escaped := func(s string) string { b, _ := json.Marshal(s); return strings.Trim(string(b), `"`) }
	jsonEscapedSlash := func(s string) string { return strings.ReplaceAll(s, "/", `\/`) }
	body = bytes.ReplaceAll(body, []byte(jsonEscapedSlash(wwwroot)), []byte(jsonEscapedSlash(base)))
	body = bytes.ReplaceAll(body, []byte(escaped(wwwroot)), []byte(escaped(base)))
	res.Body = io.NopCloser(bytes.NewReader(body))
	res.ContentLength = int64(len(body))
	res.Header.Set("Content-Length", strconv.Itoa(len(body)))
	return nil
}
