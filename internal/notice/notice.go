// Package notice sends the bridge's Moodle messages (an archived
// session's participants, an offer's requester) at most once each, even
// when the job sending them dies and resumes. Moodle keeps no idempotency
// key for core_message_send_instant_messages, so the bridge records each
// message in its store's ledger (store.ClaimMessage, by the message's
// natural key: its client message id) before sending it, and skips a
// recorded one. A message whose sending failed is released, to be sent by
// the retry; one whose worker died between the record and Moodle's answer
// is not sent again (a missed notice rather than a doubled one). The
// periodic digests and the session reminders keep their own ledgers.
package notice

import (
	"context"
	"errors"
	"fmt"

	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/store"
)

// Sender is the Moodle call (a *moodle.Client).
type Sender interface {
	SendInstantMessages(ctx context.Context, msgs []moodle.MessageInput) ([]moodle.SentMessage, error)
}

// Result counts what happened to the messages asked.
type Result struct {
	Sent    int `json:"sent"`    // Moodle answered with a message id
	Refused int `json:"refused"` // Moodle answered "not sent" (not retried: it may have stored it)
	Already int `json:"already"` // recorded earlier (a resumed job, a re-run): not sent again
}

// batch bounds one core_message_send_instant_messages call.
const batch = 100

// Send sends each message not recorded yet in domain's ledger. Every
// message needs its ClientMsgID, the natural key (include what makes it
// one notice: the job, the course, the recipient).
func Send(ctx context.Context, st *store.Store, domain string, c Sender, msgs []moodle.MessageInput) (Result, error) {
	var res Result
	for start := 0; start < len(msgs); start += batch {
		if err := sendBatch(ctx, st, domain, c, msgs[start:min(start+batch, len(msgs))], &res); err != nil {
			return res, err
		}
	}
	return res, nil
}

func sendBatch(ctx context.Context, st *store.Store, domain string, c Sender, msgs []moodle.MessageInput, res *Result) error {
	var todo []moodle.MessageInput
	for _, m := range msgs {
		if m.ClientMsgID == "" {
			return fmt.Errorf("notice: message to %d has no key (ClientMsgID)", int64(m.ToUserID))
		}
		claimed, err := st.ClaimMessage(ctx, domain, m.ClientMsgID)
		if err != nil {
			return joinRelease(err, release(ctx, st, domain, todo))
		}
		if !claimed {
			res.Already++
			continue
		}
		todo = append(todo, m)
	}
	if len(todo) == 0 {
		return nil
	}
	out, err := c.SendInstantMessages(ctx, todo)
	if err != nil {
		return joinRelease(err, release(ctx, st, domain, todo))
	}
	for _, m := range out {
		if m.MsgID > 0 {
			res.Sent++
		} else {
			res.Refused++
		}
	}
	return nil
}

// release gives back the claims of messages that were not sent.
func release(ctx context.Context, st *store.Store, domain string, msgs []moodle.MessageInput) error {
	var errs []error
	for _, m := range msgs {
		errs = append(errs, st.ReleaseMessage(context.WithoutCancel(ctx), domain, m.ClientMsgID))
	}
	return errors.Join(errs...)
}

// joinRelease keeps err itself (its retry verdict) when the release went well.
func joinRelease(err, rerr error) error {
	if rerr == nil {
		return err
	}
	return errors.Join(err, rerr)
}
