package moodlesim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// recordedNow is the recording's clock (README: 2026-11-22T15:33Z): kevin's
// enrolment (timeend 2026-07-01) must be expired, as it was.
var recordedNow = time.Unix(1795361617, 0)

const recordedHost = "http://127.0.0.1:8080"

// transcriptDir finds /work/shared/moodle/transcripts as <repo root>/../shared,
// the repo root being the directory holding go.mod; it falls back to the
// package's own small copy in testdata/.
func transcriptDir(t testing.TB) (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			shared := filepath.Join(filepath.Dir(d), "shared", "moodle", "transcripts")
			if st, err := os.Stat(shared); err == nil && st.IsDir() {
				return shared, true
			}
			break
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	return filepath.Join(dir, "testdata", "transcripts"), false
}

// ---- ordered JSON (key order is part of the contract) -----------------

type jobj struct {
	keys []string
	vals map[string]any
}

func decodeOrdered(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := readJSONValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data after JSON value")
	}
	return v, nil
}

func readJSONValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	switch d {
	case '{':
		o := &jobj{vals: map[string]any{}}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			key := kt.(string)
			v, err := readJSONValue(dec)
			if err != nil {
				return nil, err
			}
			o.keys = append(o.keys, key)
			o.vals[key] = v
		}
		_, err = dec.Token()
		return o, err
	case '[':
		arr := []any{}
		for dec.More() {
			v, err := readJSONValue(dec)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err = dec.Token()
		return arr, err
	}
	return nil, fmt.Errorf("unexpected delimiter %v", d)
}

// entry is one recorded call.
type entry struct {
	Function    *string         `json:"function"`
	RawParams   json.RawMessage `json:"params"`
	Status      int             `json:"http_status"`
	ContentType *string         `json:"content_type"`
	RawResponse json.RawMessage `json:"response"`
	IsRaw       *bool           `json:"response_is_raw_text"`
	Method      string          `json:"http_method"`
	JSONBody    json.RawMessage `json:"json_body"`
	Endpoint    string          `json:"endpoint"`
	Multipart   map[string]string
	RawMulti    json.RawMessage   `json:"multipart"`
	Query       map[string]string `json:"query"`
	Note        string            `json:"note"`
}

func loadTranscript(t testing.TB, path string) []entry {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read transcript: %v", err)
	}
	var entries []entry
	if err := json.Unmarshal(data, &entries); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return entries
}

// ---- the replayer ------------------------------------------------------

type replayer struct {
	t      *testing.T
	srv    *Server
	ts     *httptest.Server
	token  string
	itemID map[string]string // recorded draft itemid -> ours
}

func newReplayer(t *testing.T, opts Options) *replayer {
	opts.Token = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
	opts.Now = func() time.Time { return recordedNow }
	srv := New(opts)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &replayer{t: t, srv: srv, ts: ts, token: opts.Token, itemID: map[string]string{}}
}

func (r *replayer) subst(v string) string {
	if v == "TOKEN" {
		return r.token
	}
	if mapped, ok := r.itemID[v]; ok {
		return mapped
	}
	return v
}

func (r *replayer) params(e entry) [][2]string {
	if len(e.RawParams) == 0 {
		return nil
	}
	v, err := decodeOrdered(e.RawParams)
	if err != nil {
		r.t.Fatalf("params: %v", err)
	}
	o := v.(*jobj)
	out := make([][2]string, 0, len(o.keys))
	for _, key := range o.keys {
		out = append(out, [2]string{key, r.subst(o.vals[key].(string))})
	}
	return out
}

func encodeForm(pairs [][2]string) string {
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p[0]) + "=" + url.QueryEscape(p[1]))
	}
	return b.String()
}

// sampleFiles are the bodies of files.json's uploads (44 bytes each).
var sampleFiles = map[string]string{
	"sample.txt":  "Bonjour Lætitia, attestation de présence.\n",
	"sample2.csv": "username,email\nkevin,kevin@example.com\nx,yz\n",
}

