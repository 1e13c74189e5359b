package moodle

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/magistere/bridge/internal/failure"
)

const (
	fnUpload   = "upload.php"
	fnDownload = "pluginfile.php"
)

// UploadFile is one file to put in a draft area.
type UploadFile struct {
	Name   string
	Reader io.Reader
}

// DraftFile is one row of upload.php's answer. Pass ItemID to functions
// that take a draft item (local_bridge_restore_course).
type DraftFile struct {
	Component string `json:"component"`
	ContextID Int    `json:"contextid"`
	UserID    Int    `json:"userid"` // sent as a string by upload.php
	FileArea  string `json:"filearea"`
	FileName  string `json:"filename"`
	FilePath  string `json:"filepath"`
	ItemID    Int    `json:"itemid"`
	License   string `json:"license"`
	Author    string `json:"author"`
	Source    string `json:"source"`
	FileSize  Int    `json:"filesize"`
}

// Upload sends files to the token owner's draft area (itemID 0 = a new
// draft item) through /webservice/upload.php.
func (c *Client) Upload(ctx context.Context, itemID Int, files ...UploadFile) ([]DraftFile, error) {
	if len(files) == 0 {
		return nil, fmt.Errorf("moodle site %s: %s: no file to upload", c.site.Name, fnUpload)
	}
	fields := []*resty.MultipartField{}
	for i, f := range files {
		fields = append(fields, &resty.MultipartField{
			Param: "file_" + strconv.Itoa(i+1), FileName: f.Name, ContentType: "application/octet-stream", Reader: f.Reader,
		})
	}
	started := time.Now()
	var out []DraftFile
	err := c.upload(ctx, itemID, fields, &out)
	if err == nil && len(out) == 0 {
		err = c.decodeError(fnUpload, "", nil, errors.New("no file in the answer"))
	}
	c.record(fnUpload, started, 3+len(files), err)
	return out, err
}

func (c *Client) upload(ctx context.Context, itemID Int, fields []*resty.MultipartField, out any) error {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	release, err := c.acquire(ctx)
	if err != nil {
		return &TransportError{Site: c.site.Name, Function: fnUpload, Err: err}
	}
	defer release()
	if err := c.fenced(ctx, fnUpload); err != nil {
		return err
	}
	resp, err := c.http.R().SetContext(ctx).
		SetMultipartFormData(map[string]string{"token": c.site.Token, "filearea": "draft", "itemid": itoa(int64(itemID))}).
		SetMultipartFields(fields...).
		Post(c.site.WWWRoot + "/webservice/upload.php")
	if err != nil {
		if err, ok := c.notSent(fnUpload, err); ok {
			return err
		}
		return &TransportError{Site: c.site.Name, Function: fnUpload, Err: c.redactErr(err)}
	}
	return c.decodeAnswer(fnUpload, resp.StatusCode(), resp.Header().Get("Content-Type"), resp.Body(), out)
}

// Downloaded describes a file written to disk.
type Downloaded struct {
	Path   string
	Size   int64
	SHA256 string // hex
}

// WebServiceFileURL rewrites a pluginfile URL for token access
// (/pluginfile.php/… becomes /webservice/pluginfile.php/…); a path alone is
// resolved against the site's wwwroot.
func (c *Client) WebServiceFileURL(fileURL string) (*url.URL, error) {
	u, err := url.Parse(fileURL)
	if err != nil {
		return nil, fmt.Errorf("moodle site %s: file URL: %w", c.site.Name, err)
	}
	if !u.IsAbs() {
		base, err := url.Parse(c.site.WWWRoot + "/")
		if err != nil {
			return nil, fmt.Errorf("moodle site %s: wwwroot: %w", c.site.Name, err)
		}
		u = base.ResolveReference(&url.URL{Path: strings.TrimPrefix(u.Path, "/"), RawQuery: u.RawQuery})
	}
	// The token is only ever sent to the configured site.
	if site, err := url.Parse(c.site.WWWRoot); err != nil || !strings.EqualFold(u.Scheme, site.Scheme) || !strings.EqualFold(u.Host, site.Host) {
		return nil, fmt.Errorf("moodle site %s: file URL on host %q, not the site's own (%s): refused, the token is only sent to the site",
			c.site.Name, u.Host, c.site.WWWRoot)
	}
	if !strings.Contains(u.Path, "/webservice/pluginfile.php/") {
		u.Path = strings.Replace(u.Path, "/pluginfile.php/", "/webservice/pluginfile.php/", 1)
	}
	q := u.Query()
	q.Del("token")
	u.RawQuery = q.Encode()
	return u, nil
}

