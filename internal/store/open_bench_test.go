package store

import (
	"context"
	"testing"
)

// BenchmarkOpenSQLite is what opening the embedded store costs a CLI
// command: "fresh" creates it and applies every migration, "existing"
// finds them applied.
func BenchmarkOpenSQLite(b *testing.B) {
	ctx := context.Background()
	b.Run("fresh", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			s, err := Open(ctx, "", b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			s.Close()
		}
	})
	b.Run("existing", func(b *testing.B) {
		dir := b.TempDir()
		s, err := Open(ctx, "", dir)
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			s, err := Open(ctx, "", dir)
			if err != nil {
				b.Fatal(err)
			}
			s.Close()
		}
	})
}
