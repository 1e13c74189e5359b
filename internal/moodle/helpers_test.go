package moodle

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"
)

// testToken stands for a real token; tests grep logs and errors for it.
const testToken = "s3cr3t-token-4f9a2b7c81d0e6f5a3b2c1d0e9f8a7b6"

// entry is one recorded call of /work/shared/moodle/transcripts/*.json.
type entry struct {
	File        string            `json:"-"`
	Function    *string           `json:"function"`
	Endpoint    string            `json:"endpoint"`
	Params      map[string]string `json:"params"`
	HTTPStatus  int               `json:"http_status"`
	ContentType *string           `json:"content_type"`
	Response    json.RawMessage   `json:"response"`
	RawText     *bool             `json:"response_is_raw_text"`
	Note        string            `json:"note"`
	HTTPMethod  string            `json:"http_method"`
	JSONBody    json.RawMessage   `json:"json_body"`
	Query       map[string]string `json:"query"`
}

func (e entry) function() string {
	if e.Function == nil {
		return ""
	}
	return *e.Function
}

func (e entry) isRaw() bool { return e.RawText != nil && *e.RawText }

func (e entry) rawText() string {
	var s string
	_ = json.Unmarshal(e.Response, &s)
	return s
}

// reproducible: our client sends exactly these params (our token, JSON
// format, POST form body).
func (e entry) reproducible() bool {
	return e.Params != nil && e.Params["wstoken"] == "TOKEN" && e.Params["moodlewsrestformat"] == "json" &&
		e.Function != nil && e.Params["wsfunction"] == *e.Function &&
		(e.HTTPMethod == "" || e.HTTPMethod == "POST") && len(e.JSONBody) == 0
}

func (e entry) name() string {
	return fmt.Sprintf("%s/%s/%s", e.File, e.function()+e.Endpoint, e.Note)
}

// transcriptDir finds <repo root>/../shared/moodle/transcripts, or falls back
// to the package's own copies in testdata/.
func transcriptDir(t testing.TB) (dir string, shared bool) {
	if d := os.Getenv("MOODLE_TRANSCRIPTS_DIR"); d != "" {
		return d, false // e.g. testdata, to check the tests stand without shared
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			cand := filepath.Join(filepath.Dir(d), "shared", "moodle", "transcripts")
			if st, err := os.Stat(cand); err == nil && st.IsDir() {
				return cand, true
			}
			break
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	return "testdata", false
}

func loadEntries(t testing.TB) []entry {
	dir, shared := transcriptDir(t)
	t.Logf("transcripts from %s (shared=%v)", dir, shared)
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts in %s: %v", dir, err)
	}
	sort.Strings(files)
	var all []entry
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var es []entry
		if err := json.Unmarshal(data, &es); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for i := range es {
			es[i].File = filepath.Base(f)
		}
		all = append(all, es...)
	}
	return all
}

func loadFile(t testing.TB, name string) []entry {
	var out []entry
	for _, e := range loadEntries(t) {
		if e.File == name {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no entries in %s", name)
	}
	return out
}

// phpJSON re-encodes a JSON value the way PHP's json_encode does: non-ASCII
// as \uXXXX and slashes as \/, so the decoder meets the real escaping.
func phpJSON(raw json.RawMessage) []byte {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return raw
	}
	plain, _ := json.Marshal(v)
	var b bytes.Buffer
	for _, r := range string(plain) {
		switch {
		case r == '/':
			b.WriteString(`\/`)
		case r > 0x7f && r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		case r > 0xffff:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		default:
			b.WriteRune(r)
		}
	}
	return b.Bytes()
}

// replayer serves one recorded entry at a time and checks that reproducible
// requests carry exactly the recorded form.
type replayer struct {
	t   *testing.T
	mu  sync.Mutex
	cur entry
	srv *httptest.Server
}

func newReplayer(t *testing.T) *replayer {
	r := &replayer{t: t}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *replayer) set(e entry) {
	r.mu.Lock()
	r.cur = e
	r.mu.Unlock()
}

func (r *replayer) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	e := r.cur
	r.mu.Unlock()
	if err := req.ParseForm(); err != nil {
		r.t.Errorf("%s: parse form: %v", e.name(), err)
	}
	if e.reproducible() {
		r.checkForm(e, req.PostForm)
	}
	writeRecorded(w, e)
}

func (r *replayer) checkForm(e entry, got url.Values) {
	want := map[string]string{}
	for k, v := range e.Params {
		if k == "wstoken" {
			v = testToken
		}
		want[k] = v
	}
	flat := map[string]string{}
	for k, vs := range got {
		if len(vs) != 1 {
			r.t.Errorf("%s: key %s sent %d times", e.name(), k, len(vs))
		}
		flat[k] = vs[0]
	}
	if !equalMaps(want, flat) {
		r.t.Errorf("%s: form differs\nwant %v\n got %v", e.name(), redactMap(want), redactMap(flat))
	}
}

func writeRecorded(w http.ResponseWriter, e entry) {
	if e.ContentType != nil {
		w.Header().Set("Content-Type", *e.ContentType)
	}
	status := e.HTTPStatus
	if status == 0 {
		status = 200
	}
	w.WriteHeader(status)
	if e.isRaw() {
		io.WriteString(w, e.rawText())
		return
	}
	w.Write(phpJSON(e.Response))
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

func redactMap(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = strings.ReplaceAll(v, testToken, "T")
	}
	return out
}

// newTestClient builds a client on url whose debug log goes to logs.
func newTestClient(t testing.TB, url string, logs io.Writer, opts Options) *Client {
	if logs == nil {
		logs = io.Discard
	}
	opts.Logger = zerolog.New(logs).Level(zerolog.DebugLevel)
	c, err := New(Site{Name: "test", WWWRoot: url, Token: testToken}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func asErr[T error](err error, target *T) bool { return errors.As(err, target) }
