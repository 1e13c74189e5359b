package logging

import (
	"bytes"
	"testing"
)

// TestScrubberCoversShortSecrets: a secret of any length is scrubbed (it
// skipped those under 4 bytes), the longest first.
func TestScrubberCoversShortSecrets(t *testing.T) {
	var out bytes.Buffer
	s := NewScrubber(&out, []string{"k9", "tok-k9-long"})
	s.Write([]byte(`{"msg":"calling with k9 and tok-k9-long"}`))
	if got := out.String(); bytes.Contains([]byte(got), []byte("k9")) || got != `{"msg":"calling with ******** and ********"}` {
		t.Fatalf("scrubbed line: %s", got)
	}
}
