// Package moodle is the bridge's client for Moodle's REST web services: the
// PHP form codec, typed requests and answers, typed errors with a retry
// verdict, chunking under max_input_vars with bisection of all-or-nothing
// batches, idempotent creates, files, and a per-site probe.
package moodle

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/fence"
)

// Site is one Moodle: its name in logs and errors, its wwwroot and the
// web-service token (a secret: never logged, never put in a URL we log).
type Site struct {
	Name    string
	WWWRoot string
	Token   string
}

// Options tune a Client; zero values take the defaults below.
type Options struct {
	Timeout         time.Duration // per call, default 60s
	MaxInputVars    int           // the site's PHP max_input_vars, default 5000
	MaxRowsPerChunk int           // rows per array call, default 100
	Concurrency     int           // calls in flight to this site, default 4
	// BatchParallel is how many chunks of one bulk call (user creation,
	// enrolment) are in flight at once, default 2, at most Concurrency:
	// measured on a 2-core Moodle, two concurrent clients keep both busy
	// where one leaves a core idle.
	BatchParallel int
	RatePerSecond float64      // calls started per second, 0 = unlimited
	Burst         int          // token bucket size, default max(1, RatePerSecond)
	HTTPClient    *http.Client // default: a fresh client
	Logger        zerolog.Logger
}

const (
	defaultTimeout      = 60 * time.Second
	defaultMaxInputVars = 5000
	defaultRowsPerChunk = 100
	defaultConcurrency  = 4
	// fixedVars are wstoken, wsfunction and moodlewsrestformat.
	fixedVars = 3
)

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = defaultTimeout
	}
	if o.MaxInputVars <= 0 {
		o.MaxInputVars = defaultMaxInputVars
	}
	if o.MaxRowsPerChunk <= 0 {
		o.MaxRowsPerChunk = defaultRowsPerChunk
	}
	if o.Concurrency <= 0 {
		o.Concurrency = defaultConcurrency
	}
	if o.BatchParallel <= 0 {
		o.BatchParallel = 2
	}
	o.BatchParallel = min(o.BatchParallel, o.Concurrency)
	if o.Burst <= 0 {
		o.Burst = max(1, int(o.RatePerSecond))
	}
	return o
}

// varBudget keeps a 10% margin under max_input_vars: PHP drops what is over
// silently, and some functions add variables of their own.
func (o Options) varBudget() int {
	return o.MaxInputVars - max(10, o.MaxInputVars/10)
}

// Client talks to one Moodle site. It is safe for concurrent use.
type Client struct {
	site     Site
	opts     Options
	http     *resty.Client
	sem      chan struct{}
	limiter  *tokenBucket
	log      zerolog.Logger
	stats    *statsRecorder
	mu       sync.RWMutex
	strategy *Strategy
	window   *Window
}

// New builds a client for one site. Retries are the bridge's job, so resty's
// own retry is off.
func New(site Site, opts Options) (*Client, error) {
	if site.WWWRoot == "" {
		return nil, fmt.Errorf("moodle site %s: wwwroot is empty", site.Name)
	}
	site.WWWRoot = strings.TrimRight(site.WWWRoot, "/")
	opts = opts.withDefaults()
	hc := &http.Client{}
	if opts.HTTPClient != nil {
		copied := *opts.HTTPClient // resty fills in a nil Transport: keep the caller's client untouched
		hc = &copied
	}
	// The token travels in the form and in download URLs: a redirect (to
	// another host, or an object store behind pluginfile.php) would carry
	// it away, so none is followed; a 3xx is an answer like any other.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	next := hc.Transport
	if next == nil {
		next = siteTransport(opts.Concurrency)
	}
	hc.Transport = fencedTransport{next: next}
	rc := resty.NewWithClient(hc).SetRetryCount(0).SetLogger(discardLogger{}).SetDisableWarn(true)
	return &Client{
		site:    site,
		opts:    opts,
		http:    rc,
		sem:     make(chan struct{}, opts.Concurrency),
		limiter: newTokenBucket(opts.RatePerSecond, opts.Burst),
		log:     opts.Logger.With().Str("site", site.Name).Logger(),
		stats:   newStatsRecorder(),
		window:  NewWindow(opts.BatchParallel, opts.Concurrency),
	}, nil
}

