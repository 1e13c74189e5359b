package enrol

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReader: any input either fails NewReader with a *FileError or yields
// rows with strictly increasing, positive line numbers, problems on the
// row's own line, and ends with io.EOF or a *FileError. Never a panic.
func FuzzReader(f *testing.F) {
	paths, err := filepath.Glob("testdata/*")
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("Mail;Nom\n\"a@b.fr;\"\"x\n\r\r\n;\"\n"))
	f.Add([]byte("\xff\xfeM\x00a\x00i\x00l\x00\n\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data), Options{MaxLineBytes: 4096})
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("NewReader error is not a *FileError: %v", err)
			}
			return
		}
		last := 0
		for i := 0; ; i++ {
			if i > len(data)+1 {
				t.Fatalf("more rows (%d) than bytes (%d)", i, len(data))
			}
			row, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				var fe *FileError
				if !errors.As(err, &fe) {
					t.Fatalf("Next error is not a *FileError: %v", err)
				}
				return
			}
			if row.Line <= last {
				t.Fatalf("line %d after line %d", row.Line, last)
			}
			last = row.Line
			for _, p := range row.Problems {
				if p.Line != row.Line {
					t.Fatalf("problem on line %d for row on line %d", p.Line, row.Line)
				}
			}
		}
	})
}
