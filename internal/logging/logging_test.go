package logging

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestScrubberRemovesSecretsInJSONAndConsole(t *testing.T) {
	for _, format := range []string{"json", "console"} {
		var buf bytes.Buffer
		log := New(&buf, Options{Format: format, Secrets: []string{"tok-abcdef123"}})
		log.Error().Err(errors.New("GET https://x/pluginfile.php?token=tok-abcdef123 failed")).Msg("download")
		if strings.Contains(buf.String(), "tok-abcdef123") {
			t.Errorf("%s: secret leaked: %s", format, buf.String())
		}
		if !strings.Contains(buf.String(), "download") {
			t.Errorf("%s: message lost: %s", format, buf.String())
		}
	}
}

func TestEveryRateLimits(t *testing.T) {
	allow := Every(time.Hour)
	if ok, _ := allow("db"); !ok {
		t.Fatal("first line must pass")
	}
	for i := 0; i < 5; i++ {
		if ok, _ := allow("db"); ok {
			t.Fatal("repeated line within the interval must be suppressed")
		}
	}
	if ok, _ := allow("other"); !ok {
		t.Fatal("a different key is independent")
	}
}
