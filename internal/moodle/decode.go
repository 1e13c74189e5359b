package moodle

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/privacy"
)

func isRetryable(err error) bool { return failure.IsRetryable(err) }

// decodeAnswer turns one HTTP answer into out or into a typed error.
func (c *Client) decodeAnswer(function string, status int, ctype string, raw []byte, out any) error {
	body := bytes.TrimSpace(raw)
	if status >= 500 || status == 429 || status == 408 {
		return c.httpError(function, status, ctype, body)
	}
	if me := c.parseJSONError(function, status, body); me != nil {
		return me
	}
	if status != 200 {
		return c.httpError(function, status, ctype, body)
	}
	if len(body) == 0 {
		return c.decodeError(function, ctype, body, errors.New("empty body"))
	}
	if body[0] == '<' {
		return c.nonJSON(function, ctype, body)
	}
	if out == nil {
		if !json.Valid(body) {
			return c.decodeError(function, ctype, body, errors.New("invalid JSON"))
		}
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return c.decodeError(function, ctype, body, err)
	}
	return nil
}

// parseJSONError recognises both exception shapes: server.php's
// {exception, errorcode, message, debuginfo} and the files endpoints'
// {error, errorcode, stacktrace, debuginfo, reproductionlink}. Keys are
// tested for presence (their values are often null); the files shape needs
// stacktrace or reproductionlink too, so that a plugin answer with a mere
// "error" field (local_bridge_get_backup_status) is not taken for one.
func (c *Client) parseJSONError(function string, status int, body []byte) *Error {
	if len(body) == 0 || body[0] != '{' {
		return nil
	}
	var keys map[string]json.RawMessage
	if json.Unmarshal(body, &keys) != nil {
		return nil
	}
	_, isREST := keys["exception"]
	_, hasError := keys["error"]
	_, hasCode := keys["errorcode"]
	_, hasTrace := keys["stacktrace"]
	_, hasLink := keys["reproductionlink"]
	isFiles := hasError && hasCode && (hasTrace || hasLink)
	if !isREST && !isFiles {
		return nil
	}
	var shape struct {
		Exception String `json:"exception"`
		ErrorCode String `json:"errorcode"`
		Message   String `json:"message"`
		Error     String `json:"error"`
		DebugInfo String `json:"debuginfo"`
	}
	_ = json.Unmarshal(body, &shape) // keys decoded above: only odd value types can fail here
	me := &Error{
		Site:       c.site.Name,
		Function:   function,
		Exception:  string(shape.Exception),
		ErrorCode:  c.redact(string(shape.ErrorCode)),
		Message:    c.redact(string(shape.Message)),
		DebugInfo:  c.redact(string(shape.DebugInfo)),
		HTTPStatus: status,
	}
	if isFiles && !isREST {
		me.Message = c.redact(string(shape.Error))
	}
	return me
}

var (
	xmlException = regexp.MustCompile(`(?s)<EXCEPTION class="([^"]*)">`)
	xmlErrorCode = regexp.MustCompile(`(?s)<ERRORCODE>(.*?)</ERRORCODE>`)
	xmlMessage   = regexp.MustCompile(`(?s)<MESSAGE>(.*?)</MESSAGE>`)
	xmlDebugInfo = regexp.MustCompile(`(?s)<DEBUGINFO>(.*?)</DEBUGINFO>`)
)

// nonJSON handles markup answers. We always ask for JSON, so an XML answer
// means PHP lost moodlewsrestformat with the rest of the POST (a body over
// post_max_size): an XML exception becomes an *Error marked BodyDropped.
func (c *Client) nonJSON(function, ctype string, body []byte) error {
	if m := xmlException.FindSubmatch(body); m != nil {
		return &Error{
			Site:        c.site.Name,
			Function:    function,
			Exception:   string(m[1]),
			ErrorCode:   c.redact(xmlText(xmlErrorCode, body)),
			Message:     c.redact(xmlText(xmlMessage, body)),
			DebugInfo:   c.redact(xmlText(xmlDebugInfo, body)),
			HTTPStatus:  200,
			BodyDropped: true,
		}
	}
	if bytes.HasPrefix(body, []byte("<?xml")) {
		return c.decodeError(function, ctype, body, errors.New("XML answer to a JSON request (moodlewsrestformat was lost)"))
	}
	return c.decodeError(function, ctype, body, errors.New("HTML answer, expected JSON"))
}

func xmlText(re *regexp.Regexp, body []byte) string {
	m := re.FindSubmatch(body)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(string(m[1]))
}

func (c *Client) httpError(function string, status int, ctype string, body []byte) error {
	return &HTTPError{Site: c.site.Name, Function: function, StatusCode: status, ContentType: ctype, Snippet: c.snippet(body)}
}

func (c *Client) decodeError(function, ctype string, body []byte, err error) error {
	return &DecodeError{Site: c.site.Name, Function: function, ContentType: ctype, Snippet: c.snippet(body), Err: err}
}

func (c *Client) snippet(body []byte) string {
	text := strings.Join(strings.Fields(tagPattern.ReplaceAllString(string(body), " ")), " ")
	return truncate(c.redact(text), 200)
}

// redact removes the token, e-mail addresses and people's names from any
// text of Moodle's that may reach an error, and from there a log line, the
// audit or a job's last_error.
func (c *Client) redact(s string) string {
	if c.site.Token != "" {
		s = strings.ReplaceAll(s, c.site.Token, "[REDACTED]")
	}
	return privacy.Scrub(s)
}

// redactErr rebuilds a transport error without the request URL's query (the
// download URL carries the token) and scrubs whatever text remains.
func (c *Client) redactErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = &url.Error{Op: ue.Op, URL: redactURL(ue.URL), Err: ue.Err}
	}
	if c.site.Token == "" || !strings.Contains(err.Error(), c.site.Token) {
		return err
	}
	return &scrubbedError{msg: c.redact(err.Error()), cause: contextCause(err)}
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "[unparsable URL]"
	}
	u.RawQuery, u.User, u.Fragment = "", nil, ""
	return u.String()
}

// scrubbedError keeps only the text of an error that contained a secret, and
// the context error under it so deadlines are still recognised.
type scrubbedError struct {
	msg   string
	cause error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.cause }

func contextCause(err error) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return context.DeadlineExceeded
	case errors.Is(err, context.Canceled):
		return context.Canceled
	}
	return nil
}

// callErrorf wraps err with site and function context, keeping its verdict.
func callErrorf(site, function string, err error) error {
	return fmt.Errorf("moodle site %s: %s: %w", site, function, err)
}
