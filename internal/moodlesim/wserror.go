package moodlesim

import (
	"fmt"
	"strings"
)

// wsError is an exception as Moodle's REST server reports it:
// HTTP 200 with {exception, errorcode, message[, debuginfo]}.
type wsError struct {
	Exception string
	ErrorCode string
	Message   string
	Debug     string // only shown when the server runs with Debug
}

func (e *wsError) Error() string { return e.ErrorCode + ": " + e.Message }

// Retryable is false: an exception answer is Moodle's final word on a call.
func (e *wsError) Retryable() bool { return false }

const (
	exMoodle     = `core\exception\moodle_exception`
	exInvalidPar = `core\exception\invalid_parameter_exception`
	exCapability = `core\exception\required_capability_exception`
	exMissingRec = "dml_missing_record_exception"
	exAccess     = "webservice_access_exception"
	exPHPError   = "Error" // a PHP engine error the web-service server caught
)

// className returns the exception class as the release names it: 4.x
// namespaces core exceptions, older releases use the global names.
func className(class, release string) string {
	if release != "4.5" {
		return strings.TrimPrefix(class, `core\exception\`)
	}
	return class
}

func errInvalidToken() *wsError {
	return &wsError{Exception: exMoodle, ErrorCode: "invalidtoken", Message: "Invalid token - token not found"}
}

func errInvalidParam(debug string) *wsError {
	return &wsError{Exception: exInvalidPar, ErrorCode: "invalidparameter", Message: "Invalid parameter value detected", Debug: debug}
}

func errMoodle(code, message string) *wsError {
	return &wsError{Exception: exMoodle, ErrorCode: code, Message: message}
}

// errNoRecord is dml_missing_record_exception for a get_record(MUST_EXIST)
// by id; debuginfo shows the SQL as Moodle's developer debugging does.
func errNoRecord(table string, id any) *wsError {
	return &wsError{
		Exception: exMissingRec, ErrorCode: "invalidrecord",
		Message: fmt.Sprintf("Can't find data record in database table %s.", table),
		Debug:   fmt.Sprintf("SELECT * FROM {%s} WHERE id = ?\n[array (\n  0 => %s,\n)]", table, phpExport(id)),
	}
}

func errInvalidUser(id int) *wsError {
	return &wsError{
		Exception: exMissingRec, ErrorCode: "invaliduser", Message: "Invalid user",
		Debug: fmt.Sprintf("SELECT * FROM {user} WHERE id = ?\n[array (\n  0 => %d,\n)]", id),
	}
}

func errUnknownFunction(name string) *wsError {
	return &wsError{
		Exception: exMissingRec, ErrorCode: "invalidrecord",
		Message: "Can't find data record in database table external_functions.",
		Debug:   fmt.Sprintf("SELECT * FROM {external_functions} WHERE name = ?\n[array (\n  0 => %s,\n)]", phpExport(name)),
	}
}

func errAccess(function string) *wsError {
	return &wsError{
		Exception: exAccess, ErrorCode: "accessexception", Message: "Access control exception",
		Debug: "Access to the function " + function + "() is not allowed.\n" +
			"                     There could be multiple reasons for this:\n" +
			"                     1. The service linked to the user token does not contain the function.\n" +
			"                     2. The service is user-restricted and the user is not listed.\n" +
			"                     3. The service is IP-restricted and the user IP is not listed.\n" +
			"                     4. The service is time-restricted and the time has expired.\n" +
			"                     5. The token is time-restricted and the time has expired.\n" +
			"                     6. The service requires a specific capability which the user does not have.\n" +
			"                     7. The function is called with username/password (no user token is sent)\n" +
			"                     and none of the services has the function to allow the user.\n" +
			"                     These settings can be found in Administration > Site administration\n" +
			"                     > Server > Web services > External services and Manage tokens.",
	}
}

// errNoPermission is what a locked (frozen) context answers to writes.
func errNoPermission(capability string) *wsError {
	return &wsError{
		Exception: exCapability, ErrorCode: "nopermissions",
		Message: fmt.Sprintf("Sorry, but you do not currently have permissions to do that (%s).", capability),
	}
}

// phpExport renders a scalar like PHP's var_export inside debuginfo.
func phpExport(v any) string {
	if s, ok := v.(string); ok {
		return "'" + strings.ReplaceAll(s, "'", `\'`) + "'"
	}
	return fmt.Sprint(v)
}

// errorBody renders the exception for the given format.
func (e *wsError) body(release string, debug, asXML bool) []byte {
	class := className(e.Exception, release)
	if asXML {
		var b strings.Builder
		b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n")
		b.WriteString(`<EXCEPTION class="` + htmlEscape(class) + "\">\n")
		b.WriteString("<ERRORCODE>" + htmlEscape(e.ErrorCode) + "</ERRORCODE>\n")
		b.WriteString("<MESSAGE>" + htmlEscape(e.Message) + "</MESSAGE>\n")
		if debug && e.Debug != "" {
			b.WriteString("<DEBUGINFO>" + htmlEscape(e.Debug) + "</DEBUGINFO>\n")
		}
		b.WriteString("</EXCEPTION>\n")
		return []byte(b.String())
	}
	out := o("exception", class, "errorcode", e.ErrorCode, "message", e.Message)
	if class == exPHPError {
		// A PHP Error (not a moodle_exception) has no errorcode.
		out = o("exception", class, "message", e.Message)
	}
	if debug && e.Debug != "" {
		out = append(out, kv{"debuginfo", e.Debug})
	}
	return phpJSON(out)
}

// fileError is the {error, errorcode, ...} shape of upload.php and
// pluginfile.php, which do not go through the REST server.
func fileError(message, code string) obj {
	return o("error", message, "errorcode", code, "stacktrace", nil, "debuginfo", nil, "reproductionlink", nil)
}

// errPHPNull is the PHP Error Moodle 4.5 answers when code dereferences a
// missing record, e.g. core_course_get_courses_by_field with field=ids
// naming a course that does not exist.
func errPHPNull(property string) *wsError {
	return &wsError{Exception: exPHPError, Message: fmt.Sprintf("Attempt to assign property %q on null", property)}
}
