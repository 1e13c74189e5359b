package moodle

import (
	"context"
	"errors"
	"fmt"
	"html"
	"regexp"
	"strings"
)

// Error is an exception answered by Moodle: {exception, errorcode, message,
// debuginfo} from server.php, or {error, errorcode, ...} from upload.php and
// pluginfile.php. Match on ErrorCode (see IsErrorCode), never on Message.
type Error struct {
	Site      string
	Function  string
	Exception string // class name, namespaced on 4.x (core\exception\moodle_exception)
	ErrorCode string // usually an identifier; sometimes HTML or a sentence
	Message   string
	DebugInfo string // only when the site has debugging on
	// HTTPStatus is the status of the answer (200 for nearly every exception).
	HTTPStatus int
	// BodyDropped is set when the site answered in XML although JSON was
	// asked: PHP discarded the whole POST (body over post_max_size), so the
	// "invalidtoken" it reports says nothing about the token.
	BodyDropped bool
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("moodle site %s: %s: %s", e.Site, e.Function, readableCode(e.ErrorCode))
	// The mail failure's message is "error/<errorcode>": say it once.
	if m := strings.TrimPrefix(e.Message, "error/"); m != "" && m != e.ErrorCode {
		msg += ": " + readableCode(truncate(e.Message, 300))
	}
	if e.BodyDropped {
		msg += " (the site answered in XML: the request body was dropped, probably over post_max_size)"
	}
	return msg
}

// ShortException is the exception class without its namespace, so
// core\exception\moodle_exception (4.x) and moodle_exception (older) compare equal.
func (e *Error) ShortException() string {
	if i := strings.LastIndexByte(e.Exception, '\\'); i >= 0 {
		return e.Exception[i+1:]
	}
	return e.Exception
}

// IsMailFailure reports the "Message was not sent." error: Moodle raises it
// after the write (e.g. an enrolment) was committed, when the welcome mail fails.
func (e *Error) IsMailFailure() bool {
	return strings.EqualFold(strings.TrimSpace(e.ErrorCode), "Message was not sent.") ||
		strings.Contains(e.Message, "Message was not sent")
}

// IsPasswordPolicy reports a password-policy failure, whose errorcode is HTML.
func (e *Error) IsPasswordPolicy() bool {
	return strings.Contains(e.ErrorCode, "<div>") && strings.Contains(strings.ToLower(e.ErrorCode), "password")
}

// Retryable gives the verdict: transient database and lock problems may pass,
// everything else Moodle rejects will be rejected again.
func (e *Error) Retryable() bool {
	if e.BodyDropped || e.IsMailFailure() {
		return false
	}
	code := strings.ToLower(e.ErrorCode)
	if retryableCodes[code] {
		return true
	}
	if permanentCodes[code] {
		return false
	}
	short := e.ShortException()
	return strings.HasPrefix(short, "dml_") && !nonTransientDML[short]
}

// siteLevel reports errors about the token, the service or the site rather
// than about a row: bisecting a batch cannot isolate them.
func (e *Error) siteLevel() bool {
	if siteLevelCodes[strings.ToLower(e.ErrorCode)] || e.BodyDropped {
		return true
	}
	// An unknown function answers invalidrecord on table external_functions.
	return e.ErrorCode == "invalidrecord" && strings.Contains(e.Message, "external_functions")
}

var retryableCodes = map[string]bool{
	"dmlreadexception": true, "dmlwriteexception": true, "dmltransactionexception": true,
	"dbconnectionfailed": true, "dbsessionhandler": true, "locktimeout": true,
	"lockfailed": true, "cannotgetlock": true, "sessionwaiterr": true,
	"sitemaintenance": true, "upgraderunning": true,
}

var permanentCodes = map[string]bool{
	"invalidtoken": true, "accessexception": true, "invalidparameter": true,
	"invalidrecord": true, "invalidrecordunknown": true, "shortnametaken": true,
	"courseidnumbertaken": true, "categoryidnumbertaken": true, "invaliduser": true,
	"notenroled": true, "nocriteriaset": true, "cannotviewreport": true,
	"nottracked": true, "errorcatcontextnotvalid": true, "unknowcategory": true,
	"filenotfound": true, "nopermissions": true, "requireloginerror": true,
}

// nonTransientDML are dml_* exceptions about the data itself, not the database.
var nonTransientDML = map[string]bool{
	"dml_missing_record_exception":   true,
	"dml_multiple_records_exception": true,
}

var siteLevelCodes = map[string]bool{
	"invalidtoken": true, "accessexception": true, "servicenotavailable": true,
	"sitemaintenance": true, "requireloginerror": true, "usernotfullysetup": true,
	"forcepasswordchangenotice": true, "enablewsdescription": true,
}

var tagPattern = regexp.MustCompile(`<[^>]*>`)

// readableCode turns an HTML errorcode (password policy) into one line of text.
func readableCode(code string) string {
	if !strings.Contains(code, "<") {
		return code
	}
	text := tagPattern.ReplaceAllString(strings.ReplaceAll(code, "</div>", "</div> "), "")
	return truncate(strings.Join(strings.Fields(html.UnescapeString(text)), " "), 300)
}

