package e2e

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// browser is a headless Debian chromium driven over its DevTools protocol
// through --remote-debugging-pipe: JSON messages separated by NUL bytes on
// file descriptors 3 (commands) and 4 (answers and events), so no websocket
// library is needed. One page, one session.
type browser struct {
	t       *testing.T
	cmd     *exec.Cmd
	in      io.WriteCloser
	mu      sync.Mutex
	nextID  int
	pending map[int]chan cdpReply
	session string
	shots   string // screenshot directory, outside git
	dialogs chan string
}

type cdpReply struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

type cdpMessage struct {
	ID        int             `json:"id"`
	Method    string          `json:"method"`
	Params    json.RawMessage `json:"params"`
	SessionID string          `json:"sessionId"`
	cdpReply
}

// chromiumPath finds Debian's chromium (apt-get install chromium).
func chromiumPath() (string, error) {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium on PATH: install Debian's package (apt-get install chromium)")
}

// screenshotDir is where the browser suite keeps its screenshots: a test
// artifact, never in git ($BRIDGE_E2E_SCREENS, default $TMPDIR/bridge-screens).
func screenshotDir() string {
	if d := os.Getenv("BRIDGE_E2E_SCREENS"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "bridge-screens")
}

// newBrowser starts chromium with an empty profile and attaches to a new page.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	path, err := chromiumPath()
	if err != nil {
		t.Fatal(err)
	}
	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	profile := t.TempDir()
	cmd := exec.Command(path, "--headless=new", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
		"--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-dev-shm-usage",
		"--user-data-dir="+profile, "--window-size=1280,900", "--lang=fr-FR", "about:blank")
	cmd.ExtraFiles = []*os.File{cmdR, outW} // fd 3: commands in, fd 4: answers out
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	cmdR.Close()
	outW.Close()
	b := &browser{t: t, cmd: cmd, in: cmdW, pending: map[int]chan cdpReply{}, shots: screenshotDir(), dialogs: make(chan string, 8)}
	t.Cleanup(func() {
		b.in.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	go b.read(outR)
	var target struct {
		TargetID string `json:"targetId"`
	}
	b.browserCall("Target.createTarget", map[string]any{"url": "about:blank"}, &target)
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	b.browserCall("Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached)
	b.session = attached.SessionID
	b.call("Page.enable", nil, nil)
	b.call("Runtime.enable", nil, nil)
	b.call("Emulation.setDeviceMetricsOverride", map[string]any{"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false}, nil)
	return b
}

func (b *browser) read(r io.Reader) {
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		raw, err := br.ReadBytes(0)
		if err != nil {
			b.mu.Lock()
			for id, ch := range b.pending {
				close(ch)
				delete(b.pending, id)
			}
			b.mu.Unlock()
			return
		}
		var m cdpMessage
		if json.Unmarshal(raw[:len(raw)-1], &m) != nil {
			continue
		}
		if m.ID != 0 {
			b.mu.Lock()
			ch := b.pending[m.ID]
			delete(b.pending, m.ID)
			b.mu.Unlock()
			if ch != nil {
				ch <- m.cdpReply
			}
			continue
		}
		if m.Method == "Page.javascriptDialogOpening" {
			var p struct {
				Message string `json:"message"`
			}
			json.Unmarshal(m.Params, &p)
			select {
			case b.dialogs <- p.Message:
			default:
			}
		}
	}
}

func (b *browser) send(session, method string, params any, out any) error {
	b.mu.Lock()
	b.nextID++
	id := b.nextID
	ch := make(chan cdpReply, 1)
	b.pending[id] = ch
	b.mu.Unlock()
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	raw, _ := json.Marshal(msg)
	if _, err := b.in.Write(append(raw, 0)); err != nil {
		return fmt.Errorf("%s: writing to chromium: %w", method, err)
	}
	select {
	case rep, ok := <-ch:
		if !ok {
			return fmt.Errorf("%s: chromium exited", method)
		}
		if rep.Error != nil {
			return fmt.Errorf("%s: %s", method, rep.Error.Message)
		}
		if out != nil {
			return json.Unmarshal(rep.Result, out)
		}
		return nil
	case <-time.After(60 * time.Second):
		return fmt.Errorf("%s: no answer from chromium in 60 s", method)
	}
}

func (b *browser) browserCall(method string, params, out any) {
	b.t.Helper()
	if err := b.send("", method, params, out); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browser) call(method string, params, out any) {
	b.t.Helper()
	if err := b.send(b.session, method, params, out); err != nil {
		b.t.Fatal(err)
	}
}

// eval runs a JavaScript expression in the page and returns its value as
// JSON-decoded into out (nil: ignored).
func (b *browser) eval(expr string, out any) {
	b.t.Helper()
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	b.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}, &res)
	if res.ExceptionDetails != nil {
		b.t.Fatalf("javascript %q: %s %s", expr, res.ExceptionDetails.Text, res.ExceptionDetails.Exception.Description)
	}
	if out != nil && len(res.Result.Value) > 0 {
		if err := json.Unmarshal(res.Result.Value, out); err != nil {
			b.t.Fatalf("javascript %q: %v", expr, err)
		}
	}
}

func (b *browser) str(expr string) string {
	b.t.Helper()
	var s string
	b.eval(expr, &s)
	return s
}

// act runs JavaScript that navigates (a link, a form submission) and waits
// for the next page to be loaded.
func (b *browser) act(js string) {
	b.t.Helper()
	b.eval("window.__bridgeOld = true", nil)
	b.eval(js, nil)
	b.waitLoad()
}

// open loads url and waits for it.
func (b *browser) open(url string) {
	b.t.Helper()
	b.eval("window.__bridgeOld = true", nil)
	b.call("Page.navigate", map[string]any{"url": url}, nil)
	b.waitLoad()
}

// pageReady: a new page, loaded, and Moodle's JavaScript settled (the
// pending-JS list Behat waits on too).
const pageReady = `window.__bridgeOld === undefined && document.readyState === 'complete' &&
  !(window.M && M.util && M.util.pending_js && M.util.pending_js.length > 0)`

func (b *browser) waitLoad() {
	b.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		var res struct {
			Result struct {
				Value bool `json:"value"`
			} `json:"result"`
		}
		// Errors are expected while the old page goes away.
		ready := b.send(b.session, "Runtime.evaluate", map[string]any{
			"expression": pageReady, "returnByValue": true,
		}, &res) == nil && res.Result.Value
		if ready {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.t.Fatalf("page did not load in 90 s (at %s)", b.str("location.href"))
}

// waitLoad0 waits for Moodle's JavaScript on the current page (no navigation).
func (b *browser) waitLoad0() {
	b.t.Helper()
	time.Sleep(300 * time.Millisecond)
	b.waitLoad()
}

// screenshot saves the whole page as name.png under the screenshot
// directory and returns the path.
func (b *browser) screenshot(name string) string {
	b.t.Helper()
	if err := os.MkdirAll(b.shots, 0o755); err != nil {
		b.t.Fatal(err)
	}
	var metrics struct {
		CSSContentSize struct {
			Width  float64 `json:"width"`
			Height float64 `json:"height"`
		} `json:"cssContentSize"`
	}
	b.call("Page.getLayoutMetrics", nil, &metrics)
	h := metrics.CSSContentSize.Height
	if h < 900 {
		h = 900
	}
	if h > 8000 {
		h = 8000
	}
	var shot struct {
		Data string `json:"data"`
	}
	b.call("Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true,
		"clip": map[string]any{"x": 0, "y": 0, "width": 1280, "height": h, "scale": 1}}, &shot)
	png, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		b.t.Fatal(err)
	}
	path := filepath.Join(b.shots, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	return path
}

// setFile gives the file input the selector finds a local file, as a
// person choosing it would.
func (b *browser) setFile(selector, path string) {
	b.t.Helper()
	var res struct {
		Result struct {
			ObjectID string `json:"objectId"`
		} `json:"result"`
	}
	b.call("Runtime.evaluate", map[string]any{"expression": "document.querySelector(" + jsString(selector) + ")"}, &res)
	if res.Result.ObjectID == "" {
		b.t.Fatalf("no file input %s", selector)
	}
	b.call("DOM.setFileInputFiles", map[string]any{"files": []string{path}, "objectId": res.Result.ObjectID}, nil)
}

// waitFor polls a JavaScript condition for up to 60 s.
func (b *browser) waitFor(cond, what string) {
	b.t.Helper()
	if !b.poll(cond) {
		b.screenshot("timeout")
		b.t.Fatalf("waited 60 s for %s", what)
	}
}

// poll reports whether a JavaScript condition held within 60 s.
func (b *browser) poll(cond string) bool {
	b.t.Helper()
	return b.pollWithin(cond, time.Minute)
}

// pollWithin reports whether a JavaScript condition held within d.
func (b *browser) pollWithin(cond string, d time.Duration) bool {
	b.t.Helper()
	for deadline := time.Now().Add(d); ; time.Sleep(100 * time.Millisecond) {
		var ok bool
		b.eval("!!("+cond+")", &ok)
		if ok {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// uploadCSV uploads path through Moodle's filepicker on the current page
// (choose, "Upload a file", the file, upload) and waits for its name to
// show in the form. On a timeout it says what the filepicker showed
// instead (an error message, a dialog), not only that it waited.
//
// The filepicker opens on the repository used last. When that is already
// "Upload a file", the click on it renders the upload form again and can
// replace the input the file was just set on: the upload then answers
// "No files attached" (seen in a full run, on a page's second upload). So
// each attempt checks that the input holds the file right before the
// upload, and an attempt answered by the filepicker's error box is
// dismissed and made again, up to three times.
func (b *browser) uploadCSV(path string) {
	b.t.Helper()
	name := filepath.Base(path)
	b.eval(`document.querySelector('.fp-btn-choose, input.fp-btn-choose, button.fp-btn-choose').click()`, nil)
	b.waitFor(`[...document.querySelectorAll('.file-picker .fp-repo a, .file-picker .fp-repo')].find(a => /Upload a file|Déposer un fichier/.test(a.innerText))`, "the filepicker's repositories")
	b.eval(`[...document.querySelectorAll('.file-picker .fp-repo a')].find(a => /Upload a file|Déposer un fichier/.test(a.innerText)).click()`, nil)
	// The visible upload form's file input gets a mark, so that the file is
	// set on, checked on, and uploaded by the same form.
	const marked = `[data-bridge-upload="1"]`
	mark := `(() => { document.querySelectorAll('[data-bridge-upload]').forEach(x => x.removeAttribute('data-bridge-upload'));
	  const f = [...document.querySelectorAll('.file-picker .fp-upload-form')].find(x => x.offsetParent !== null);
	  const i = f && f.querySelector('.fp-file input[type=file]');
	  if (i) i.setAttribute('data-bridge-upload', '1');
	  return !!i; })()`
	holdsFile := `(document.querySelector('` + marked + `') || {files: []}).files.length === 1`
	shown := `(document.querySelector('.filepicker-filename') || {innerText: ''}).innerText.includes(` + jsString(name) + `)`
	errorBox := `[...document.querySelectorAll('.fp-msg-butok')].find(x => x.offsetParent !== null)`
	for attempt := 1; attempt <= 3; attempt++ {
		b.waitFor(mark, "the upload form")
		b.setFile(marked, path)
		if !b.pollWithin(holdsFile, 5*time.Second) {
			b.t.Logf("upload of %s, attempt %d: the form was rendered again under the file; setting it again", name, attempt)
			continue
		}
		b.eval(`document.querySelector('`+marked+`').closest('.fp-upload-form').querySelector('.fp-upload-btn').click()`, nil)
		if b.pollWithin(shown+` || !!(`+errorBox+`)`, time.Minute) && b.pollWithin(shown, time.Second) {
			return
		}
		b.t.Logf("upload of %s, attempt %d: the filepicker answered %q; trying again", name, attempt,
			b.str(`[...document.querySelectorAll('.fp-msg-text')].map(e => e.innerText.trim()).filter(Boolean).join(' | ')`))
		b.eval(`(() => { const ok = `+errorBox+`; if (ok) ok.click(); })()`, nil)
	}
	b.screenshot("upload-timeout")
	b.t.Fatalf("could not upload %s through the filepicker in 3 attempts; it shows: %q", name, b.str(`[...document.querySelectorAll(
	  '.fp-msg, .moodle-dialogue-base:not([aria-hidden=true]) .moodle-dialogue-bd, .file-picker .fp-content')].map(e => e.innerText.trim()).filter(Boolean).join(' | ').slice(0, 400)`))
}

func jsString(s string) string {
	raw, _ := json.Marshal(s)
	return string(raw)
}

// pageHeight is the page's height in CSS pixels.
func (b *browser) pageHeight() int {
	b.t.Helper()
	var h int
	b.eval("document.documentElement.scrollHeight", &h)
	return h
}
