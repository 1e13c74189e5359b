package store

import (
	"context"
	"errors"
	"strings"
	"time"
)

// RememberAPINonce records a signed request's nonce for domain until
// expires and reports false when the pair is already recorded and has not
// expired: a replay. The primary key (domain, nonce) makes the check
// atomic across every replica sharing the store, so a request replayed to
// another `bridge serve` is refused too.
func (s *Store) RememberAPINonce(ctx context.Context, domain, nonce string, expires time.Time) (bool, error) {
	nonce = strings.ToLower(nonce)
	now := millis(s.Now())
	// An expired row for the same pair would block the insert: free it
	// first. Only expired rows go, so a live nonce is never dropped.
	if _, err := s.db.ExecContext(ctx, `DELETE FROM api_nonces WHERE domain = ? AND nonce = ? AND expires_at <= ?`,
		domain, nonce, now); err != nil {
		return false, wrap("remember api nonce: free expired", err)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO api_nonces (domain, nonce, expires_at) VALUES (?, ?, ?)`,
		domain, nonce, millis(expires))
	if err != nil {
		err = wrap("remember api nonce", err)
		if errors.Is(err, ErrDuplicate) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// PurgeAPINonces deletes the nonces expired at now and returns how many.
func (s *Store) PurgeAPINonces(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM api_nonces WHERE expires_at <= ?`, millis(s.Now()))
	if err != nil {
		return 0, wrap("purge api nonces", err)
	}
	n, err := res.RowsAffected()
	return n, wrap("purge api nonces: count", err)
}
