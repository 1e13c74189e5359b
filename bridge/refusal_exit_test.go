package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/refusal"
)

// A refusal, from any feature and however wrapped, exits 1 with its
// reason in the operator's language and its code, never "internal".
func TestRefusalExitsOneWithItsReason(t *testing.T) {
	err := fmt.Errorf("archive: %w", refusal.New("wrong_state", "seule une session peut être archivée", "only a session can be archived"))
	for lang, want := range map[string]string{"en": "only a session can be archived", "fr": "seule une session peut être archivée"} {
		var stderr bytes.Buffer
		env := &cliEnv{lang: lang, stderr: &stderr}
		if code := exitCode(env, "archive", err); code != 1 {
			t.Fatalf("%s: exit %d, want 1", lang, code)
		}
		out := stderr.String()
		if !strings.Contains(out, want) || !strings.Contains(out, "(wrong_state)") || strings.Contains(out, "internal") {
			t.Errorf("%s: stderr %q, want %q and the code", lang, out, want)
		}
	}
}
