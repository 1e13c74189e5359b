package moodle

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// TestMoodleExcerptsCarryNoNamesNorEmails: the parts of Moodle's answers
// that go into errors (an exception's message and debug info, the start of
// an unexpected answer) lose e-mail addresses and name fields, so they do
// not reach logs, the audit or a job's last_error.
func TestMoodleExcerptsCarryNoNamesNorEmails(t *testing.T) {
	answers := map[string]struct {
		status int
		body   string
	}{
		"exception": {200, `{"exception":"invalid_parameter_exception","errorcode":"invalidparameter","message":"Email address already exists: alice.martin@ac-rennes.fr","debuginfo":"username=amartin firstname=Alice"}`},
		"html 500":  {500, `<html><body>Fatal: {"id":5,"firstname":"Alice","lastname":"Martin","email":"alice.martin@ac-rennes.fr"}</body></html>`},
		"odd json":  {200, `{"users":[{"fullname":"Alice Martin","email":"alice.martin@ac-rennes.fr"}]`},
	}
	for name, a := range answers {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(a.status)
				w.Write([]byte(a.body))
			}))
			defer srv.Close()
			c, err := New(Site{Name: "s", WWWRoot: srv.URL, Token: "tok-0123456789"}, Options{Timeout: 5 * time.Second, Logger: zerolog.Nop()})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.GetSiteInfo(context.Background())
			if err == nil {
				t.Fatal("no error")
			}
			var debug string
			var me *Error
			if asErr(err, &me) {
				debug = me.DebugInfo + me.Message
			}
			for _, leak := range []string{"alice", "Alice", "Martin", "amartin", "ac-rennes.fr"} {
				if strings.Contains(err.Error()+debug, leak) {
					t.Errorf("error text holds %q: %s %s", leak, err, debug)
				}
			}
		})
	}
}
