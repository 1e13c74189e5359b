package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// GaiaSessionID maps GAIA's own session id (the ministry's files name
// sessions by it) to the bridge's session key.
type GaiaSessionID struct {
	GaiaID     string
	Module     string
	SessionKey string
}

// GaiaLinkOptions are how a linked course is synced: the Moodle group its
// GAIA people go into ("" for none) and whether people who left GAIA are
// unenrolled from the GAIA enrolment instance (override).
type GaiaLinkOptions struct {
	Group    string
	Override bool
}

// NoteGaiaDrop records when a domain's scan first saw a drop directory and
// returns that time (now on the first call).
func (s *Store) NoteGaiaDrop(ctx context.Context, domain, dir string) (time.Time, error) {
	var at int64
	err := s.db.QueryRowContext(ctx, `SELECT first_seen_at FROM gaia_drops WHERE domain = ? AND drop_dir = ?`, domain, dir).Scan(&at)
	if err == nil {
		return fromMillis(at), nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, wrap("gaia drop", err)
	}
	now := s.Now()
	if _, err := s.db.ExecContext(ctx, `INSERT INTO gaia_drops (domain, drop_dir, first_seen_at) VALUES (?, ?, ?)`,
		domain, dir, millis(now)); err != nil {
		if isDuplicate(err) { // a concurrent scan noted it first
			return s.NoteGaiaDrop(ctx, domain, dir)
		}
		return time.Time{}, wrap("gaia drop", err)
	}
	return fromMillis(millis(now)), nil
}

// ImportGaiaDrop stores one domain's share of a drop directory in one
// transaction: the files' records (those already recorded are kept as
// they are), the sessions (upserted by key), GAIA's session ids, and the
// people. Every session of the drop has its people replaced by those the
// drop lists, per role, so a trainee GAIA no longer lists is gone even
// when nobody else of the session is left; sessions the drop does not
// name keep theirs.
func (s *Store) ImportGaiaDrop(ctx context.Context, domain string, files []GaiaFile, sessions []GaiaSession,
	ids []GaiaSessionID, people []GaiaPerson, roles []string) error {
	if domain == "" {
		return fmt.Errorf("store: import gaia drop: %w", &Error{"domain is required"})
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return wrap("import gaia drop: begin", err)
	}
	defer tx.Rollback()
	now := s.Now()
	for _, f := range files {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM gaia_files WHERE domain = ? AND sha256 = ?`, domain, f.SHA256).Scan(&n); err != nil {
			return wrap("import gaia drop: file", err)
		}
		if n > 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO gaia_files (domain, sha256, kind, name, imported_at, rows_imported) VALUES (?, ?, ?, ?, ?, ?)`,
			domain, f.SHA256, f.Kind, f.Name, millis(now), f.Rows); err != nil {
			return wrap("import gaia drop: file "+f.Name, err)
		}
	}
	rec := GaiaFile{Domain: domain}
	if len(files) > 0 {
		rec.SHA256 = files[0].SHA256
	}
	cleared := map[string]bool{}
	clear := func(key string) error {
		if cleared[key] {
			return nil
		}
		cleared[key] = true
		for _, role := range roles {
			if _, err := tx.ExecContext(ctx, `DELETE FROM gaia_people WHERE domain = ? AND session_key = ? AND role = ?`, domain, key, role); err != nil {
				return wrap("import gaia drop: replace people", err)
			}
		}
		return nil
	}
	for _, gs := range sessions {
		r := rec
		if gs.FileSHA256 != "" {
			r.SHA256 = gs.FileSHA256
		}
		if err := upsertGaiaSession(ctx, tx, r, gs); err != nil {
			return err
		}
		if err := clear(gs.Key); err != nil {
			return err
		}
	}
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `DELETE FROM gaia_session_ids WHERE domain = ? AND gaia_id = ?`, domain, id.GaiaID); err != nil {
			return wrap("import gaia drop: session id", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO gaia_session_ids (domain, gaia_id, module, session_key) VALUES (?, ?, ?, ?)`,
			domain, id.GaiaID, id.Module, id.SessionKey); err != nil {
			return wrap("import gaia drop: session id", err)
		}
	}
	for _, p := range people {
		if err := clear(p.SessionKey); err != nil {
			return err
		}
	}
	// replaceGaiaPeople clears per session and role again (a no-op now)
	// and inserts in chunks; each person keeps the file it came from.
	bySHA := map[string][]GaiaPerson{}
	var order []string
	for _, p := range people {
		sha := p.FileSHA256
		if sha == "" {
			sha = rec.SHA256
		}
		if _, ok := bySHA[sha]; !ok {
			order = append(order, sha)
		}
		bySHA[sha] = append(bySHA[sha], p)
	}
	for _, sha := range order {
		if err := insertGaiaPeople(ctx, tx, GaiaFile{Domain: domain, SHA256: sha}, bySHA[sha]); err != nil {
			return err
		}
	}
	return wrap("import gaia drop: commit", tx.Commit())
}

// GaiaSessionIDs returns a domain's GAIA session ids.
func (s *Store) GaiaSessionIDs(ctx context.Context, domain string) ([]GaiaSessionID, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT gaia_id, module, session_key FROM gaia_session_ids WHERE domain = ? ORDER BY gaia_id`, domain)
	if err != nil {
		return nil, wrap("gaia session ids", err)
	}
	defer rows.Close()
	var out []GaiaSessionID
	for rows.Next() {
		var id GaiaSessionID
		if err := rows.Scan(&id.GaiaID, &id.Module, &id.SessionKey); err != nil {
			return nil, wrap("gaia session ids", err)
		}
		out = append(out, id)
	}
	return out, wrap("gaia session ids", rows.Err())
}

