package store

import (
	"context"
	"fmt"
)

// ClaimMessage records, before it is sent, the Moodle message with this
// natural key (its client message id) in the domain's message ledger.
// Exactly one caller, across processes and crashes, gets true: a job
// resumed after dying between the claim and Moodle's answer does not send
// the message again (at most once; Moodle keeps no key of its own). Give
// the claim back with ReleaseMessage when the message was surely not sent.
func (s *Store) ClaimMessage(ctx context.Context, domain, key string) (bool, error) {
	_, err := s.db.ExecContext(ctx, `INSERT INTO messages_sent (domain, msg_key, sent_at) VALUES (?, ?, ?)`,
		domain, key, millis(s.Now()))
	if err == nil {
		return true, nil
	}
	if isDuplicate(err) {
		return false, nil
	}
	return false, wrap(fmt.Sprintf("claim message %s", key), err)
}

// ReleaseMessage gives a claim back: the message may be sent again.
func (s *Store) ReleaseMessage(ctx context.Context, domain, key string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM messages_sent WHERE domain = ? AND msg_key = ?`, domain, key)
	return wrap(fmt.Sprintf("release message %s", key), err)
}
