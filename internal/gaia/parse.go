package gaia

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/magistere/bridge/internal/enrol"
	"github.com/magistere/bridge/internal/fr"
	"github.com/magistere/bridge/internal/store"
)

// Kinds of GAIA file.
const (
	KindFormations   = "formations"
	KindIntervenants = "intervenants"
	KindStagiaires   = "stagiaires"
)

// Bridge roles of the people files.
const (
	RoleParticipant = "participant"
	RoleFormateur   = "formateur"
)

// RoleOf returns the bridge role a people file's kind gives ("" for
// Formations).
func RoleOf(kind string) string {
	switch kind {
	case KindIntervenants:
		return RoleFormateur
	case KindStagiaires:
		return RoleParticipant
	}
	return ""
}

// SessionKey is a GAIA session's identity: dispositif/module/groupe, each
// normalised (NormID, NormGroup): " 26a 0010123" is 26A0010123 and group
// "01" is group "1".
func SessionKey(dispositif, module, group string) string {
	return NormID(dispositif) + "/" + NormID(module) + "/" + NormGroup(group)
}

// NormID upper-cases an identifier and drops every space in it.
func NormID(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

// NormGroup is NormID, and a number without its leading zeros ("01" and
// "1" are the same group, "00" is "0").
func NormGroup(s string) string {
	s = NormID(s)
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return s
	}
	if t := strings.TrimLeft(s, "0"); t != "" {
		return t
	}
	return "0"
}

// National reports whether a dispositif is national: GAIA puts an N at
// the third position of its id (26N…), A for academic.
func National(dispositif string) bool {
	d := NormID(dispositif)
	return len(d) > 2 && d[2] == 'N'
}

// Layouts of a GAIA file.
const (
	// LayoutHeader: a header line naming the columns (the académies'
	// re-exports, and the bridge's own).
	LayoutHeader = "header"
	// LayoutMinistry: the ministry's nightly drop (magistere.md §3.3): no
	// header, each line starts with its table name, fields in a fixed
	// order.
	LayoutMinistry = "ministry"
)

// File is a parsed GAIA file: its sessions (Formations) or people
// (Intervenants, Stagiaires), and its bad lines.
type File struct {
	Name     string
	Kind     string
	SHA256   string
	Encoding string // "utf-8" or "windows-1252" (any line not UTF-8)
	Layout   string // LayoutHeader or LayoutMinistry
	// Header is true when a ministry-layout file carries an added header
	// line (skipped).
	Header bool
	// Refs are, in a ministry-layout people file, the people as the file
	// names them: by GAIA session id (Stagiaires) or module (Intervenants).
	// Resolve turns them into People once the sessions are known.
	Refs []PersonRef
	// IDs are, in a ministry-layout Formations file, GAIA's session ids.
	IDs      []store.GaiaSessionID
	Sessions []store.GaiaSession
	People   []store.GaiaPerson
	Problems []Problem
	Lines    int // data lines read (blank lines excluded)
}

// Rows is the number of usable rows.
func (f *File) Rows() int { return len(f.Sessions) + len(f.People) + len(f.Refs) }

// Parse reads a GAIA file. kind may be "" to detect it from the name and
// the header. Bad lines become Problems; a file that cannot be read as a
// GAIA file at all is a *FileError.
func Parse(name string, data []byte, kind string) (*File, error) {
	sum := sha256.Sum256(data)
	f := &File{Name: filepath.Base(name), SHA256: hex.EncodeToString(sum[:]), Encoding: "utf-8"}
	lines := splitLines(bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF}))
	hdr := -1
	for i, l := range lines {
		if len(bytes.TrimSpace(l)) > 0 {
			hdr = i
			break
		}
	}
	if hdr < 0 {
		return nil, &FileError{File: f.Name, Problem: "empty file"}
	}
	header := splitFields(f.decode(lines[hdr]))
	if mk := ministryStart(f, lines, hdr); mk >= 0 {
		f.Layout = LayoutMinistry
		return parseMinistry(f, lines, mk, kind)
	}
	f.Layout = LayoutHeader
	cols := mapColumns(header)
	var err error
	if f.Kind, err = detectKind(f.Name, kind, cols, header); err != nil {
		return nil, err
	}
	if missing := cols.missing(f.Kind); len(missing) > 0 {
		return nil, &FileError{File: f.Name, Problem: fmt.Sprintf("%s file without a column for %s (header: %s)",
			f.Kind, strings.Join(missing, ", "), strings.Join(header, "|"))}
	}
	p := &parser{f: f, cols: cols, width: len(header), seen: map[string]int{}}
	for i := hdr + 1; i < len(lines); i++ {
		text := f.decode(lines[i])
		if strings.TrimSpace(text) == "" {
			continue
		}
		f.Lines++
		p.line(i+1, splitFields(text))
	}
	return f, nil
}

// splitLines splits on LF, CRLF or a lone CR.
func splitLines(data []byte) [][]byte {
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	return bytes.Split(data, []byte("\n"))
}

// decode keeps valid UTF-8 and reads anything else as Windows-1252, line
// by line (fr.DecodeLine, as CSV enrolment does).
func (f *File) decode(b []byte) string {
	text, enc := fr.DecodeLine(b)
	if enc == fr.CP1252 {
		f.Encoding = fr.CP1252
	}
	return text
}

