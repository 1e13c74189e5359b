package moodle

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// TestTokenNeverLeavesTheSite: a redirect to another host is not followed
// (the token would go with it), and a file URL on another host is refused
// before any request.
func TestTokenNeverLeavesTheSite(t *testing.T) {
	var stolen atomic.Int32
	thief := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if strings.Contains(r.URL.RawQuery+r.Form.Encode()+r.Header.Get("Referer"), "secret-token") {
			stolen.Add(1)
		}
		w.Write([]byte(`{"sitename":"x"}`))
	}))
	defer thief.Close()
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, thief.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer site.Close()
	c, err := New(Site{Name: "s", WWWRoot: site.URL, Token: "secret-token"}, Options{Timeout: 5 * time.Second, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.GetSiteInfo(ctx); err == nil {
		t.Error("a redirected call succeeded")
	}
	if _, err := c.Download(ctx, site.URL+"/pluginfile.php/1/x/y.mbz", filepath.Join(t.TempDir(), "f")); err == nil {
		t.Error("a redirected download succeeded")
	}
	_, err = c.Download(ctx, thief.URL+"/pluginfile.php/1/x/y.mbz", filepath.Join(t.TempDir(), "g"))
	if err == nil || !strings.Contains(err.Error(), "not the site's own") {
		t.Errorf("a file URL on another host: %v", err)
	}
	if n := stolen.Load(); n != 0 {
		t.Fatalf("the token reached another host %d time(s)", n)
	}
}