// siteTransport is a client's own connection pool: Go's defaults (a proxy
// from the environment, dial and TLS timeouts, keep-alives), keeping idle
// as many connections as the client has calls in flight. Go's default
// keeps 2 per host: with 4 calls in flight, every round would close
// connections and open new ones.
func siteTransport(concurrency int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = concurrency + 1
	return t
}

// Site returns the site's name and wwwroot (the token is left out).
func (c *Client) Site() Site { return Site{Name: c.site.Name, WWWRoot: c.site.WWWRoot} }

// callOnce runs one web-service function once (Call, retry.go, repeats
// reads under WithReadRetry).
func (c *Client) callOnce(ctx context.Context, function string, params Params, out any) error {
	pairs, err := EncodeParams(params)
	if err != nil {
		return fmt.Errorf("moodle site %s: %s: %w", c.site.Name, function, err)
	}
	if vars := len(pairs) + fixedVars; vars > c.opts.MaxInputVars {
		return &TooManyInputVarsError{Site: c.site.Name, Function: function, Vars: vars, Limit: c.opts.MaxInputVars}
	}
	body := c.restBody(function, pairs)
	started := time.Now()
	status, ctype, raw, err := c.post(ctx, function, body)
	if err == nil {
		err = c.decodeAnswer(function, status, ctype, raw, out)
	}
	c.record(function, started, len(pairs)+fixedVars, err)
	return err
}

func (c *Client) restBody(function string, pairs []Pair) string {
	all := make([]Pair, 0, len(pairs)+fixedVars)
	all = append(all, Pair{"wstoken", c.site.Token}, Pair{"wsfunction", function}, Pair{"moodlewsrestformat", "json"})
	return FormBody(append(all, pairs...))
}

// acquire waits for a concurrency slot and a rate token; release frees the slot.
func (c *Client) acquire(ctx context.Context) (release func(), err error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if err := c.limiter.Wait(ctx); err != nil {
		<-c.sem
		return nil, err
	}
	return func() { <-c.sem }, nil
}

func (c *Client) post(ctx context.Context, function, body string) (int, string, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	release, err := c.acquire(ctx)
	if err != nil {
		return 0, "", nil, &TransportError{Site: c.site.Name, Function: function, Err: err}
	}
	defer release()
	if err := c.fenced(ctx, function); err != nil {
		return 0, "", nil, err
	}
	resp, err := c.http.R().SetContext(ctx).
		SetHeader("Content-Type", "application/x-www-form-urlencoded").
		SetHeader("Accept", "application/json").
		SetBody(body).
		Post(c.site.WWWRoot + "/webservice/rest/server.php")
	if err != nil {
		if err, ok := c.notSent(function, err); ok {
			return 0, "", nil, err
		}
		return 0, "", nil, &TransportError{Site: c.site.Name, Function: function, Err: c.redactErr(err)}
	}
	return resp.StatusCode(), resp.Header().Get("Content-Type"), resp.Body(), nil
}

// fenced runs the context's lease check (package fence) before a request
// is built: a job worker whose job was taken over by another worker sends
// nothing more. fencedTransport checks again while the body is written,
// for a worker frozen after this check.
func (c *Client) fenced(ctx context.Context, function string) error {
	if err := fence.Check(ctx); err != nil {
		return c.notSentError(function, err)
	}
	return nil
}

func (c *Client) record(function string, started time.Time, vars int, err error) {
	took := time.Since(started)
	c.stats.add(function, took, err)
	ev := c.log.Debug().Str("function", function).Dur("duration", took).Int("vars", vars)
	if err == nil {
		ev.Str("outcome", "ok").Msg("moodle call")
		return
	}
	var me *Error
	if errors.As(err, &me) {
		ev = ev.Str("errorcode", readableCode(me.ErrorCode))
	}
	ev.Str("outcome", "error").Bool("retryable", isRetryable(err)).Str("error", c.redact(err.Error())).Msg("moodle call")
}

type discardLogger struct{}

func (discardLogger) Errorf(string, ...any) {}
func (discardLogger) Warnf(string, ...any)  {}
func (discardLogger) Debugf(string, ...any) {}
