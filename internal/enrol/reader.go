// Package enrol reads enrolment lists: GAIA/Mailexport exports, hand-made
// spreadsheets saved as CSV, Moodle upload-user files and plain lists of
// e-mails. Unlike m@gistère's block (UTF-8 only, ';' only, stops at the
// first bad line), the Reader guesses the encoding and the delimiter,
// recognises French and English headers, and returns every row with the
// problems found on it, so a dry run can show the whole file at once.
//
// Memory: the Reader holds one record at a time plus, for duplicate
// detection, one 64-bit hash and one line number per distinct identity
// (about 40 bytes per row in a Go map: ~4 MB for 100,000 rows), never the
// rows themselves.
package enrol

import (
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"strconv"
	"strings"
	"time"
)

// Options tune the Reader. The zero value is right for uploads.
type Options struct {
	// Delimiter forces the field separator; 0 sniffs among ; , tab |.
	Delimiter rune
	// MaxLineBytes bounds one physical line (and one multi-line record);
	// 0 means 1 MiB.
	MaxLineBytes int
}

// Row is one record of the file, normalised. Fields the file lacks are "".
type Row struct {
	Line          int // 1-based physical line where the record starts
	Email         string
	Username      string
	IDNumber      string
	FirstName     string
	LastName      string
	FullName      string // the raw "NOM Prénom" cell when names were split from it
	Role          string // lowercased shortname, not validated here
	Groups        []string
	Establishment string
	Function      string
	Grade         string
	Course        string
	Auth          string
	EnrolPeriod   time.Duration // 0 when absent
	Raw           []string      // the record's cells as read (secret columns blanked)
	Problems      []Problem
}

// Usable reports whether the row has no error-severity problem.
func (r Row) Usable() bool {
	for _, p := range r.Problems {
		if p.Severity == SeverityError {
			return false
		}
	}
	return true
}

// HasProblem reports whether the row carries a problem with this code.
func (r Row) HasProblem(code string) bool {
	for _, p := range r.Problems {
		if p.Code == code {
			return true
		}
	}
	return false
}

const (
	sniffLines       = 10 // non-blank lines used to guess the delimiter
	headerSearch     = 5  // records examined to find the header or first e-mail
	maxQuotedLines   = 50 // physical lines one quoted field may span
	defaultRecordCap = defaultMaxLineSz
)

// record is one logical CSV record.
type record struct {
	cells      []string
	line       int
	unfinished bool // a quote never closed: cells were split literally
}

// Reader streams rows from an enrolment file.
type Reader struct {
	src        *lineSource
	pending    []physLine // lines read ahead (sniffing) or pushed back
	queued     []record   // records read ahead (header search)
	delim      byte
	encoding   string
	maxRecord  int
	columns    []Column
	hasHeader  bool
	notices    []Problem
	seen       map[uint64]int32
	seed       maphash.Seed
	err        error // sticky fatal error
	srcErr     error // source error met while reading ahead, after the pending lines
	lastLine   int
	fullNameAt int  // index of the column holding "NOM Prénom", -1 if none
	openGroups bool // headerless complex format: every cell after the role is a group
}

// NewReader detects the encoding, the delimiter and the header. It fails
// with a *FileError (ErrEmptyFile, ErrUndecodable, ErrNoUsableColumn...)
// when the file as a whole cannot be read.
func NewReader(r io.Reader, opts Options) (*Reader, error) {
	maxLine := opts.MaxLineBytes
	if maxLine <= 0 {
		maxLine = defaultMaxLineSz
	}
	decoded, enc, err := openDecoded(r)
	if err != nil {
		return nil, err
	}
	rd := &Reader{src: newLineSource(decoded, maxLine), encoding: enc, maxRecord: maxLine,
		seen: map[uint64]int32{}, seed: maphash.MakeSeed(), fullNameAt: -1}
	rd.src.onMixed = rd.noteMixedEncoding
	if err := rd.detectDelimiter(opts.Delimiter); err != nil {
		return nil, err
	}
	if err := rd.detectColumns(); err != nil {
		return nil, err
	}
	return rd, nil
}

