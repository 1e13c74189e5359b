package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// GaiaFile records one imported GAIA drop file. A file is known by its
// SHA-256 per domain: importing the same bytes again is skipped.
type GaiaFile struct {
	Domain     string
	SHA256     string
	Kind       string // formations, intervenants, stagiaires
	Name       string
	ImportedAt time.Time // zero means now
	Rows       int       // rows imported (bad lines excluded)
}

// GaiaSession is one training session of a Formations file.
type GaiaSession struct {
	Domain     string
	Key        string // dispositif/module/groupe
	Dispositif string
	Module     string
	Group      string
	Label      string
	StartsOn   string // YYYY-MM-DD or ""
	EndsOn     string
	Place      string
	FileSHA256 string
}

// GaiaPerson is one participant or formateur of a session.
type GaiaPerson struct {
	Domain        string
	SessionKey    string
	Role          string // participant or formateur (bridge roles)
	Email         string // normalised (lowercase)
	LastName      string
	FirstName     string
	IDNumber      string // NUMEN or GAIA identifiant
	Establishment string // RNE/UAI or name
	Line          int    // line in the file it came from
	FileSHA256    string
}

// GaiaLink ties a Moodle course (a session course) to one GAIA session.
type GaiaLink struct {
	Domain     string
	CourseID   int64
	SessionKey string
	LinkedBy   string
	LinkedAt   time.Time // zero means now
}

// GaiaFileByHash returns the import record of a file; ErrNotFound if the
// domain never imported these bytes.
func (s *Store) GaiaFileByHash(ctx context.Context, domain, sha string) (GaiaFile, error) {
	f := GaiaFile{Domain: domain, SHA256: sha}
	var at int64
	err := s.rdb.QueryRowContext(ctx, `SELECT kind, name, imported_at, rows_imported FROM gaia_files WHERE domain = ? AND sha256 = ?`,
		domain, sha).Scan(&f.Kind, &f.Name, &at, &f.Rows)
	if errors.Is(err, sql.ErrNoRows) {
		return f, fmt.Errorf("store: gaia file: %w", ErrNotFound)
	}
	f.ImportedAt = fromMillis(at)
	return f, wrap("gaia file", err)
}

// ListGaiaFiles returns a domain's imported files, newest first.
func (s *Store) ListGaiaFiles(ctx context.Context, domain string) ([]GaiaFile, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT sha256, kind, name, imported_at, rows_imported FROM gaia_files
		WHERE domain = ? ORDER BY imported_at DESC, sha256`, domain)
	if err != nil {
		return nil, wrap("list gaia files", err)
	}
	defer rows.Close()
	var out []GaiaFile
	for rows.Next() {
		f := GaiaFile{Domain: domain}
		var at int64
		if err := rows.Scan(&f.SHA256, &f.Kind, &f.Name, &at, &f.Rows); err != nil {
			return nil, wrap("list gaia files", err)
		}
		f.ImportedAt = fromMillis(at)
		out = append(out, f)
	}
	return out, wrap("list gaia files", rows.Err())
}

// ImportGaiaFile stores one file in a single transaction: the file
// record, its sessions (upserted by key) and its people. People replace,
// per session and role, those of earlier files: the newest file of a kind
// is GAIA's current list for the sessions it names; sessions it does not
// name keep their people. It returns ErrDuplicate (nothing written) when
// the domain already imported a file with this SHA-256, including when a
// concurrent import won the race.
func (s *Store) ImportGaiaFile(ctx context.Context, f GaiaFile, sessions []GaiaSession, people []GaiaPerson) error {
	if f.Domain == "" || len(f.SHA256) != 64 || f.Kind == "" {
		return fmt.Errorf("store: import gaia file: %w", &Error{"domain, sha256 and kind are required"})
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return wrap("import gaia file: begin", err)
	}
	defer tx.Rollback()
	at := f.ImportedAt
	if at.IsZero() {
		at = s.Now()
	}
	// The file record goes first: its primary key makes a concurrent
	// import of the same bytes fail here, before any other write.
	if _, err := tx.ExecContext(ctx, `INSERT INTO gaia_files (domain, sha256, kind, name, imported_at, rows_imported) VALUES (?, ?, ?, ?, ?, ?)`,
		f.Domain, f.SHA256, f.Kind, f.Name, millis(at), f.Rows); err != nil {
		if isDuplicate(err) {
			return fmt.Errorf("store: import gaia file: %w", ErrDuplicate)
		}
		return wrap("import gaia file", err)
	}
	for _, gs := range sessions {
		if err := upsertGaiaSession(ctx, tx, f, gs); err != nil {
			return err
		}
	}
	if err := replaceGaiaPeople(ctx, tx, f, people); err != nil {
		return err
	}
	return wrap("import gaia file: commit", tx.Commit())
}

func upsertGaiaSession(ctx context.Context, tx *sql.Tx, f GaiaFile, gs GaiaSession) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM gaia_sessions WHERE domain = ? AND session_key = ?`, f.Domain, gs.Key); err != nil {
		return wrap("import gaia file: replace session", err)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO gaia_sessions (domain, session_key, dispositif, module, groupe, label, starts_on, ends_on, place, file_sha256)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, f.Domain, gs.Key, gs.Dispositif, gs.Module, gs.Group, gs.Label, gs.StartsOn, gs.EndsOn, gs.Place, f.SHA256)
	return wrap("import gaia file: session", err)
}