// ListGaiaSessions returns a domain's sessions by key.
func (s *Store) ListGaiaSessions(ctx context.Context, domain string) ([]GaiaSession, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT session_key, dispositif, module, groupe, label, starts_on, ends_on, place, file_sha256
		FROM gaia_sessions WHERE domain = ? ORDER BY session_key`, domain)
	if err != nil {
		return nil, wrap("list gaia sessions", err)
	}
	defer rows.Close()
	var out []GaiaSession
	for rows.Next() {
		gs := GaiaSession{Domain: domain}
		if err := rows.Scan(&gs.Key, &gs.Dispositif, &gs.Module, &gs.Group, &gs.Label, &gs.StartsOn, &gs.EndsOn, &gs.Place, &gs.FileSHA256); err != nil {
			return nil, wrap("list gaia sessions", err)
		}
		out = append(out, gs)
	}
	return out, wrap("list gaia sessions", rows.Err())
}

// SetGaiaLinkOptions records how a linked course is synced.
func (s *Store) SetGaiaLinkOptions(ctx context.Context, domain string, courseID int64, o GaiaLinkOptions) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return wrap("gaia link options: begin", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM gaia_link_options WHERE domain = ? AND course_id = ?`, domain, courseID); err != nil {
		return wrap("gaia link options", err)
	}
	override := 0
	if o.Override {
		override = 1
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO gaia_link_options (domain, course_id, group_name, override) VALUES (?, ?, ?, ?)`,
		domain, courseID, o.Group, override); err != nil {
		return wrap("gaia link options", err)
	}
	return wrap("gaia link options: commit", tx.Commit())
}

// GaiaLinkOptionsOf returns a course's link options (zero when none were set).
func (s *Store) GaiaLinkOptionsOf(ctx context.Context, domain string, courseID int64) (GaiaLinkOptions, error) {
	var o GaiaLinkOptions
	var override int
	err := s.rdb.QueryRowContext(ctx, `SELECT group_name, override FROM gaia_link_options WHERE domain = ? AND course_id = ?`,
		domain, courseID).Scan(&o.Group, &override)
	if errors.Is(err, sql.ErrNoRows) {
		return o, nil
	}
	o.Override = override == 1
	return o, wrap("gaia link options", err)
}
