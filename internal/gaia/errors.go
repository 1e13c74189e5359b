package gaia

import (
	"fmt"

	"github.com/magistere/bridge/internal/failure"
)

// Problem codes of a bad line.
const (
	CodeFieldCount   = "field_count"   // not as many fields as the header
	CodeMissing      = "missing"       // a required field is empty
	CodeInvalidEmail = "invalid_email" // the e-mail cannot be an address
	CodeInvalidDate  = "invalid_date"  // neither DD/MM/YYYY nor YYYY-MM-DD
	CodeDuplicate    = "duplicate"     // same session (and person) as an earlier line
)

// Problem is one bad line, skipped by the import.
type Problem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	if p.Field == "" {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message)
	}
	return fmt.Sprintf("%s:%d: %s: %s", p.File, p.Line, p.Field, p.Message)
}

// FileError refuses a whole file: unreadable, no header, unknown kind or a
// required column missing. It is permanent: the same bytes fail again.
type FileError struct {
	File    string
	Problem string
	Err     error
}

func (e *FileError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("gaia: %s: %s: %v", e.File, e.Problem, e.Err)
	}
	return fmt.Sprintf("gaia: %s: %s", e.File, e.Problem)
}

func (e *FileError) Unwrap() error   { return e.Err }
func (e *FileError) Retryable() bool { return false }

var _ failure.Classified = (*FileError)(nil)