func replaceGaiaPeople(ctx context.Context, tx *sql.Tx, f GaiaFile, people []GaiaPerson) error {
	cleared := map[[2]string]bool{}
	for _, p := range people {
		k := [2]string{p.SessionKey, p.Role}
		if cleared[k] {
			continue
		}
		cleared[k] = true
		if _, err := tx.ExecContext(ctx, `DELETE FROM gaia_people WHERE domain = ? AND session_key = ? AND role = ?`,
			f.Domain, p.SessionKey, p.Role); err != nil {
			return wrap("import gaia file: replace people", err)
		}
	}
	return insertGaiaPeople(ctx, tx, f, people)
}

func insertGaiaPeople(ctx context.Context, tx *sql.Tx, f GaiaFile, people []GaiaPerson) error {
	for start := 0; start < len(people); start += gaiaPeoplePerInsert {
		chunk := people[start:min(start+gaiaPeoplePerInsert, len(people))]
		args := make([]any, 0, len(chunk)*10)
		for _, p := range chunk {
			args = append(args, f.Domain, p.SessionKey, p.Role, p.Email, p.LastName, p.FirstName, p.IDNumber, p.Establishment, p.Line, f.SHA256)
		}
		q := "INSERT INTO gaia_people (domain, session_key, role, email, lastname, firstname, idnumber, establishment, line, file_sha256) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?),", len(chunk)), ",")
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return wrap(fmt.Sprintf("import gaia file: people of lines %d-%d", chunk[0].Line, chunk[len(chunk)-1].Line), err)
		}
	}
	return nil
}

// gaiaPeoplePerInsert keeps one INSERT under SQLite's 32,766 bound
// variables while a 20,000-line Stagiaires file takes 70 statements.
const gaiaPeoplePerInsert = 300

// GetGaiaSession returns a session of a Formations file; ErrNotFound if none.
func (s *Store) GetGaiaSession(ctx context.Context, domain, key string) (GaiaSession, error) {
	gs := GaiaSession{Domain: domain, Key: key}
	err := s.rdb.QueryRowContext(ctx, `SELECT dispositif, module, groupe, label, starts_on, ends_on, place, file_sha256
		FROM gaia_sessions WHERE domain = ? AND session_key = ?`, domain, key).
		Scan(&gs.Dispositif, &gs.Module, &gs.Group, &gs.Label, &gs.StartsOn, &gs.EndsOn, &gs.Place, &gs.FileSHA256)
	if errors.Is(err, sql.ErrNoRows) {
		return gs, fmt.Errorf("store: gaia session %q: %w", key, ErrNotFound)
	}
	return gs, wrap("gaia session", err)
}

