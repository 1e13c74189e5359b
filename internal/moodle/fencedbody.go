package moodle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/magistere/bridge/internal/fence"
)

// fencedTransport checks the job's lease (package fence) again while a
// request's body is written, after its headers: at each read of the body,
// the last one included. Client.fenced checks before the concurrency slot
// and the rate token are spent and the connection is found; a worker
// frozen in between (SIGSTOP, a VM paused) would otherwise send its
// request on waking although its job was taken over. A body cut short is
// no request for the site (the server never gets its last bytes), so a
// failed check here sends nothing that acts. What is left is the flush of
// the last buffered bytes after the last check: microseconds.
type fencedTransport struct{ next http.RoundTripper }

func (t fencedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return t.next.RoundTrip(req)
	}
	ctx := req.Context()
	out := req.Clone(ctx) // a RoundTripper must not change the caller's request
	out.Body = &fencedBody{ctx: ctx, body: req.Body}
	if get := req.GetBody; get != nil {
		out.GetBody = func() (io.ReadCloser, error) {
			b, err := get()
			if err != nil {
				return nil, err
			}
			return &fencedBody{ctx: ctx, body: b}, nil
		}
	}
	return t.next.RoundTrip(out)
}

// fencedBody is a request body that stops, before handing out any more
// bytes, once the lease is lost.
type fencedBody struct {
	ctx  context.Context
	body io.ReadCloser
}

func (b *fencedBody) Read(p []byte) (int, error) {
	if err := fence.Check(b.ctx); err != nil {
		return 0, &fencedError{err: err}
	}
	return b.body.Read(p)
}

func (b *fencedBody) Close() error { return b.body.Close() }

// fencedError is a lease check that failed while the body was written:
// the request did not reach the site whole.
type fencedError struct{ err error }

func (e *fencedError) Error() string {
	return "lease lost while the request was sent: " + e.err.Error()
}
func (e *fencedError) Unwrap() error { return e.err }

// notSent turns an error of a request cut short by its lease check into
// the error Client.fenced gives (not sent, not retryable); other errors
// are returned as they are.
func (c *Client) notSent(function string, err error) (error, bool) {
	var fe *fencedError
	if errors.As(err, &fe) {
		return c.notSentError(function, fe.err), true
	}
	return err, false
}

// notSentError is a call the lease check stopped, before or while it was sent.
func (c *Client) notSentError(function string, lease error) error {
	return fmt.Errorf("moodle site %s: %s: not sent: %w", c.site.Name, function, lease)
}
