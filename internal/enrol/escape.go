package enrol

// EscapeCell neutralises spreadsheet formula injection in a cell written to
// a report: a cell starting with = + - @, tab or carriage return is prefixed
// with an apostrophe, which spreadsheets read as "text" and do not show.
// An escaped cell starts with the apostrophe, so escaping twice changes
// nothing. CSV quoting stays the writer's job (encoding/csv).
func EscapeCell(s string) string {
	if looksLikeFormula(s) {
		return "'" + s
	}
	return s
}

// looksLikeFormula is the OWASP CSV-injection test on the first character.
func looksLikeFormula(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}
