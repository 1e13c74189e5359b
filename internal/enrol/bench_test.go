package enrol

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"testing"
)

// genFile returns a GAIA-like file of n rows (semicolons, CRLF, a quoted
// cell every 50 rows, some accented names).
func genFile(n int) []byte {
	var b bytes.Buffer
	b.WriteString("Nom;Prénom;Mail;Fonction;Grade;Établissement\r\n")
	for i := 0; i < n; i++ {
		writeGenRow(&b, i)
	}
	return b.Bytes()
}

func writeGenRow(b *bytes.Buffer, i int) {
	if i%50 == 0 {
		fmt.Fprintf(b, "\"NOM%d; BIS\";Émilie;Emilie.Nom%d@ac-versailles.fr;ENS;P ECOLE CN;0781234A\r\n", i, i)
		return
	}
	fmt.Fprintf(b, "NOM%d;Jean-Pierre;jean-pierre.nom%d@ac-versailles.fr;ENS;PROF CERTIFIE;0781234A\r\n", i, i)
}

func BenchmarkParse(b *testing.B) {
	for _, n := range []int{20_000, 100_000} {
		data := genFile(n)
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			rows := 0
			for b.Loop() {
				rows += countRows(b, bytes.NewReader(data))
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

func countRows(tb testing.TB, src io.Reader) int {
	r, err := NewReader(src, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	n := 0
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return n
		}
		if err != nil {
			tb.Fatal(err)
		}
		if !row.Usable() {
			tb.Fatalf("line %d unusable: %+v", row.Line, row.Problems)
		}
		n++
	}
}

// genReader produces the generated file lazily, so the test measures the
// Reader's memory, not the input's.
type genReader struct {
	n, i int
	buf  bytes.Buffer
}

func (g *genReader) Read(p []byte) (int, error) {
	for g.buf.Len() < len(p) && g.i <= g.n {
		if g.i == 0 {
			g.buf.WriteString("Nom;Prénom;Mail;Fonction;Grade;Établissement\r\n")
		} else {
			writeGenRow(&g.buf, g.i)
		}
		g.i++
	}
	if g.buf.Len() == 0 {
		return 0, io.EOF
	}
	return g.buf.Read(p)
}

// TestMemoryStaysFlat parses 200,000 rows (~17 MB) from a lazy source.
// Keeping the rows would take well over 100 MB; the duplicate set is about
// 40 bytes per distinct row (8 MB here). The bound is loose on purpose.
func TestMemoryStaysFlat(t *testing.T) {
	const n = 200_000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r, err := NewReader(&genReader{n: n}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	for {
		_, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows++
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(r)
	if rows != n {
		t.Fatalf("%d rows, want %d", rows, n)
	}
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	if grown > 32<<20 {
		t.Fatalf("heap grew by %d MB for %d rows", grown>>20, n)
	}
	t.Logf("heap grew by %.1f MB for %d rows (%.0f bytes/row)", float64(grown)/(1<<20), n, float64(grown)/n)
}