func (r *replayer) do(e entry) *http.Response {
	var req *http.Request
	var err error
	switch {
	case e.Endpoint == "/webservice/upload.php":
		req, err = r.uploadRequest(e)
	case e.Endpoint != "":
		q := url.Values{}
		for k, v := range e.Query {
			q.Set(k, r.subst(v))
		}
		req, err = http.NewRequest(http.MethodGet, r.ts.URL+e.Endpoint+"?"+q.Encode(), nil)
	case e.Method == http.MethodGet || len(e.JSONBody) > 0:
		target := r.ts.URL + "/webservice/rest/server.php?" + encodeForm(r.params(e))
		method := http.MethodGet
		var body io.Reader
		if len(e.JSONBody) > 0 {
			method, body = http.MethodPost, bytes.NewReader(e.JSONBody)
		}
		req, err = http.NewRequest(method, target, body)
		if err == nil && body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
	default:
		req, err = http.NewRequest(http.MethodPost, r.ts.URL+"/webservice/rest/server.php", strings.NewReader(encodeForm(r.params(e))))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	if err != nil {
		r.t.Fatalf("build request: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatalf("request: %v", err)
	}
	return resp
}

func (r *replayer) uploadRequest(e entry) (*http.Request, error) {
	var fields map[string]string
	if err := json.Unmarshal(e.RawMulti, &fields); err != nil {
		return nil, err
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	keys := make([]string, 0, len(fields))
	for key := range fields {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		value := fields[key]
		if strings.HasPrefix(key, "file_") {
			name := strings.Fields(value)[0]
			fw, err := mw.CreateFormFile(key, name)
			if err != nil {
				return nil, err
			}
			_, _ = io.WriteString(fw, sampleFiles[name])
			continue
		}
		_ = mw.WriteField(key, r.subst(value))
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, r.ts.URL+e.Endpoint, &body)
	if err == nil {
		req.Header.Set("Content-Type", mw.FormDataContentType())
	}
	return req, err
}

// replay runs every entry of a file and reports each difference.
func (r *replayer) replay(file string, entries []entry, before func(i int)) {
	for i, e := range entries {
		if before != nil {
			before(i)
		}
		where := fmt.Sprintf("%s[%d]", file, i)
		resp := r.do(e)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			r.t.Fatalf("%s: read body: %v", where, err)
		}
		for _, d := range r.compareEntry(e, resp, body) {
			r.t.Errorf("%s %s", where, d)
		}
	}
}

func (r *replayer) compareEntry(e entry, resp *http.Response, body []byte) []string {
	var diffs []string
	if resp.StatusCode != e.Status {
		diffs = append(diffs, fmt.Sprintf("http_status: want %d got %d", e.Status, resp.StatusCode))
	}
	if e.ContentType != nil && resp.Header.Get("Content-Type") != *e.ContentType {
		diffs = append(diffs, fmt.Sprintf("content_type: want %q got %q", *e.ContentType, resp.Header.Get("Content-Type")))
	}
	if e.IsRaw != nil && *e.IsRaw {
		var want string
		if err := json.Unmarshal(e.RawResponse, &want); err != nil {
			return append(diffs, "response: recorded raw text is not a string")
		}
		got := stripExtraFunctionsXML(r.normalise(string(body)))
		if r.normalise(want) != got {
			diffs = append(diffs, fmt.Sprintf("response (raw): want %q got %q", r.normalise(want), got))
		}
		return diffs
	}
	want, err := decodeOrdered(e.RawResponse)
	if err != nil {
		return append(diffs, "response: recorded JSON: "+err.Error())
	}
	got, err := decodeOrdered(body)
	if err != nil {
		return append(diffs, fmt.Sprintf("response: not JSON (%v): %q", err, body))
	}
	c := &comparer{r: r}
	c.compare("response.$", "", want, got)
	return append(diffs, c.diffs...)
}

var (
	reThemeRev  = regexp.MustCompile(`/theme/image\.php/boost/([a-z_]+)/\d+/`)
	reDraftItem = regexp.MustCompile(`(draftfile\.php/\d+/user/draft/)\d+/`)
)

// normalise makes URLs comparable: the recorded wwwroot becomes ours, and
// the theme revision and random draft item ids are masked.
func (r *replayer) normalise(s string) string {
	s = strings.ReplaceAll(s, recordedHost, r.ts.URL)
	s = reThemeRev.ReplaceAllString(s, "/theme/image.php/boost/$1/REV/")
	return reDraftItem.ReplaceAllString(s, "${1}ITEM/")
}

// allowedExtraFunctions may follow the recorded 36 in site_info: the
// service also holds the files and override functions and local_bridge.
func allowedExtraFunctions() map[string]bool {
	out := map[string]bool{}
	for _, n := range append(append([]string{}, extraService...), pluginFunctions...) {
		out[n] = true
	}
	return out
}

var reXMLFunction = regexp.MustCompile(`<SINGLE>\n<KEY name="name"><VALUE>([a-z_]+)</VALUE>\n</KEY>\n<KEY name="version"><VALUE>[0-9.]+</VALUE>\n</KEY>\n</SINGLE>\n`)

func stripExtraFunctionsXML(s string) string {
	extra := allowedExtraFunctions()
	return reXMLFunction.ReplaceAllStringFunc(s, func(m string) string {
		if extra[reXMLFunction.FindStringSubmatch(m)[1]] {
			return ""
		}
		return m
	})
}

// volatileTimes are timestamps: the recording's clock ran between calls,
// ours does not, so only their type and zero-ness are compared.
var volatileTimes = map[string]bool{
	"timecreated": true, "timemodified": true, "timecompleted": true, "cacherev": true, "lastmodified": true,
	"timeupdated": true, "timeaccess": true, "lastaccess": true, "firstaccess": true,
}

type comparer struct {
	r     *replayer
	diffs []string
}

func jsonType(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case string:
		return "string"
	case json.Number:
		if strings.ContainsAny(t.String(), ".eE") {
			return "float"
		}
		return "int"
	case []any:
		return "array"
	case *jobj:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func show(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("%q", t)
	case json.Number:
		return t.String()
	case *jobj:
		return fmt.Sprintf("object%v", t.keys)
	case []any:
		return fmt.Sprintf("array(len %d)", len(t))
	}
	return fmt.Sprint(v)
}

func (c *comparer) fail(path string, want, got any) {
	c.diffs = append(c.diffs, fmt.Sprintf("%s: want %s got %s", path, show(want), show(got)))
}

func (c *comparer) compare(path, key string, want, got any) {
	if jsonType(want) != jsonType(got) {
		c.fail(path, want, got)
		return
	}
	switch w := want.(type) {
	case *jobj:
		c.compareObj(path, w, got.(*jobj))
	case []any:
		c.compareArr(path, key, w, got.([]any))
	case json.Number:
		c.compareNumber(path, key, w, got.(json.Number))
	case string:
		c.compareString(path, key, w, got.(string))
	default:
		if want != got {
			c.fail(path, want, got)
		}
	}
}

func (c *comparer) compareObj(path string, w, g *jobj) {
	if strings.Join(w.keys, ",") != strings.Join(g.keys, ",") {
		c.diffs = append(c.diffs, fmt.Sprintf("%s: keys: want %v got %v", path, w.keys, g.keys))
	}
	for _, key := range w.keys {
		if gv, ok := g.vals[key]; ok {
			c.compare(path+"."+key, key, w.vals[key], gv)
		}
	}
}

func (c *comparer) compareArr(path, key string, w, g []any) {
	if key == "functions" && len(g) > len(w) {
		extra := allowedExtraFunctions()
		for _, f := range g[len(w):] {
			name, _ := f.(*jobj).vals["name"].(string)
			if !extra[name] {
				c.diffs = append(c.diffs, fmt.Sprintf("%s: unexpected function %q", path, name))
			}
		}
		g = g[:len(w)]
	}
	if len(w) != len(g) {
		c.diffs = append(c.diffs, fmt.Sprintf("%s: length: want %d got %d", path, len(w), len(g)))
	}
	for i := 0; i < len(w) && i < len(g); i++ {
		c.compare(fmt.Sprintf("%s[%d]", path, i), key, w[i], g[i])
	}
}

func (c *comparer) compareNumber(path, key string, w, g json.Number) {
	switch {
	case volatileTimes[key] && w.String() != "0" && g.String() != "0":
	case key == "itemid":
		// Draft item ids are random on Moodle (file_get_unused_draft_itemid);
		// later calls that send the recorded id get ours instead.
		c.r.itemID[w.String()] = g.String()
	case w != g:
		c.fail(path, w, g)
	}
}

func (c *comparer) compareString(path, key string, w, g string) {
	if key == "userprivateaccesskey" { // a random per-user key
		return
	}
	if c.r.normalise(w) != c.r.normalise(g) {
		c.fail(path, w, g)
	}
}