// splitFields splits a line on '|' and trims each field. GAIA does not
// quote fields; a '|' inside a value is not representable.
func splitFields(line string) []string {
	parts := strings.Split(line, "|")
	for i, s := range parts {
		parts[i] = strings.TrimSpace(s)
	}
	return parts
}

func detectKind(name, forced string, cols columns, header []string) (string, error) {
	if forced != "" {
		switch forced {
		case KindFormations, KindIntervenants, KindStagiaires:
			return forced, nil
		}
		return "", &FileError{File: name, Problem: fmt.Sprintf("unknown kind %q (formations, intervenants or stagiaires)", forced)}
	}
	if k := kindFromText(normalize(name)); k != "" {
		return k, nil
	}
	hasEmail, hasName, hasStart := cols.has(colEmail), cols.has(colLastName), cols.has(colStart)
	hasEtab, hasNUMEN := cols.has(colEstablishment), cols.has(colIDNumber)
	switch {
	case hasStart && !hasEmail && !hasName:
		return KindFormations, nil
	case hasEmail && hasEtab && !hasNUMEN:
		return KindStagiaires, nil
	case hasEmail && hasNUMEN && !hasEtab:
		return KindIntervenants, nil
	}
	// Last resort: a header naming the people ("Nom du stagiaire").
	if k := kindFromText(normalize(strings.Join(header, " "))); k != "" && k != KindFormations {
		return k, nil
	}
	return "", &FileError{File: name, Problem: "cannot tell whether this is a Formations, Intervenants or Stagiaires file: name it after its kind or pass the kind"}
}

func kindFromText(s string) string {
	switch {
	case strings.Contains(s, "intervenant") || strings.Contains(s, "formateur"):
		return KindIntervenants
	case strings.Contains(s, "stagiaire") || strings.Contains(s, "participant"):
		return KindStagiaires
	case strings.Contains(s, "formation"):
		return KindFormations
	}
	return ""
}

// parser turns data lines into rows.
type parser struct {
	f     *File
	cols  columns
	width int
	seen  map[string]int // session (+ e-mail) -> first line
}

func (p *parser) problem(line int, field, code, msg string) {
	p.f.Problems = append(p.f.Problems, Problem{File: p.f.Name, Line: line, Field: field, Code: code, Message: msg})
}

func (p *parser) line(num int, cells []string) {
	if len(cells) != p.width {
		p.problem(num, "", CodeFieldCount, fmt.Sprintf("%d fields, the header has %d", len(cells), p.width))
		return
	}
	get := func(c string) string {
		if i, ok := p.cols.idx[c]; ok {
			return cells[i]
		}
		return ""
	}
	for _, c := range []string{colDispositif, colModule, colGroup} {
		if get(c) == "" {
			p.problem(num, p.cols.header(c), CodeMissing, "empty "+colNames[c])
			return
		}
	}
	key := SessionKey(get(colDispositif), get(colModule), get(colGroup))
	if p.f.Kind == KindFormations {
		p.session(num, key, get)
		return
	}
	p.person(num, key, get)
}

func (p *parser) session(num int, key string, get func(string) string) {
	start, ok1 := p.date(num, colStart, get(colStart))
	end, ok2 := p.date(num, colEnd, get(colEnd))
	if !ok1 || !ok2 || p.duplicate(num, key, "session "+key) {
		return
	}
	label := get(colLabelModule)
	if label == "" {
		label = get(colLabel)
	}
	p.f.Sessions = append(p.f.Sessions, store.GaiaSession{Key: key, Dispositif: NormID(get(colDispositif)),
		Module: NormID(get(colModule)), Group: NormGroup(get(colGroup)), Label: label,
		StartsOn: start, EndsOn: end, Place: get(colPlace)})
}

func (p *parser) person(num int, key string, get func(string) string) {
	email := enrol.NormalizeEmail(get(colEmail))
	if email == "" {
		p.problem(num, p.cols.header(colEmail), CodeMissing, "empty e-mail")
		return
	}
	if why := enrol.EmailProblem(email); why != "" {
		p.problem(num, p.cols.header(colEmail), CodeInvalidEmail, fmt.Sprintf("%q: %s", email, why))
		return
	}
	if p.duplicate(num, key+" "+email, email+" in session "+key) {
		return
	}
	p.f.People = append(p.f.People, store.GaiaPerson{SessionKey: key, Role: RoleOf(p.f.Kind), Email: email,
		LastName: get(colLastName), FirstName: get(colFirstName), IDNumber: get(colIDNumber),
		Establishment: get(colEstablishment), Line: num})
}

// duplicate reports (and names) a line repeating an earlier one's key.
func (p *parser) duplicate(num int, key, what string) bool {
	if first, ok := p.seen[key]; ok {
		p.problem(num, "", CodeDuplicate, fmt.Sprintf("%s already on line %d", what, first))
		return true
	}
	p.seen[key] = num
	return false
}

// date accepts DD/MM/YYYY (GAIA), YYYY-MM-DD and "" and returns YYYY-MM-DD.
func (p *parser) date(num int, col, v string) (string, bool) {
	if v == "" {
		return "", true
	}
	if len(v) > 10 { // "12/01/2026 00:00:00"
		v = strings.Fields(v)[0]
	}
	for _, layout := range []string{"02/01/2006", "2/1/2006", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.Format("2006-01-02"), true
		}
	}
	p.problem(num, p.cols.header(col), CodeInvalidDate, fmt.Sprintf("%q is not a date (DD/MM/YYYY)", v))
	return "", false
}
