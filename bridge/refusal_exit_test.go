package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/refusal"
)

// A refusal, from any feature and however wrapped, exits 1 with its
// reason in English and French on stderr.
func TestRefusalExitsOneWithItsReason(t *testing.T) {
	var stderr bytes.Buffer
	err := fmt.Errorf("archive: %w", refusal.New("wrong_state", "seule une session peut être archivée", "only a session can be archived"))
	if code := exitCode(&stderr, "archive", err); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	out := stderr.String()
	for _, want := range []string{"only a session can be archived", "seule une session peut être archivée", "wrong_state"} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr %q lacks %q", out, want)
		}
	}
	if strings.Contains(out, "internal") {
		t.Errorf("stderr %q says internal", out)
	}
}
