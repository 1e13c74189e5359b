package app

import (
	"archive/zip"
	"fmt"
	"io"
)

func writeZip(w io.Writer, names [][2]string, docs [][]byte) error {
	zw := zip.NewWriter(w)
	for i, n := range names {
		f, err := zw.Create(n[0])
		if err != nil {
			return fmt.Errorf("zip certificates: %w", err)
		}
		if _, err := f.Write(docs[i]); err != nil {
			return fmt.Errorf("zip certificates: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("zip certificates: %w", err)
	}
	return nil
}