// Encoding returns the detected encoding (EncodingUTF8, EncodingCP1252...).
// A UTF-8 guess becomes EncodingCP1252 once a line proves it.
func (r *Reader) Encoding() string {
	if r.encoding == EncodingUTF8 && r.src.sawCP1252 {
		return EncodingCP1252
	}
	return r.encoding
}

// Delimiter returns the field separator in use.
func (r *Reader) Delimiter() rune { return rune(r.delim) }

// HasHeader reports whether the file starts with a header line.
func (r *Reader) HasHeader() bool { return r.hasHeader }

// Columns describes every column found in the header (or first record).
func (r *Reader) Columns() []Column { return append([]Column(nil), r.columns...) }

// Notices returns the file-level problems found so far (Line 0 or the line
// concerned). Complete once Next has returned io.EOF.
func (r *Reader) Notices() []Problem { return append([]Problem(nil), r.notices...) }

func (r *Reader) notice(line int, field, code, msg string) {
	r.notices = append(r.notices, Problem{Line: line, Field: field, Code: code, Severity: SeverityNotice, Message: msg})
}

func (r *Reader) noteMixedEncoding(line int) {
	r.notice(line, "", CodeMixedEncoding, "the file mixes UTF-8 and Windows-1252 lines; each line was decoded on its own")
}

// nextLine returns the next physical line, read-ahead first.
func (r *Reader) nextLine() (physLine, error) {
	if len(r.pending) > 0 {
		l := r.pending[0]
		r.pending = r.pending[1:]
		return l, nil
	}
	if r.srcErr != nil {
		return physLine{}, r.srcErr
	}
	return r.src.next()
}

func (r *Reader) detectDelimiter(forced rune) error {
	var sample []string
	for len(sample) < sniffLines {
		l, err := r.src.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil && len(sample) == 0 {
			return err
		}
		if err != nil { // let the rows before it through; Next reports it
			r.srcErr = err
			break
		}
		r.pending = append(r.pending, l)
		if trimCell(l.text) != "" {
			sample = append(sample, l.text)
		}
	}
	if len(sample) == 0 {
		return &FileError{Code: FileEmpty, Detail: "no non-blank line"}
	}
	switch {
	case forced == 0:
		r.delim = sniffDelimiter(sample)
	case forced < 0x80 && forced != '"' && forced != '\n' && forced != '\r':
		r.delim = byte(forced)
	default:
		return &FileError{Code: FileNoUsableColumn, Detail: fmt.Sprintf("unsupported delimiter %q", forced)}
	}
	return nil
}

// readRecord returns the next non-blank record, or io.EOF.
func (r *Reader) readRecord() (record, error) {
	if len(r.queued) > 0 {
		rec := r.queued[0]
		r.queued = r.queued[1:]
		return rec, nil
	}
	for {
		l, err := r.nextLine()
		if err != nil {
			return record{}, err
		}
		if trimCell(l.text) == "" {
			continue
		}
		rec, err := r.assemble(l)
		if err != nil {
			return record{}, err
		}
		if !blankRecord(rec.cells) {
			return rec, nil
		}
	}
}

// assemble builds the record starting at line first, pulling continuation
// lines while a quoted field is open. A quote still open after
// maxQuotedLines lines, maxRecord bytes or at the end of the file is taken
// as a stray quote: the first line is split literally and flagged, and the
// lines read ahead are given back so no row is swallowed.
func (r *Reader) assemble(first physLine) (record, error) {
	if strings.IndexByte(first.text, '"') < 0 {
		return record{cells: splitPlain(first.text, r.delim), line: first.num}, nil
	}
	cells, open := splitQuoted(first.text, r.delim)
	if !open {
		return record{cells: cells, line: first.num}, nil
	}
	text := first.text
	var extra []physLine
	for open && len(extra) < maxQuotedLines && len(text) <= r.maxRecord {
		l, err := r.nextLine()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return record{}, err
		}
		extra = append(extra, l)
		text += "\n" + l.text
		cells, open = splitQuoted(text, r.delim)
	}
	if !open {
		return record{cells: cells, line: first.num}, nil
	}
	r.pending = append(extra, r.pending...)
	return record{cells: splitPlain(first.text, r.delim), line: first.num, unfinished: true}, nil
}

