package notice_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/notice"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/store/storetest"
)

// fakeSender answers like Moodle, or fails the whole call.
type fakeSender struct {
	fail  error
	calls int
	got   []string
}

func (f *fakeSender) SendInstantMessages(_ context.Context, msgs []moodle.MessageInput) ([]moodle.SentMessage, error) {
	f.calls++
	if f.fail != nil {
		return nil, f.fail
	}
	out := make([]moodle.SentMessage, len(msgs))
	for i, m := range msgs {
		f.got = append(f.got, m.ClientMsgID)
		out[i] = moodle.SentMessage{MsgID: moodle.Int(i + 1), ClientMsgID: m.ClientMsgID}
		if m.ToUserID == 0 {
			out[i].MsgID = -1
		}
	}
	return out, nil
}

func msgs(keys ...string) []moodle.MessageInput {
	out := make([]moodle.MessageInput, len(keys))
	for i, k := range keys {
		out[i] = moodle.MessageInput{ToUserID: moodle.Int(i + 1), Text: "x", ClientMsgID: k}
	}
	return out
}

// A message is sent once per key and domain: a second Send (a resumed
// job, a re-run) skips it; a failed call gives its claims back, so the
// retry sends them; another domain has its own ledger.
func TestSendOncePerKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := &fakeSender{}
		res, err := notice.Send(ctx, st, "ac-a", f, msgs("k1", "k2"))
		if err != nil || res != (notice.Result{Sent: 2}) {
			t.Fatalf("first send: %+v, %v", res, err)
		}
		res, err = notice.Send(ctx, st, "ac-a", f, msgs("k1", "k2", "k3"))
		if err != nil || res != (notice.Result{Sent: 1, Already: 2}) || fmt.Sprint(f.got) != "[k1 k2 k3]" {
			t.Fatalf("second send: %+v, %v, sent %v", res, err, f.got)
		}
		down := &fakeSender{fail: errors.New("moodle down")}
		if _, err := notice.Send(ctx, st, "ac-a", down, msgs("k4")); err == nil || down.calls != 1 {
			t.Fatalf("failed call: %v, %d call(s)", err, down.calls)
		}
		res, err = notice.Send(ctx, st, "ac-a", f, msgs("k4"))
		if err != nil || res.Sent != 1 {
			t.Fatalf("after a failed call the message must be sent by the retry: %+v, %v", res, err)
		}
		if res, _ := notice.Send(ctx, st, "ac-b", f, msgs("k1")); res.Sent != 1 {
			t.Fatalf("another domain's ledger: %+v", res)
		}
		if _, err := notice.Send(ctx, st, "ac-a", f, []moodle.MessageInput{{ToUserID: 3}}); err == nil {
			t.Fatal("a message without a key was sent")
		}
	})
}
