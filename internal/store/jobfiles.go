package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
)

// JobFile is a file a job made as its result (certificates: PDFs, a ZIP).
// It lives as long as the job: DeleteFinishedJobs removes both.
type JobFile struct {
	JobID       int64
	Name        string
	ContentType string
	Size        int
	SHA256      string
	Data        []byte // only from GetJobFile
}

// PutJobFile stores (or replaces, by name) one of a job's result files,
// in pieces under MySQL's max_allowed_packet. It is fenced like a
// checkpoint: written only while l still holds the running job, so a
// worker whose lease was taken over adds nothing.
func (s *Store) PutJobFile(ctx context.Context, l Lease, name, contentType string, data []byte) error {
	op := fmt.Sprintf("put file %q of job %d", name, l.JobID)
	if name == "" || len(name) > 191 {
		return fmt.Errorf("store: %s: %w", op, &Error{"a file name of 1 to 191 bytes is required"})
	}
	return s.InTx(ctx, op, func(t *Tx) error {
		now := t.Now()
		if err := t.ownedUpdate(ctx, fmt.Sprintf("put file %q of", name), l, "updated_at = ?", now); err != nil {
			return err
		}
		return t.s.writeJobFile(ctx, t.tx, l.JobID, name, contentType, data, now)
	})
}

// writeJobFile replaces a job's file inside tx, in chunks.
func (s *Store) writeJobFile(ctx context.Context, tx *sql.Tx, jobID int64, name, contentType string, data []byte, now int64) error {
	op := fmt.Sprintf("put file %q of job %d", name, jobID)
	for _, q := range []string{`DELETE FROM job_file_chunks WHERE job_id = ? AND name = ?`, `DELETE FROM job_files WHERE job_id = ? AND name = ?`} {
		if _, err := tx.ExecContext(ctx, q, jobID, name); err != nil {
			return wrap(op, err)
		}
	}
	chunks := 0
	for off := 0; off < len(data) || chunks == 0; off += UploadChunkSize {
		part := append([]byte{}, data[off:min(off+UploadChunkSize, len(data))]...)
		if _, err := tx.ExecContext(ctx, `INSERT INTO job_file_chunks (job_id, name, seq, data) VALUES (?, ?, ?, ?)`,
			jobID, name, chunks, part); err != nil {
			return wrap(op, err)
		}
		chunks++
	}
	sum := sha256.Sum256(data)
	if _, err := tx.ExecContext(ctx, `INSERT INTO job_files (job_id, name, content_type, size, sha256, chunks, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, jobID, name, contentType, len(data), hex.EncodeToString(sum[:]), chunks, now); err != nil {
		return wrap(op, err)
	}
	return nil
}

// JobFiles lists a job's result files (without their data), by name.
func (s *Store) JobFiles(ctx context.Context, jobID int64) ([]JobFile, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT name, content_type, size, sha256 FROM job_files WHERE job_id = ? ORDER BY name`, jobID)
	if err != nil {
		return nil, wrap(fmt.Sprintf("files of job %d", jobID), err)
	}
	defer rows.Close()
	var out []JobFile
	for rows.Next() {
		f := JobFile{JobID: jobID}
		if err := rows.Scan(&f.Name, &f.ContentType, &f.Size, &f.SHA256); err != nil {
			return nil, wrap(fmt.Sprintf("files of job %d", jobID), err)
		}
		out = append(out, f)
	}
	return out, wrap(fmt.Sprintf("files of job %d", jobID), rows.Err())
}

// GetJobFile reads one of a job's files back and checks its SHA-256;
// ErrNotFound when the job has no such file (or was deleted).
func (s *Store) GetJobFile(ctx context.Context, jobID int64, name string) (JobFile, error) {
	op := fmt.Sprintf("file %q of job %d", name, jobID)
	f := JobFile{JobID: jobID, Name: name}
	err := s.rdb.QueryRowContext(ctx, `SELECT content_type, size, sha256 FROM job_files WHERE job_id = ? AND name = ?`,
		jobID, name).Scan(&f.ContentType, &f.Size, &f.SHA256)
	if errors.Is(err, sql.ErrNoRows) {
		return f, fmt.Errorf("store: %s: %w", op, ErrNotFound)
	}
	if err != nil {
		return f, wrap(op, err)
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT data FROM job_file_chunks WHERE job_id = ? AND name = ? ORDER BY seq`, jobID, name)
	if err != nil {
		return f, wrap(op, err)
	}
	defer rows.Close()
	f.Data = make([]byte, 0, f.Size)
	for rows.Next() {
		var part []byte
		if err := rows.Scan(&part); err != nil {
			return f, wrap(op, err)
		}
		f.Data = append(f.Data, part...)
	}
	if err := rows.Err(); err != nil {
		return f, wrap(op, err)
	}
	sum := sha256.Sum256(f.Data)
	if hex.EncodeToString(sum[:]) != f.SHA256 || len(f.Data) != f.Size {
		return f, &Error{fmt.Sprintf("%s is corrupt: %d of %d bytes, checksum mismatch", op, len(f.Data), f.Size)}
	}
	return f, nil
}
