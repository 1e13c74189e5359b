package enrol

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/magistere/bridge/internal/fr"
)

// Encoding names reported by Reader.Encoding.
const (
	EncodingUTF8     = "utf-8"
	EncodingUTF8BOM  = "utf-8-bom"
	EncodingUTF16LE  = "utf-16le"
	EncodingUTF16BE  = "utf-16be"
	EncodingCP1252   = "windows-1252"
	sniffBytes       = 8 << 10
	defaultMaxLineSz = 1 << 20
)

// openDecoded inspects the first bytes and returns a reader of UTF-8 for
// UTF-16 input (BOM or the tell-tale NUL pattern), or of the raw bytes for
// everything else (decoded line by line later, see lineSource.decode).
func openDecoded(r io.Reader) (io.Reader, string, error) {
	br := bufio.NewReaderSize(r, sniffBytes)
	head, err := br.Peek(sniffBytes)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, "", &FileError{Code: FileReadError, Detail: "reading the start of the file", Err: err}
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		_, _ = br.Discard(3)
		return br, EncodingUTF8BOM, nil
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		return utf16Reader(br, unicode.LittleEndian, unicode.ExpectBOM), EncodingUTF16LE, nil
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return utf16Reader(br, unicode.BigEndian, unicode.ExpectBOM), EncodingUTF16BE, nil
	}
	if msg := binaryFormat(head); msg != "" {
		return nil, "", &FileError{Code: FileUndecodable, Detail: msg}
	}
	if bytes.IndexByte(head, 0) >= 0 {
		if e, ok := utf16Guess(head); ok {
			name := EncodingUTF16LE
			if e == unicode.BigEndian {
				name = EncodingUTF16BE
			}
			return utf16Reader(br, e, unicode.IgnoreBOM), name, nil
		}
		return nil, "", &FileError{Code: FileUndecodable, Detail: "binary content (NUL bytes), not a text file"}
	}
	if !validUTF8Prefix(head) {
		return br, EncodingCP1252, nil
	}
	return br, EncodingUTF8, nil
}

func utf16Reader(r io.Reader, e unicode.Endianness, bom unicode.BOMPolicy) io.Reader {
	return transform.NewReader(r, unicode.UTF16(e, bom).NewDecoder())
}

// binaryFormat recognises the spreadsheet files people upload instead of
// CSV, to say so instead of reporting garbage rows.
func binaryFormat(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return "this is a zip archive (an .xlsx or .ods workbook?); save it as CSV first"
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return "this is an old Excel .xls workbook; save it as CSV first"
	case bytes.HasPrefix(head, []byte("%PDF")):
		return "this is a PDF document, not a CSV file"
	}
	return ""
}

// utf16Guess detects BOM-less UTF-16 from mostly-ASCII text: one byte of
// each pair is NUL, always on the same side.
func utf16Guess(head []byte) (unicode.Endianness, bool) {
	var evenNUL, oddNUL int
	for i := 0; i+1 < len(head); i += 2 {
		if head[i] == 0 {
			evenNUL++
		}
		if head[i+1] == 0 {
			oddNUL++
		}
	}
	pairs := len(head) / 2
	switch {
	case pairs > 0 && oddNUL*2 > pairs && evenNUL == 0:
		return unicode.LittleEndian, true
	case pairs > 0 && evenNUL*2 > pairs && oddNUL == 0:
		return unicode.BigEndian, true
	}
	return unicode.LittleEndian, false
}

// validUTF8Prefix is utf8.Valid tolerating a rune cut at the end of the
// peeked window.
func validUTF8Prefix(b []byte) bool {
	for cut := 0; cut < utf8.UTFMax && cut <= len(b); cut++ {
		if utf8.Valid(b[:len(b)-cut]) {
			return true
		}
	}
	return false
}

// physLine is one physical line of decoded text.
type physLine struct {
	text string
	num  int // 1-based
}

// lineSource splits the byte stream into physical lines (LF, CRLF or lone
// CR) and decodes each: valid UTF-8 stays, anything else is Windows-1252
// (a superset of ISO-8859-1's printable range). Deciding per line means a
// cp1252 file whose first accented name is on line 5000 still decodes, and
// memory stays at one line.
type lineSource struct {
	sc        *bufio.Scanner
	num       int
	sawCP1252 bool
	sawUTF8   bool // a non-ASCII line that was valid UTF-8
	onMixed   func(line int)
	mixedSeen bool
}

func newLineSource(r io.Reader, maxLine int) *lineSource {
	sc := bufio.NewScanner(r)
	// The scanner's limit is the larger of max and the initial capacity.
	sc.Buffer(make([]byte, 0, min(64<<10, maxLine)), maxLine)
	sc.Split(splitLines)
	return &lineSource{sc: sc}
}

// next returns the next physical line, io.EOF at the end, or a FileError.
func (s *lineSource) next() (physLine, error) {
	if !s.sc.Scan() {
		err := s.sc.Err()
		switch {
		case err == nil:
			return physLine{}, io.EOF
		case errors.Is(err, bufio.ErrTooLong):
			return physLine{}, &FileError{Code: FileLineTooLong, Line: s.num + 1, Detail: "line longer than the configured maximum"}
		default:
			return physLine{}, &FileError{Code: FileReadError, Line: s.num + 1, Err: err}
		}
	}
	s.num++
	return physLine{text: s.decode(s.sc.Bytes()), num: s.num}, nil
}

func (s *lineSource) decode(b []byte) string {
	text, enc := fr.DecodeLine(b)
	s.sawUTF8 = s.sawUTF8 || enc == fr.UTF8
	s.sawCP1252 = s.sawCP1252 || enc == fr.CP1252
	s.noteMixed()
	return text
}

func (s *lineSource) noteMixed() {
	if s.sawCP1252 && s.sawUTF8 && !s.mixedSeen {
		s.mixedSeen = true
		if s.onMixed != nil {
			s.onMixed(s.num)
		}
	}
}

// splitLines is a bufio.SplitFunc for LF, CRLF and lone CR line endings.
func splitLines(data []byte, atEOF bool) (int, []byte, error) {
	if atEOF && len(data) == 0 {
		return 0, nil, nil
	}
	end := bytes.IndexByte(data, '\n')
	limit := end
	if limit < 0 {
		limit = len(data)
	}
	if cr := bytes.IndexByte(data[:limit], '\r'); cr >= 0 {
		switch {
		case cr+1 < len(data) && data[cr+1] == '\n':
			return cr + 2, data[:cr], nil
		case cr+1 < len(data) || atEOF:
			return cr + 1, data[:cr], nil
		default:
			return 0, nil, nil // need one more byte to tell CR from CRLF
		}
	}
	if end >= 0 {
		return end + 1, data[:end], nil
	}
	if atEOF {
		return len(data), data, nil
	}
	return 0, nil, nil
}