func blankRecord(cells []string) bool {
	for _, c := range cells {
		if trimCell(c) != "" {
			return false
		}
	}
	return true
}

// Next returns the next row, io.EOF at the end, or a *FileError that ends
// the file. Rows with problems are returned like the others.
func (r *Reader) Next() (Row, error) {
	if r.err != nil {
		return Row{}, r.err
	}
	rec, err := r.readRecord()
	if err != nil {
		r.err = err
		return Row{}, err
	}
	r.lastLine = rec.line
	return r.buildRow(rec), nil
}

// buildRow maps cells to fields and collects the row's problems.
func (r *Reader) buildRow(rec record) Row {
	row := Row{Line: rec.line, Raw: rec.cells}
	if rec.unfinished {
		row.addProblem("", CodeUnterminatedQuote, SeverityWarning, "a quoted field is never closed; the line was split as plain text")
	}
	r.checkShape(&row, rec.cells)
	for i, cell := range rec.cells {
		col := r.columnAt(i)
		if col.Field == FieldSecret {
			rec.cells[i] = ""
			continue
		}
		if formulaCell(cell) {
			row.addProblem(r.columnName(col), CodeFormulaCell, SeverityWarning,
				"cell starts like a spreadsheet formula; kept as text, escaped in reports")
		}
		r.setField(&row, col, trimCell(cell))
	}
	r.splitNames(&row)
	r.checkIdentity(&row)
	return row
}

// columnAt returns the column for cell i. Cells beyond the known columns
// are groups in m@gistère's headerless "email;role;group1;group2..." format,
// ignored otherwise.
func (r *Reader) columnAt(i int) Column {
	if i < len(r.columns) {
		return r.columns[i]
	}
	if r.openGroups {
		return Column{Index: i, Field: FieldGroup}
	}
	return Column{Index: i}
}

// formulaCell: a cell a spreadsheet would evaluate, before or after
// trimming. A lone "-" or "+" (a common placeholder) is not flagged.
func formulaCell(cell string) bool {
	t := trimCell(cell)
	return len(t) > 1 && (looksLikeFormula(cell) || looksLikeFormula(t))
}

func (row *Row) addProblem(field, code string, sev Severity, msg string) {
	row.Problems = append(row.Problems, Problem{Line: row.Line, Field: field, Code: code, Severity: sev, Message: msg})
}

func (r *Reader) columnName(col Column) string {
	if col.Header != "" {
		return col.Header
	}
	return "column " + strconv.Itoa(col.Index+1)
}

// checkShape reports records shorter than the header when a mapped column
// is cut off, and non-empty cells beyond the header (often an unquoted
// delimiter inside a name, which shifts the following cells).
func (r *Reader) checkShape(row *Row, cells []string) {
	if !r.hasHeader {
		return
	}
	var missing []string
	for _, col := range r.columns {
		if col.Index >= len(cells) && col.Field != "" {
			missing = append(missing, r.columnName(col))
		}
	}
	if len(missing) > 0 {
		row.addProblem(strings.Join(missing, ", "), CodeMissingColumns, SeverityWarning,
			fmt.Sprintf("%d cell(s) expected, %d found; missing: %s", len(r.columns), len(cells), strings.Join(missing, ", ")))
	}
	if len(cells) > len(r.columns) && !blankRecord(cells[len(r.columns):]) {
		row.addProblem("", CodeExtraCells, SeverityWarning,
			fmt.Sprintf("%d cell(s) expected, %d found; the extra cells are ignored (a delimiter inside an unquoted value?)", len(r.columns), len(cells)))
	}
}

