package moodle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/failure"
)

// filesServer answers upload.php and pluginfile.php with the responses
// recorded in files.json, checking the token where Moodle would.
func filesServer(t *testing.T) (*httptest.Server, string) {
	var upload, badToken, notFound json.RawMessage
	var content string
	for _, e := range loadFile(t, "files.json") {
		switch {
		case e.Endpoint == "/webservice/upload.php" && upload == nil && strings.Contains(e.Note, "draft item id"):
			upload = e.Response
		case strings.HasPrefix(e.Endpoint, "/webservice/pluginfile.php") && e.HTTPStatus == 404:
			notFound = e.Response
		case strings.HasPrefix(e.Endpoint, "/webservice/pluginfile.php") && e.isRaw():
			content = e.rawText()
		case e.Query["token"] == "bad":
			badToken = e.Response
		}
	}
	if upload == nil || notFound == nil || badToken == nil || content == "" {
		t.Fatal("files.json lacks a recorded case")
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/webservice/upload.php", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			t.Errorf("multipart: %v", err)
		}
		if r.FormValue("token") != testToken {
			w.Write(phpJSON(badToken))
			return
		}
		if r.FormValue("filearea") != "draft" || r.FormValue("itemid") != "0" || r.MultipartForm.File["file_1"] == nil {
			t.Errorf("upload form: %v", r.MultipartForm.Value)
		}
		w.Write(phpJSON(upload))
	})
	mux.HandleFunc("/webservice/pluginfile.php/", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Query().Get("token") != testToken:
			w.Write(phpJSON(badToken))
		case strings.HasSuffix(r.URL.Path, "/sample.txt"):
			io.WriteString(w, content)
		default:
			w.WriteHeader(404)
			w.Write(phpJSON(notFound))
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, content
}

func TestUpload(t *testing.T) {
	srv, _ := filesServer(t)
	c := newTestClient(t, srv.URL, nil, Options{})
	files, err := c.Upload(context.Background(), 0, UploadFile{Name: "sample.txt", Reader: strings.NewReader("Bonjour")})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0].ItemID != 947728990 || files[0].UserID != 2 || files[0].FileArea != "draft" || files[0].FileSize != 44 {
		t.Errorf("draft files %+v", files)
	}
	bad, _ := New(Site{Name: "test", WWWRoot: srv.URL, Token: "not-the-token"}, Options{})
	_, err = bad.Upload(context.Background(), 0, UploadFile{Name: "a", Reader: strings.NewReader("x")})
	if !IsErrorCode(err, "invalidtoken") || failure.IsRetryable(err) {
		t.Fatalf("bad token upload: %v", err)
	}
}

func TestDownloadWithChecksum(t *testing.T) {
	srv, content := filesServer(t)
	logs := &syncBuffer{}
	c := newTestClient(t, srv.URL, logs, Options{})
	dir := t.TempDir()
	dest := filepath.Join(dir, "attestation.txt")
	// An API URL (/pluginfile.php/…) is rewritten to the web-service one.
	got, err := c.Download(context.Background(), srv.URL+"/pluginfile.php/5/user/private/sample.txt", dest)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(content))
	if got.Size != int64(len(content)) || got.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("downloaded %+v", got)
	}
	data, _ := os.ReadFile(dest)
	if string(data) != content {
		t.Errorf("content %q", data)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}

	_, err = c.Download(context.Background(), "/pluginfile.php/5/user/private/nope.txt", filepath.Join(dir, "nope"))
	var me *Error
	if !errors.As(err, &me) || me.ErrorCode != "filenotfound" || me.HTTPStatus != 404 || failure.IsRetryable(err) {
		t.Fatalf("missing file: %v", err)
	}
	if _, statErr := os.Stat(filepath.Join(dir, "nope")); statErr == nil {
		t.Error("a failed download must not leave a file")
	}
	bad, _ := New(Site{Name: "test", WWWRoot: srv.URL, Token: "bad"}, Options{})
	if _, err := bad.Download(context.Background(), "/pluginfile.php/5/user/private/sample.txt", filepath.Join(dir, "x")); !IsErrorCode(err, "invalidtoken") {
		t.Fatalf("bad token download: %v", err)
	}
	if strings.Contains(logs.String(), testToken) || strings.Contains(err.Error(), "token=") {
		t.Error("token leaked")
	}
}

// A connection refused on a download URL carrying the token must not put
// that URL in the error.
func TestDownloadTransportErrorHidesToken(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	logs := &syncBuffer{}
	c := newTestClient(t, url, logs, Options{})
	_, err := c.Download(context.Background(), "/pluginfile.php/1/x/y/z.mbz", filepath.Join(t.TempDir(), "z"))
	var te *TransportError
	if !errors.As(err, &te) || !failure.IsRetryable(err) {
		t.Fatalf("want retryable transport error, got %v", err)
	}
	if strings.Contains(err.Error(), testToken) || strings.Contains(logs.String(), testToken) {
		t.Fatalf("token leaked: %v", err)
	}
}