// GaiaSessionKnown reports whether any imported file names the session
// (a Formations line, or people of an Intervenants/Stagiaires file).
func (s *Store) GaiaSessionKnown(ctx context.Context, domain, key string) (bool, error) {
	var n int
	err := s.rdb.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM gaia_sessions WHERE domain = ? AND session_key = ?)
		+ (SELECT COUNT(*) FROM gaia_people WHERE domain = ? AND session_key = ?)`, domain, key, domain, key).Scan(&n)
	return n > 0, wrap("gaia session known", err)
}

// GaiaPeople returns a session's people, formateurs first, then by line.
func (s *Store) GaiaPeople(ctx context.Context, domain, key string) ([]GaiaPerson, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT role, email, lastname, firstname, idnumber, establishment, line, file_sha256
		FROM gaia_people WHERE domain = ? AND session_key = ? ORDER BY role, line, email`, domain, key)
	if err != nil {
		return nil, wrap("gaia people", err)
	}
	defer rows.Close()
	var out []GaiaPerson
	for rows.Next() {
		p := GaiaPerson{Domain: domain, SessionKey: key}
		if err := rows.Scan(&p.Role, &p.Email, &p.LastName, &p.FirstName, &p.IDNumber, &p.Establishment, &p.Line, &p.FileSHA256); err != nil {
			return nil, wrap("gaia people", err)
		}
		out = append(out, p)
	}
	return out, wrap("gaia people", rows.Err())
}

// LinkGaiaSession ties a course to a GAIA session. Linking a course again
// to the same session is a no-op; to another session it is ErrConflict
// (unlink first), since a course has one GAIA session.
func (s *Store) LinkGaiaSession(ctx context.Context, l GaiaLink) error {
	if l.Domain == "" || l.CourseID <= 0 || l.SessionKey == "" {
		return fmt.Errorf("store: link gaia session: %w", &Error{"domain, course and session are required"})
	}
	at := l.LinkedAt
	if at.IsZero() {
		at = s.Now()
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO gaia_links (domain, course_id, session_key, linked_by, linked_at) VALUES (?, ?, ?, ?, ?)`,
		l.Domain, l.CourseID, l.SessionKey, l.LinkedBy, millis(at))
	if err == nil || !isDuplicate(err) {
		return wrap("link gaia session", err)
	}
	cur, gerr := s.GaiaLinkOf(ctx, l.Domain, l.CourseID)
	if gerr != nil {
		return gerr
	}
	if cur.SessionKey == l.SessionKey {
		return nil
	}
	return fmt.Errorf("store: course %d is linked to GAIA session %q: %w", l.CourseID, cur.SessionKey, ErrConflict)
}

// UnlinkGaiaSession removes a course's link; ErrNotFound if it had none.
func (s *Store) UnlinkGaiaSession(ctx context.Context, domain string, courseID int64) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM gaia_link_options WHERE domain = ? AND course_id = ?`, domain, courseID); err != nil {
		return wrap("unlink gaia session", err)
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM gaia_links WHERE domain = ? AND course_id = ?`, domain, courseID)
	if err != nil {
		return wrap("unlink gaia session", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("store: unlink gaia session: course %d: %w", courseID, ErrNotFound)
	}
	return nil
}

// GaiaLinkOf returns a course's link; ErrNotFound if none.
func (s *Store) GaiaLinkOf(ctx context.Context, domain string, courseID int64) (GaiaLink, error) {
	l := GaiaLink{Domain: domain, CourseID: courseID}
	var at int64
	err := s.rdb.QueryRowContext(ctx, `SELECT session_key, linked_by, linked_at FROM gaia_links WHERE domain = ? AND course_id = ?`,
		domain, courseID).Scan(&l.SessionKey, &l.LinkedBy, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return l, fmt.Errorf("store: gaia link of course %d: %w", courseID, ErrNotFound)
	}
	l.LinkedAt = fromMillis(at)
	return l, wrap("gaia link", err)
}

// ListGaiaLinks returns a domain's links by course id.
func (s *Store) ListGaiaLinks(ctx context.Context, domain string) ([]GaiaLink, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT course_id, session_key, linked_by, linked_at FROM gaia_links WHERE domain = ? ORDER BY course_id`, domain)
	if err != nil {
		return nil, wrap("list gaia links", err)
	}
	defer rows.Close()
	var out []GaiaLink
	for rows.Next() {
		l := GaiaLink{Domain: domain}
		var at int64
		if err := rows.Scan(&l.CourseID, &l.SessionKey, &l.LinkedBy, &at); err != nil {
			return nil, wrap("list gaia links", err)
		}
		l.LinkedAt = fromMillis(at)
		out = append(out, l)
	}
	return out, wrap("list gaia links", rows.Err())
}
