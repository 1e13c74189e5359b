package enrol

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Counts counts rows by status. Total always equals the sum of ByStatus.
type Counts struct {
	Total    int            `json:"total"`
	ByStatus map[Status]int `json:"by_status"`
}

// CountEntries counts entries by status.
func CountEntries(entries []Entry) Counts {
	c := Counts{ByStatus: map[Status]int{}}
	for _, e := range entries {
		c.ByStatus[e.Status]++
		c.Total++
	}
	return c
}

// Problems counts the rows the operator must look at.
func (c Counts) Problems() int {
	n := 0
	for s, k := range c.ByStatus {
		if s.Problematic() {
			n += k
		}
	}
	return n
}

// Table renders the counts, one status a line, in the given language.
func (c Counts) Table(lang string) string {
	var b strings.Builder
	for _, s := range AllStatuses {
		if n := c.ByStatus[s]; n > 0 {
			fmt.Fprintf(&b, "%-18s %7d  %s\n", s, n, StatusMessage(s, lang))
		}
	}
	fmt.Fprintf(&b, "%-18s %7d\n", "total", c.Total)
	return b.String()
}

// Report is a plan or an applied plan, ready to keep and download.
type Report struct {
	JobID      int64     `json:"job_id,omitempty"`
	Domain     string    `json:"domain"`
	CourseIDs  []int64   `json:"course_ids"`
	FileSHA256 string    `json:"file_sha256"`
	DryRun     bool      `json:"dry_run"`
	Counts     Counts    `json:"counts"`
	Rows       []Entry   `json:"rows"`
	Notices    []Problem `json:"notices,omitempty"`
	// EnrolPath is the path the writes took (bulk, core, bulk+core; see
	// PathText); empty for a dry run or when nothing was written.
	EnrolPath string `json:"enrol_path,omitempty"`
	// Advice are the codes of what the operator should change for the
	// next run (AdviceBulkPath), derived from the counts and the path.
	Advice []string `json:"advice,omitempty"`
}

// AdviceBulkPath: many accounts were created through core's functions.
// core_user_create_users checks each new e-mail by scanning the whole user
// table (38 ms per account at 52,000 accounts on MariaDB), so on a large
// site that path is slower than Moodle's own uploaduser.php, where the
// bulk path (local_bridge_create_enrol_users) is not (bench/results.md,
// BENCH_ONLY=bigsite).
const AdviceBulkPath = "bulk_path"

// BulkPathAdviceFrom is the number of accounts created through core's
// functions from which AdviceBulkPath is given.
const BulkPathAdviceFrom = 200

// withAdvice sets r.Advice from what r says happened.
func (r *Report) withAdvice() *Report {
	r.Advice = nil
	if !r.DryRun && r.EnrolPath == PathCore && r.Counts.ByStatus[StatusCreated] >= BulkPathAdviceFrom {
		r.Advice = append(r.Advice, AdviceBulkPath)
	}
	return r
}

// NewReport builds the report of a plan (dry run) or of an applied plan.
func NewReport(domain string, p *Plan, dryRun bool) *Report {
	r := &Report{Domain: domain, CourseIDs: p.Options.CourseIDs, FileSHA256: p.FileSHA256, DryRun: dryRun,
		Counts: p.Counts(), Rows: p.Entries, Notices: p.Notices, EnrolPath: p.EnrolPath}
	return r.withAdvice()
}

// ReportColumns are the CSV report's columns.
var ReportColumns = []string{"line", "email", "username", "lastname", "firstname", "course", "status",
	"statut", "status_en", "reasons", "motifs", "reasons_en", "detail"}

// WriteCSV writes one line per row (';'-separated, UTF-8 with BOM so
// spreadsheets open it right). Every cell goes through EscapeCell: a cell
// from the file like "=HYPERLINK(...)" is never evaluated.
func (r *Report) WriteCSV(w io.Writer) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return fmt.Errorf("enrol: write report: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	if err := cw.Write(ReportColumns); err != nil {
		return fmt.Errorf("enrol: write report: %w", err)
	}
	cells := make([]string, 0, len(ReportColumns)) // one row's cells, reused: 100,000 rows make no 100,000 slices
	for i := range r.Rows {
		if err := cw.Write(escapeAll(appendRecord(cells[:0], &r.Rows[i]))); err != nil {
			return fmt.Errorf("enrol: write report: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("enrol: write report: %w", err)
	}
	return nil
}

func csvRecord(e Entry) []string { return appendRecord(nil, &e) }

// appendRecord appends the report cells of e to cells.
func appendRecord(cells []string, e *Entry) []string {
	var fr, en []string
	for _, code := range e.Reasons {
		fr = append(fr, ReasonMessage(code, "fr"))
		en = append(en, ReasonMessage(code, "en"))
	}
	line := ""
	if e.Line > 0 {
		line = strconv.Itoa(e.Line)
	}
	course := ""
	if e.CourseID > 0 {
		course = strconv.FormatInt(e.CourseID, 10)
	}
	return append(cells, line, e.Email, e.Username, e.LastName, e.FirstName, course, string(e.Status),
		StatusMessage(e.Status, "fr"), StatusMessage(e.Status, "en"), strings.Join(e.Reasons, ","),
		strings.Join(fr, " ; "), strings.Join(en, " ; "), e.Detail)
}

func escapeAll(cells []string) []string {
	for i, c := range cells {
		cells[i] = EscapeCell(c)
	}
	return cells
}

// WriteJSON writes the report as one JSON document, indented by one
// space. The rows are encoded one at a time: encoding the whole report at
// once held the document (about 250 bytes a row, more for its buffer's
// growth) besides the plan.
func (r *Report) WriteJSON(w io.Writer) error {
	if err := r.writeJSON(w); err != nil {
		return fmt.Errorf("enrol: write report: %w", err)
	}
	return nil
}

func (r *Report) writeJSON(w io.Writer) error {
	if len(r.Rows) == 0 { // "rows": null or [] as encoding/json writes them
		enc := json.NewEncoder(w)
		enc.SetIndent("", " ")
		return enc.Encode(r)
	}
	// The document without its rows, cut where they go.
	head := *r
	head.Rows = []Entry{}
	doc, err := json.MarshalIndent(&head, "", " ")
	if err != nil {
		return err
	}
	const empty = `"rows": []`
	at := bytes.Index(doc, []byte(empty))
	if at < 0 {
		return fmt.Errorf("no rows key in %.40q", doc)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(doc[:at])
	bw.WriteString("\"rows\": [\n")
	for i := range r.Rows {
		row, err := json.MarshalIndent(&r.Rows[i], "  ", " ")
		if err != nil {
			return err
		}
		bw.WriteString("  ")
		bw.Write(row)
		if i < len(r.Rows)-1 {
			bw.WriteByte(',')
		}
		bw.WriteByte('\n')
	}
	bw.WriteString(" ]")
	bw.Write(doc[at+len(empty):])
	bw.WriteByte('\n')
	return bw.Flush()
}
