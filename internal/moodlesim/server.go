package moodlesim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/magistere/bridge/internal/failure"
)

// Options configure a Server.
type Options struct {
	Sites   []string         // site names; empty = one site "moodle" served at the root
	Token   string           // the admin's web-service token, the only valid one
	Release string           // "4.5" (default), "3.5" or "2.9"
	Debug   bool             // add debuginfo to exceptions (debug=DEVELOPER)
	Faults  FaultSpec        // injected failures (zero = none)
	Now     func() time.Time // clock; nil = time.Now
	// Cost makes calls take as long as on a real Moodle (zero: no cost).
	Cost CostModel
	// PlainSites are sites without local_bridge installed: its functions
	// are unknown there, as on a real site without the plugin.
	PlainSites []string
}

// Server serves one or more simulated Moodle sites over HTTP.
type Server struct {
	opts    Options
	release *releaseInfo
	sites   map[string]*Site
	order   []string
	faults  *faultInjector

	mu    sync.Mutex
	debug bool
}

// New builds a server whose sites start like a fresh Moodle install.
// An unknown Release falls back to "4.5".
func New(opts Options) *Server {
	if len(opts.Sites) == 0 {
		opts.Sites = []string{"moodle"}
	}
	if _, ok := releases()[opts.Release]; !ok {
		opts.Release = "4.5"
	}
	srv := &Server{opts: opts, release: releases()[opts.Release], sites: map[string]*Site{}, debug: opts.Debug}
	srv.faults = newFaultInjector(opts.Faults)
	for i, name := range opts.Sites {
		if _, dup := srv.sites[name]; dup {
			continue
		}
		srv.sites[name] = newSite(name, srv, int64(i+1))
		srv.order = append(srv.order, name)
	}
	return srv
}

func (srv *Server) now() time.Time {
	if srv.opts.Now != nil {
		return srv.opts.Now()
	}
	return time.Now()
}

// Site returns the named site (nil if not served). With one site, "" also
// returns it.
func (srv *Server) Site(name string) *Site {
	if name == "" && len(srv.order) == 1 {
		return srv.sites[srv.order[0]]
	}
	return srv.sites[name]
}

// SiteNames lists the served sites in the order given.
func (srv *Server) SiteNames() []string { return append([]string{}, srv.order...) }

// SetDebug switches developer debugging (debuginfo in errors) on or off.
func (srv *Server) SetDebug(on bool) { srv.mu.Lock(); srv.debug = on; srv.mu.Unlock() }

func (srv *Server) debugOn() bool { srv.mu.Lock(); defer srv.mu.Unlock(); return srv.debug }

// Release is the release profile served ("4.5", "3.5" or "2.9").
func (srv *Server) Release() string { return srv.opts.Release }

// Handler returns the HTTP handler: with one site its endpoints are at the
// root (/webservice/rest/server.php), with several under /<site>/.
func (srv *Server) Handler() http.Handler {
	return http.HandlerFunc(srv.serveHTTP)
}

// ListenAndServe serves on addr until ctx is cancelled.
func (srv *Server) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return failure.Permanent(fmt.Errorf("moodlesim: listen on %s: %w", addr, err))
	}
	return srv.Serve(ctx, ln)
}

// Serve serves on an existing listener until ctx is cancelled.
func (srv *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = hs.Shutdown(shutdownCtx)
		case <-done:
		}
	}()
	err := hs.Serve(ln)
	close(done)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return failure.Retryable(fmt.Errorf("moodlesim: serve: %w", err))
}

// route finds the site and the path inside it.
func (srv *Server) route(path string) (*Site, string, string) {
	if len(srv.order) == 1 {
		return srv.sites[srv.order[0]], "", path
	}
	trimmed := strings.TrimPrefix(path, "/")
	name, rest, _ := strings.Cut(trimmed, "/")
	site := srv.sites[name]
	if site == nil {
		return nil, "", ""
	}
	return site, "/" + name, "/" + rest
}

func (srv *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	site, prefix, path := srv.route(r.URL.Path)
	if site == nil {
		http.NotFound(w, r)
		return
	}
	base := baseURL(r) + prefix
	switch {
	case path == "/webservice/rest/server.php":
		srv.faults.wrap(w, r, site, func(w http.ResponseWriter) (bool, bool) { return srv.serveREST(w, r, site, base) })
	case path == "/webservice/upload.php":
		srv.faults.wrap(w, r, site, func(w http.ResponseWriter) (bool, bool) { return true, srv.serveUpload(w, r, site, base) })
	case strings.HasPrefix(path, "/webservice/pluginfile.php/"):
		srv.servePluginfile(w, r, site, strings.TrimPrefix(path, "/webservice/pluginfile.php"))
	default:
		http.NotFound(w, r)
	}
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// readParams builds array_merge($_GET, $_POST) as PHP would, including the
// max_input_vars cut and the post_max_size wipe.
func readParams(r *http.Request) *phpArr {
	get := newPHPArr()
	registerVars(parseURLEncoded(r.URL.RawQuery), get)
	post := newPHPArr()
	if r.Method != http.MethodPost || r.Body == nil {
		return mergeArr(get, post)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, postMaxSize+1))
	if err != nil || len(body) > postMaxSize {
		_, _ = io.Copy(io.Discard, r.Body) // PHP drops the whole body
		return mergeArr(get, post)
	}
	ctype, mparams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ctype {
	case "application/x-www-form-urlencoded":
		registerVars(parseURLEncoded(string(body)), post)
	case "multipart/form-data":
		registerVars(multipartFields(body, mparams["boundary"]), post)
	}
	// Any other body (JSON included) is ignored, as PHP fills $_POST only
	// from these two encodings.
	return mergeArr(get, post)
}