// Download streams a pluginfile to dest (through a temporary file renamed
// at the end) and returns its size and SHA-256. The token must go in the
// query string, so that URL is never logged nor put in an error.
func (c *Client) Download(ctx context.Context, fileURL, dest string) (*Downloaded, error) {
	u, err := c.WebServiceFileURL(fileURL)
	if err != nil {
		return nil, err
	}
	started := time.Now()
	got, err := c.download(ctx, u, dest)
	c.record(fnDownload, started, 1, err)
	return got, err
}

func (c *Client) download(ctx context.Context, u *url.URL, dest string) (*Downloaded, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	release, err := c.acquire(ctx)
	if err != nil {
		return nil, &TransportError{Site: c.site.Name, Function: fnDownload, Err: err}
	}
	defer release()
	withToken := *u
	q := withToken.Query()
	q.Set("token", c.site.Token)
	withToken.RawQuery = q.Encode()
	resp, err := c.http.R().SetContext(ctx).SetDoNotParseResponse(true).Get(withToken.String())
	if err != nil {
		return nil, &TransportError{Site: c.site.Name, Function: fnDownload, Err: c.redactErr(err)}
	}
	body := resp.RawBody()
	defer body.Close()
	fn := fnDownload + " " + u.Path
	reader := bufio.NewReaderSize(body, 64<<10)
	if err := c.downloadFailure(fn, resp.StatusCode(), resp.Header().Get("Content-Type"), reader); err != nil {
		return nil, err
	}
	return c.saveStream(fn, reader, dest)
}

// downloadFailure recognises a failed download: a non-200 status, or a 200
// whose body is the files endpoint's JSON error (a bad token answers so).
func (c *Client) downloadFailure(fn string, status int, ctype string, r *bufio.Reader) error {
	head, _ := r.Peek(512)
	trimmed := bytes.TrimSpace(head)
	looksLikeError := bytes.HasPrefix(trimmed, []byte("{")) && bytes.Contains(trimmed, []byte(`"errorcode"`))
	if status == 200 && !looksLikeError {
		return nil
	}
	// Peek, not read: a real file that merely looks like JSON stays whole.
	body, _ := r.Peek(r.Size())
	if me := c.parseJSONError(fn, status, bytes.TrimSpace(body)); me != nil {
		return me
	}
	if status == 200 {
		return nil
	}
	return c.httpError(fn, status, ctype, body)
}

func (c *Client) saveStream(fn string, r io.Reader, dest string) (*Downloaded, error) {
	tmp, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".part-*")
	if err != nil {
		return nil, localIOError(c.site.Name, fn, "temp file", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	sum := sha256.New()
	size, err := io.Copy(io.MultiWriter(tmp, sum), r)
	if err != nil {
		tmp.Close()
		return nil, &TransportError{Site: c.site.Name, Function: fn, Err: c.redactErr(err)}
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, localIOError(c.site.Name, fn, "sync", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, localIOError(c.site.Name, fn, "close", err)
	}
	if err := os.Rename(tmp.Name(), dest); err != nil {
		return nil, localIOError(c.site.Name, fn, "rename", err)
	}
	return &Downloaded{Path: dest, Size: size, SHA256: hex.EncodeToString(sum.Sum(nil))}, nil
}

// localIOError gives disk errors a verdict: a missing directory or a
// permission problem needs an operator; anything else (disk full, I/O) may pass.
func localIOError(site, fn, step string, err error) error {
	err = fmt.Errorf("moodle site %s: %s: %s: %w", site, fn, step, err)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return failure.Permanent(err)
	}
	return failure.Retryable(err)
}
