package store

import (
	"context"
	"time"
)

// The weekly digest of new offers (package offer): who opted in, per
// domain and Moodle user id, and the ledger of digests sent, one per user
// and period, so that a rerun or a second replica never sends it twice.

// DigestSubscriber is one opt-in.
type DigestSubscriber struct {
	Domain    string    `json:"domain"`
	UserID    int64     `json:"user_id"`
	CreatedAt time.Time `json:"created_at"`
}

// SubscribeDigest opts a user in; it reports whether they were not
// already subscribed (subscribing twice is not an error).
func (s *Store) SubscribeDigest(ctx context.Context, domain string, userID int64) (bool, error) {
	if domain == "" || userID <= 0 {
		return false, wrap("subscribe digest", &Error{"domain and a positive user id are required"})
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO offer_digest_subscriptions (domain, user_id, created_at) VALUES (?, ?, ?)`,
		domain, userID, millis(s.Now()))
	if err == nil {
		return true, nil
	}
	if isDuplicate(err) {
		return false, nil
	}
	return false, wrap("subscribe digest", err)
}

// UnsubscribeDigest opts a user out; it reports whether they were subscribed.
func (s *Store) UnsubscribeDigest(ctx context.Context, domain string, userID int64) (bool, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM offer_digest_subscriptions WHERE domain = ? AND user_id = ?`, domain, userID)
	if err != nil {
		return false, wrap("unsubscribe digest", err)
	}
	n, err := res.RowsAffected()
	return n > 0, wrap("unsubscribe digest", err)
}

// ListDigestSubscribers lists a domain's subscribers by user id.
func (s *Store) ListDigestSubscribers(ctx context.Context, domain string) ([]DigestSubscriber, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT domain, user_id, created_at FROM offer_digest_subscriptions
		WHERE domain = ? ORDER BY user_id`, domain)
	if err != nil {
		return nil, wrap("list digest subscribers", err)
	}
	defer rows.Close()
	var out []DigestSubscriber
	for rows.Next() {
		var (
			d  DigestSubscriber
			at int64
		)
		if err := rows.Scan(&d.Domain, &d.UserID, &at); err != nil {
			return nil, wrap("list digest subscribers", err)
		}
		d.CreatedAt = fromMillis(at)
		out = append(out, d)
	}
	return out, wrap("list digest subscribers", rows.Err())
}

// ClaimDigest takes the ledger slot of (domain, user, period) before the
// digest is sent: exactly one caller gets true, across replicas.
func (s *Store) ClaimDigest(ctx context.Context, domain string, userID int64, period string) (bool, error) {
	_, err := s.db.ExecContext(ctx, `INSERT INTO offer_digests_sent (domain, user_id, period, sent_at) VALUES (?, ?, ?, ?)`,
		domain, userID, period, millis(s.Now()))
	if err == nil {
		return true, nil
	}
	if isDuplicate(err) {
		return false, nil
	}
	return false, wrap("claim digest", err)
}

// ReleaseDigest gives a claimed slot back (sending failed), so that the
// next run tries again.
func (s *Store) ReleaseDigest(ctx context.Context, domain string, userID int64, period string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM offer_digests_sent WHERE domain = ? AND user_id = ? AND period = ?`,
		domain, userID, period)
	return wrap("release digest", err)
}

// DigestSent reports whether the digest of (domain, user, period) is in
// the ledger (dry runs use it to say who would still get one).
func (s *Store) DigestSent(ctx context.Context, domain string, userID int64, period string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM offer_digests_sent WHERE domain = ? AND user_id = ? AND period = ?`,
		domain, userID, period).Scan(&n)
	return n > 0, wrap("digest sent", err)
}

// DigestSubscribed reports whether a user opted in.
func (s *Store) DigestSubscribed(ctx context.Context, domain string, userID int64) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM offer_digest_subscriptions WHERE domain = ? AND user_id = ?`,
		domain, userID).Scan(&n)
	return n > 0, wrap("digest subscribed", err)
}