// multipartFields returns the non-file fields of a multipart body in order.
func multipartFields(body []byte, boundary string) []formPair {
	var out []formPair
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		part, err := mr.NextPart()
		if err != nil {
			return out
		}
		if part.FileName() == "" && part.FormName() != "" {
			value, err := io.ReadAll(io.LimitReader(part, postMaxSize))
			if err == nil {
				out = append(out, formPair{part.FormName(), string(value)})
			}
		}
		_ = part.Close()
	}
}

// serveREST answers /webservice/rest/server.php. It reports whether the
// function was a write and whether it ran (for the after_commit fault).
func (srv *Server) serveREST(w http.ResponseWriter, r *http.Request, site *Site, base string) (write, ran bool) {
	site.mu.Lock()
	blocked := site.wsDisabled || site.restOff
	site.mu.Unlock()
	if blocked {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		return false, false
	}
	params := readParams(r)
	format, _ := params.scalar("moodlewsrestformat")
	asXML := format != "json"
	result, fn, err := srv.dispatch(site, base, params)
	if fn != nil {
		write = fn.write
		ran = err == nil
	}
	srv.writeResult(w, result, err, asXML)
	return write, ran
}

func (srv *Server) writeResult(w http.ResponseWriter, result any, err error, asXML bool) {
	if asXML {
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	if err != nil {
		var we *wsError
		if !errors.As(err, &we) {
			we = errMoodle("generalexceptionmessage", err.Error())
		}
		_, _ = w.Write(we.body(srv.opts.Release, srv.debugOn(), asXML))
		return
	}
	if asXML {
		_, _ = w.Write(phpXML(result))
		return
	}
	_, _ = w.Write(phpJSON(result))
}

// dispatch runs the checks of webservice_base_server::run in its order:
// token, function name, function exists, function in service, parameters.
func (srv *Server) dispatch(site *Site, base string, params *phpArr) (any, *fnDef, error) {
	token, _ := params.scalar("wstoken")
	if srv.opts.Token == "" || token != srv.opts.Token {
		return nil, nil, errInvalidToken()
	}
	name, _ := params.scalar("wsfunction")
	if name == "" {
		return nil, nil, errInvalidParam("Missing function name")
	}
	site.countCall(name)
	if !srv.release.exists[name] || !site.hasFunction(name) {
		return nil, nil, errUnknownFunction(name)
	}
	fn := registry[name]
	if fn == nil || !srv.inService(name) {
		return nil, nil, errAccess(name)
	}
	for _, key := range []string{"wstoken", "wsfunction", "moodlewsrestformat"} {
		params.del(key)
	}
	cleaned, perr := validate(fn.params, params)
	if perr != nil {
		return nil, fn, errInvalidParam(perr.debug)
	}
	c := &call{s: site, base: base, fn: fn, srv: srv}
	// Outside the site's lock: a real site serves calls on several cores.
	site.spend(srv.opts.Cost.of(name, cleaned.(P)))
	site.mu.Lock()
	result, err := fn.run(c, cleaned.(P))
	site.mu.Unlock()
	if err != nil {
		var pe *paramError
		if errors.As(err, &pe) {
			err = errInvalidParam(pe.debug)
		}
	}
	site.spend(srv.opts.Cost.ofAnswer(name, result))
	return result, fn, err
}

func (srv *Server) inService(name string) bool {
	for _, n := range serviceFunctions() {
		if n == name {
			return true
		}
	}
	return false
}

func (s *Site) countCall(name string) {
	s.mu.Lock()
	s.calls[name]++
	s.mu.Unlock()
}

// call carries what a function needs besides its parameters.
type call struct {
	s    *Site
	srv  *Server
	base string
	fn   *fnDef
}

func (c *call) now() int64 { return c.s.now() }

// imageURL is a theme image URL (profile pictures, module icons).
func (c *call) imageURL(component, image string) string {
	return fmt.Sprintf("%s/theme/image.php/boost/%s/%d/%s", c.base, component, c.s.themeRev, image)
}

// sortedKeys is a small helper for deterministic map iteration.
func sortedKeys[V any](m map[int]V) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

// SiteURL is the wwwroot of a served site given the server's root URL
// (e.g. httptest's URL): the root itself with one site, root/<name> with
// several.
func (srv *Server) SiteURL(root, name string) string {
	root = strings.TrimSuffix(root, "/")
	if len(srv.order) == 1 {
		return root
	}
	return root + "/" + name
}
