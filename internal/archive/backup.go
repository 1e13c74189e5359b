package archive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/moodle"
)

// BackupFile is a course backup (.mbz) kept on disk.
type BackupFile struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// BackupError is a backup that Moodle reported as failed, or a file on
// disk that does not match its checksum. Permanent: nothing is deleted and
// an operator looks at it.
type BackupError struct {
	CourseID int64
	Problem  string
}

func (e *BackupError) Error() string {
	return fmt.Sprintf("backup of course %d: %s", e.CourseID, e.Problem)
}
func (e *BackupError) Retryable() bool { return false }

// backupCourse asks local_bridge for a backup, waits for it and downloads
// it to dest; the file's SHA-256 is computed while streaming and checked
// again from disk.
func (s *Service) backupCourse(ctx context.Context, d *domains.Domain, courseID int64, dest string) (BackupFile, error) {
	if err := os.MkdirAll(filepath.Dir(dest), 0o750); err != nil {
		return BackupFile{}, failure.Retryable(fmt.Errorf("backup folder: %w", err))
	}
	started, err := d.Client.BackupCourse(ctx, moodle.Int(courseID))
	if err != nil {
		return BackupFile{}, fmt.Errorf("start backup of course %d: %w", courseID, err)
	}
	st, err := s.waitBackup(ctx, d, courseID, started.BackupID)
	if err != nil {
		return BackupFile{}, err
	}
	got, err := d.Client.Download(ctx, st.FileURL, dest)
	if err != nil {
		return BackupFile{}, fmt.Errorf("download backup of course %d: %w", courseID, err)
	}
	f := BackupFile{Path: got.Path, SHA256: got.SHA256, Size: got.Size}
	if f.Path == "" {
		f.Path = dest
	}
	return f, VerifyBackup(courseID, f)
}

func (s *Service) waitBackup(ctx context.Context, d *domains.Domain, courseID int64, id string) (*moodle.BackupStatus, error) {
	for {
		st, err := d.Client.GetBackupStatus(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("backup status of course %d: %w", courseID, err)
		}
		switch st.Status {
		case moodle.StatusDone:
			return st, nil
		case moodle.StatusFailed:
			return nil, &BackupError{CourseID: courseID, Problem: "Moodle reported: " + st.Error}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("backup of course %d: %w", courseID, ctx.Err())
		case <-time.After(s.PollEvery):
		}
	}
}

// VerifyBackup checks that the file exists, is not empty and that its
// SHA-256 is the one recorded.
func VerifyBackup(courseID int64, f BackupFile) error {
	sum, size, err := fileSHA256(f.Path)
	if err != nil {
		return &BackupError{CourseID: courseID, Problem: err.Error()}
	}
	if size == 0 || sum != f.SHA256 || (f.Size != 0 && size != f.Size) {
		return &BackupError{CourseID: courseID, Problem: fmt.Sprintf("%s does not match its checksum (size %d, sha256 %s; want %d, %s)",
			f.Path, size, sum, f.Size, f.SHA256)}
	}
	return nil
}

func fileSHA256(path string) (string, int64, error) {
	fh, err := os.Open(path)
	if err != nil {
		return "", 0, fmt.Errorf("open backup: %w", err)
	}
	defer fh.Close()
	h := sha256.New()
	n, err := io.Copy(h, fh)
	if err != nil {
		return "", 0, fmt.Errorf("read backup: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// backupPath is where a course's backup goes: kind is "archives" or "trash".
func (s *Service) backupPath(kind, domain string, courseID, jobID int64) string {
	name := fmt.Sprintf("course-%d-job-%d.mbz", courseID, jobID)
	return filepath.Join(s.dataDir, kind, domain, name)
}