// IsErrorCode reports whether err is a Moodle exception with that errorcode.
func IsErrorCode(err error, code string) bool {
	var me *Error
	return errors.As(err, &me) && me.ErrorCode == code
}

// IsMailFailure reports whether err is Moodle's "Message was not sent." after
// a committed write: do not retry the write, verify it if it matters.
func IsMailFailure(err error) bool {
	var me *Error
	return errors.As(err, &me) && me.IsMailFailure()
}

// IsBodyDropped reports an answer showing that PHP discarded the request body.
func IsBodyDropped(err error) bool {
	var me *Error
	return errors.As(err, &me) && me.BodyDropped
}

// TransportError is a failure to get an answer at all: connection refused or
// reset, timeout, truncated body. The request may or may not have been applied.
type TransportError struct {
	Site     string
	Function string
	Err      error // never carries the token: URLs are redacted before wrapping
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("moodle site %s: %s: transport: %v", e.Site, e.Function, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// Retryable: everything but an explicit cancellation may succeed next time.
func (e *TransportError) Retryable() bool {
	if errors.Is(e.Err, context.Canceled) {
		return false
	}
	return true
}

// HTTPError is a non-200 answer that is not a Moodle exception.
type HTTPError struct {
	Site        string
	Function    string
	StatusCode  int
	ContentType string
	Snippet     string // start of the body, for diagnosis
}

func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("moodle site %s: %s: HTTP %d", e.Site, e.Function, e.StatusCode)
	if e.StatusCode == 403 && strings.TrimSpace(e.Snippet) == "" {
		msg += " with an empty body (web services or the REST protocol are disabled on the site)"
	} else if e.Snippet != "" {
		msg += ": " + e.Snippet
	}
	return msg
}

// Retryable: server errors, throttling and request timeouts are transient.
func (e *HTTPError) Retryable() bool {
	return e.StatusCode >= 500 || e.StatusCode == 429 || e.StatusCode == 408
}

// DecodeError is an answer that is neither JSON of the expected shape nor a
// Moodle exception (an HTML error page, an empty body, an XML success).
type DecodeError struct {
	Site        string
	Function    string
	ContentType string
	Snippet     string
	Err         error
}

func (e *DecodeError) Error() string {
	msg := fmt.Sprintf("moodle site %s: %s: undecodable answer", e.Site, e.Function)
	if e.ContentType != "" {
		msg += " (" + e.ContentType + ")"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	if e.Snippet != "" {
		msg += ": " + e.Snippet
	}
	return msg
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Retryable is false: the same request will get the same answer.
func (e *DecodeError) Retryable() bool { return false }

// MissingFunctionsError lists functions the token's service does not offer.
type MissingFunctionsError struct {
	Site    string
	Missing []string
}

func (e *MissingFunctionsError) Error() string {
	parts := make([]string, len(e.Missing))
	for i, name := range e.Missing {
		parts[i] = fmt.Sprintf("function %s is not in this token's service on site %s", name, e.Site)
	}
	return strings.Join(parts, "; ")
}

// Retryable is false: an administrator has to add the functions.
func (e *MissingFunctionsError) Retryable() bool { return false }

// TooManyInputVarsError refuses a call PHP would silently truncate.
type TooManyInputVarsError struct {
	Site     string
	Function string
	Vars     int
	Limit    int
}

func (e *TooManyInputVarsError) Error() string {
	return fmt.Sprintf("moodle site %s: %s: %d input variables exceed the budget of %d (max_input_vars): split the call",
		e.Site, e.Function, e.Vars, e.Limit)
}

// Retryable is false: the same call is just as big next time.
func (e *TooManyInputVarsError) Retryable() bool { return false }

// Warning is one entry of a "warnings" array: Moodle reports unknown ids
// and similar per-item problems there instead of raising an exception.
type Warning struct {
	Item        string `json:"item"`
	ItemID      Int    `json:"itemid"`
	WarningCode String `json:"warningcode"`
	Message     string `json:"message"`
}

// Warnings is a list of warnings with per-item lookup.
type Warnings []Warning

// ForItem returns the warnings about one item id.
func (ws Warnings) ForItem(id Int) []Warning {
	var out []Warning
	for _, w := range ws {
		if w.ItemID == id {
			out = append(out, w)
		}
	}
	return out
}

// Err folds the warnings into one permanent error (nil when there are none),
// for callers that treat any warning as a failure.
func (ws Warnings) Err(site, function string) error {
	if len(ws) == 0 {
		return nil
	}
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = fmt.Sprintf("%s %d: %s (%s)", w.Item, w.ItemID, w.Message, w.WarningCode)
	}
	return &WarningsError{Site: site, Function: function, Warnings: ws, summary: strings.Join(parts, "; ")}
}

// WarningsError carries the warnings of a call treated as failed.
type WarningsError struct {
	Site     string
	Function string
	Warnings Warnings
	summary  string
}

func (e *WarningsError) Error() string {
	return fmt.Sprintf("moodle site %s: %s: warnings: %s", e.Site, e.Function, e.summary)
}

// Retryable is false: warnings are about the items themselves.
func (e *WarningsError) Retryable() bool { return false }