func (r *Reader) setField(row *Row, col Column, v string) {
	if v == "" {
		return
	}
	switch col.Field {
	case FieldEmail:
		row.Email = NormalizeEmail(v)
	case FieldUsername:
		row.Username = strings.ToLower(v)
	case FieldIDNumber:
		row.IDNumber = v
	case FieldFirstName:
		row.FirstName = v
	case FieldLastName:
		row.LastName = v
	case FieldFullName, FieldFullNameFirst:
		row.FullName = v
	case FieldRole:
		row.Role = strings.ToLower(v)
	case FieldGroup:
		row.Groups = append(row.Groups, v)
	case FieldEstablishment:
		row.Establishment = v
	case FieldFunction:
		row.Function = v
	case FieldGrade:
		row.Grade = v
	case FieldCourse:
		row.Course = v
	case FieldAuth:
		row.Auth = strings.ToLower(v)
	case FieldEnrolPeriod:
		d, ok := parseEnrolPeriod(v)
		if !ok {
			row.addProblem(r.columnName(col), CodeInvalidEnrolPeriod, SeverityWarning,
				fmt.Sprintf("enrolment period %q is not a number of days", v))
		}
		row.EnrolPeriod = d
	}
}

// parseEnrolPeriod reads a number of days, as Moodle's enrolperiod column,
// optionally suffixed "j", "jours", "d" or "days".
func parseEnrolPeriod(v string) (time.Duration, bool) {
	num := strings.TrimSpace(strings.TrimRight(strings.ToLower(v), "joursdayx "))
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || n > 36600 {
		return 0, false
	}
	return time.Duration(n) * 24 * time.Hour, true
}

// splitNames fills FirstName/LastName from a full-name column (GAIA's
// "Nom" column is one, see mapHeader) when the row has no separate names.
func (r *Reader) splitNames(row *Row) {
	if r.fullNameAt < 0 {
		return
	}
	if row.FullName == "" || row.FirstName != "" || row.LastName != "" {
		return
	}
	var guessed bool
	if r.columns[r.fullNameAt].Field == FieldFullNameFirst {
		row.LastName, row.FirstName, guessed = splitFirstLast(row.FullName)
	} else {
		row.LastName, row.FirstName, guessed = SplitFullName(row.FullName, row.Email)
	}
	if guessed {
		row.addProblem(r.columnName(r.columns[r.fullNameAt]), CodeNameSplitGuess, SeverityNotice,
			fmt.Sprintf("could not tell where the last name ends in %q; guessed last name %q", row.FullName, row.LastName))
	}
}

// splitFirstLast handles "Prénom Nom" cells: capitals decide when the case
// is mixed, otherwise the last word is the last name (guessed if > 2 words).
func splitFirstLast(full string) (last, first string, guessed bool) {
	words := strings.Fields(full)
	if len(words) < 2 {
		return full, "", false
	}
	if j := trailingCapitalsStart(words); j > 0 && j < len(words) {
		return join(words[j:]), join(words[:j]), false
	}
	if k := leadingCapitals(words); k > 0 && k < len(words) {
		return join(words[:k]), join(words[k:]), false
	}
	return words[len(words)-1], join(words[:len(words)-1]), len(words) > 2
}

// checkIdentity validates the e-mail and flags rows nobody can be matched
// by, then duplicate identities.
func (r *Reader) checkIdentity(row *Row) {
	emailCol := r.fieldName(FieldEmail)
	if row.Email != "" {
		if reason := EmailProblem(row.Email); reason != "" {
			row.addProblem(emailCol, CodeInvalidEmail, SeverityError,
				fmt.Sprintf("invalid e-mail address %q: %s", row.Email, reason))
		}
	}
	key := identityKey(row)
	if key == "" {
		row.addProblem(emailCol, CodeMissingIdentity, SeverityError, "no e-mail, username or idnumber on this row")
		return
	}
	h := maphash.String(r.seed, key)
	if first, dup := r.seen[h]; dup {
		row.addProblem(emailCol, CodeDuplicateInFile, SeverityWarning, fmt.Sprintf("same person as line %d", first))
		return
	}
	r.seen[h] = int32(row.Line)
}

// identityKey is what makes two rows the same person: the normalised
// e-mail, else the username, else the idnumber.
func identityKey(row *Row) string {
	switch {
	case row.Email != "":
		return "e:" + row.Email
	case row.Username != "":
		return "u:" + row.Username
	case row.IDNumber != "":
		return "i:" + row.IDNumber
	}
	return ""
}

func (r *Reader) fieldName(field string) string {
	for _, c := range r.columns {
		if c.Field == field {
			return r.columnName(c)
		}
	}
	return field
}
