package enrol

import (
	"fmt"

	"github.com/magistere/bridge/internal/failure"
)

// Severity says what a caller should do with a Problem.
type Severity string

const (
	// SeverityError: the row cannot be enrolled as it stands.
	SeverityError Severity = "error"
	// SeverityWarning: the row is usable but a human should look.
	SeverityWarning Severity = "warning"
	// SeverityNotice: information (a guess was made, a column was ignored).
	SeverityNotice Severity = "notice"
)

// Problem codes. They are stable: reports and the Moodle block key on them.
const (
	// Row level.
	CodeInvalidEmail       = "invalid_email"
	CodeMissingIdentity    = "missing_identity"
	CodeMissingColumns     = "missing_columns"
	CodeExtraCells         = "extra_cells"
	CodeFormulaCell        = "formula_cell"
	CodeDuplicateInFile    = "duplicate_in_file"
	CodeUnterminatedQuote  = "unterminated_quote"
	CodeNameSplitGuess     = "name_split_guess"
	CodeInvalidEnrolPeriod = "invalid_enrolperiod"
	// File level (Reader.Notices).
	CodeExtraColumns        = "extra_columns"
	CodeDuplicateColumn     = "duplicate_column"
	CodeSecretColumnIgnored = "secret_column_ignored"
	CodeHeaderlessColumns   = "headerless_columns_ignored"
	CodePreambleSkipped     = "preamble_skipped"
	CodeMixedEncoding       = "mixed_encoding"
)

// Problem is one finding about a row (or, in Notices, about the file).
// Messages never contain secrets; they may quote the offending cell.
type Problem struct {
	Line     int    // 1-based physical line where the record starts; 0 for the whole file
	Field    string // column header (or "column N") concerned, "" if none
	Code     string
	Severity Severity
	Message  string
}

// File-level error codes (FileError.Code).
const (
	FileEmpty          = "empty_file"
	FileNoUsableColumn = "no_usable_column"
	FileUndecodable    = "undecodable"
	FileLineTooLong    = "line_too_long"
	FileReadError      = "read_error"
)

// FileError is a problem that stops the whole file: nothing after it can be
// trusted. Compare with errors.Is against the Err* sentinels.
type FileError struct {
	Code   string
	Line   int    // physical line, 0 when not tied to a line
	Detail string // human explanation, no secrets
	Err    error  // underlying cause, if any
}

func (e *FileError) Error() string {
	msg := "enrol: csv: " + e.Code
	if e.Line > 0 {
		msg += fmt.Sprintf(" at line %d", e.Line)
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *FileError) Unwrap() error { return e.Err }

// Is matches sentinels by code, so errors.Is(err, ErrEmptyFile) works for
// any FileError with that code.
func (e *FileError) Is(target error) bool {
	t, ok := target.(*FileError)
	return ok && t.Line == 0 && t.Detail == "" && t.Err == nil && t.Code == e.Code
}

// Retryable: a read error keeps its cause's verdict (the upload stream may
// come from the network); a file's content does not change by retrying.
func (e *FileError) Retryable() bool {
	return e.Code == FileReadError && failure.IsRetryable(e.Err)
}

// Sentinels for errors.Is.
var (
	ErrEmptyFile      = &FileError{Code: FileEmpty}
	ErrNoUsableColumn = &FileError{Code: FileNoUsableColumn}
	ErrUndecodable    = &FileError{Code: FileUndecodable}
	ErrLineTooLong    = &FileError{Code: FileLineTooLong}
	ErrRead           = &FileError{Code: FileReadError}
)
