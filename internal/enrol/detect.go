package enrol

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// detectColumns reads up to headerSearch records to find either a header
// (at least one known column, no e-mail address in it) or a first data
// record holding an e-mail (headerless file). Records before it are a
// preamble (a title line, an export date) and are skipped with a notice.
func (r *Reader) detectColumns() error {
	var seen []record
	for len(seen) < headerSearch {
		rec, err := r.readRecord()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		seen = append(seen, rec)
		if emailAt := firstEmailCell(rec.cells); emailAt >= 0 {
			r.useHeaderless(rec, emailAt)
			return r.finishDetection(seen, len(seen)-1)
		}
		if looksLikeHeader(rec.cells) {
			if err := r.mapHeader(rec); err != nil {
				return err
			}
			return r.finishDetection(seen, len(seen))
		}
	}
	if len(seen) == 0 {
		return &FileError{Code: FileEmpty, Detail: "only blank lines and empty cells"}
	}
	return &FileError{Code: FileNoUsableColumn, Line: seen[0].line,
		Detail: fmt.Sprintf("no header naming an e-mail, username or idnumber column and no e-mail address in the first %d records", len(seen))}
}

// finishDetection notes the preamble and queues the records after the
// header (or from the first data record) for Next.
func (r *Reader) finishDetection(seen []record, dataFrom int) error {
	preamble := len(seen) - 1
	if dataFrom < len(seen) {
		preamble = dataFrom
	}
	header := r.notices
	r.notices = nil
	for _, rec := range seen[:preamble] {
		r.notice(rec.line, "", CodePreambleSkipped, "line before the header or first e-mail skipped")
	}
	r.notices = append(r.notices, header...)
	r.queued = append(r.queued, seen[dataFrom:]...)
	return nil
}

func firstEmailCell(cells []string) int {
	for i, c := range cells {
		if e := NormalizeEmail(c); strings.IndexByte(e, '@') > 0 && EmailProblem(e) == "" {
			return i
		}
	}
	return -1
}

func looksLikeHeader(cells []string) bool {
	for _, c := range cells {
		if f, _ := headerField(c); f != "" {
			return true
		}
	}
	return false
}

// useHeaderless maps a file without header from its first data record: an
// e-mail in the first column means m@gistère's format "email;role;group1;
// group2..."; an e-mail elsewhere is the only column used.
func (r *Reader) useHeaderless(rec record, emailAt int) {
	r.hasHeader = false
	r.openGroups = emailAt == 0
	r.columns = make([]Column, len(rec.cells))
	for i := range rec.cells {
		r.columns[i] = Column{Index: i}
		switch {
		case i == emailAt:
			r.columns[i].Field = FieldEmail
		case emailAt == 0 && i == 1:
			r.columns[i].Field = FieldRole
		case emailAt == 0:
			r.columns[i].Field = FieldGroup
		}
	}
	if emailAt > 0 {
		r.notice(rec.line, "", CodeHeaderlessColumns,
			fmt.Sprintf("no header: only column %d (e-mail) is used, the others are kept as raw data", emailAt+1))
	}
}

// mapHeader maps header cells to fields. The first column for a field
// wins; later ones are reported. Moodle's numbered columns beyond 1
// (course2, role2...) belong to other courses and are ignored, as are
// group2+ when such courses exist. A "Nom" column without "Prénom" holds
// GAIA's "NOM Prénom" and becomes a full-name column.
func (r *Reader) mapHeader(rec record) error {
	r.hasHeader = true
	r.columns = make([]Column, len(rec.cells))
	taken := map[string]bool{}
	otherCourses := false
	for _, c := range rec.cells {
		if f, n := headerField(c); f == FieldCourse && n > 1 {
			otherCourses = true
		}
	}
	var ignored []string
	for i, cell := range rec.cells {
		header := trimCell(cell)
		field, n := headerField(header)
		r.columns[i] = Column{Index: i, Header: header}
		switch {
		case field == "" && header == "":
			continue
		case field == "" || (n > 1 && (field != FieldGroup || otherCourses)):
			ignored = append(ignored, header)
			continue
		case field == FieldSecret:
			r.notice(rec.line, header, CodeSecretColumnIgnored, "password column ignored: the bridge never imports passwords")
		case taken[field] && field != FieldGroup:
			r.notice(rec.line, header, CodeDuplicateColumn, fmt.Sprintf("column %q repeats field %s; only the first one is used", header, field))
			continue
		}
		taken[field] = true
		r.columns[i].Field = field
	}
	if len(ignored) > 0 {
		r.notice(rec.line, strings.Join(ignored, ", "), CodeExtraColumns, "columns ignored: "+strings.Join(ignored, ", "))
	}
	if !taken[FieldEmail] && !taken[FieldUsername] && !taken[FieldIDNumber] {
		return &FileError{Code: FileNoUsableColumn, Line: rec.line,
			Detail: "the header names no e-mail, username or idnumber column"}
	}
	r.resolveNameColumns(taken)
	return nil
}

func (r *Reader) resolveNameColumns(taken map[string]bool) {
	for i, c := range r.columns {
		switch {
		case c.Field == FieldFullName || c.Field == FieldFullNameFirst:
			if r.fullNameAt < 0 {
				r.fullNameAt = i
			}
		case c.Field == FieldLastName && !taken[FieldFirstName] && !taken[FieldFullName] && !taken[FieldFullNameFirst]:
			r.columns[i].Field = FieldFullName
			r.fullNameAt = i
		}
	}
}
