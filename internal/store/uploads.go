package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// UploadChunkSize keeps each stored piece of an uploaded file well under
// MySQL's default max_allowed_packet (16 MiB on MariaDB).
const UploadChunkSize = 1 << 20

// PutUpload keeps a file (a CSV sent to the API or the CLI) in the store,
// so a job can name it by SHA-256 instead of carrying it in its payload,
// and any replica can read it. Storing the same content again is a no-op.
func (s *Store) PutUpload(ctx context.Context, data []byte) (string, error) {
	sum := sha256.Sum256(data)
	key := hex.EncodeToString(sum[:])
	var exists int
	err := s.rdb.QueryRowContext(ctx, `SELECT 1 FROM uploads WHERE sha256 = ?`, key).Scan(&exists)
	if err == nil {
		return key, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", wrap("put upload: look up", err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", wrap("put upload: begin", err)
	}
	defer tx.Rollback()
	// A concurrent upload of the same content may have won: start clean.
	if _, err := tx.ExecContext(ctx, `DELETE FROM upload_chunks WHERE sha256 = ?`, key); err != nil {
		return "", wrap("put upload: clear", err)
	}
	chunks := 0
	for off := 0; off < len(data) || chunks == 0; off += UploadChunkSize {
		end := min(off+UploadChunkSize, len(data))
		part := append([]byte{}, data[off:end]...) // never nil: an empty file is one empty chunk
		if _, err := tx.ExecContext(ctx, `INSERT INTO upload_chunks (sha256, seq, data) VALUES (?, ?, ?)`, key, chunks, part); err != nil {
			return "", wrap("put upload: chunk", err)
		}
		chunks++
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM uploads WHERE sha256 = ?`, key); err != nil {
		return "", wrap("put upload: replace", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO uploads (sha256, size, chunks, created_at) VALUES (?, ?, ?, ?)`,
		key, len(data), chunks, millis(s.Now())); err != nil {
		return "", wrap("put upload", err)
	}
	return key, wrap("put upload: commit", tx.Commit())
}

// GetUpload reads a stored file back and checks its SHA-256;
// ErrNotFound when it was never stored or has been purged.
func (s *Store) GetUpload(ctx context.Context, key string) ([]byte, error) {
	var size, chunks int
	err := s.rdb.QueryRowContext(ctx, `SELECT size, chunks FROM uploads WHERE sha256 = ?`, key).Scan(&size, &chunks)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: upload %s: %w", shortKey(key), ErrNotFound)
	}
	if err != nil {
		return nil, wrap("get upload", err)
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT data FROM upload_chunks WHERE sha256 = ? ORDER BY seq`, key)
	if err != nil {
		return nil, wrap("get upload: chunks", err)
	}
	defer rows.Close()
	data := make([]byte, 0, size)
	for rows.Next() {
		var part []byte
		if err := rows.Scan(&part); err != nil {
			return nil, wrap("get upload: scan", err)
		}
		data = append(data, part...)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("get upload: chunks", err)
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != key || len(data) != size {
		return nil, &Error{fmt.Sprintf("upload %s is corrupt: %d of %d bytes, checksum mismatch", shortKey(key), len(data), size)}
	}
	return data, nil
}

// PurgeUploads deletes files stored before the given time.
func (s *Store) PurgeUploads(ctx context.Context, before time.Time) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, wrap("purge uploads: begin", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM upload_chunks WHERE sha256 IN (SELECT sha256 FROM uploads WHERE created_at < ?)`, millis(before)); err != nil {
		return 0, wrap("purge uploads: chunks", err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM uploads WHERE created_at < ?`, millis(before))
	if err != nil {
		return 0, wrap("purge uploads", err)
	}
	n, _ := res.RowsAffected()
	return n, wrap("purge uploads: commit", tx.Commit())
}

func shortKey(key string) string {
	if len(key) > 12 {
		return key[:12]
	}
	return key
}
