package enrol

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestWriteJSONIsTheWholeDocument: the report written row by row is byte
// for byte what encoding/json writes of the whole report, with or without
// rows and notices, HTML characters and accents included.
func TestWriteJSONIsTheWholeDocument(t *testing.T) {
	rows := []Entry{
		{Line: 2, Email: "a@x.fr", FirstName: "Zoé", LastName: "<b>&Co</b>", Status: StatusWillEnrol, CourseID: 5, UserID: 7,
			RoleID: 5, Role: "student", NewGroups: []string{"G1", "G\"2"}},
		{Line: 3, Email: "b@x.fr", Status: StatusInvalid, Reasons: []string{ReasonUnknownRole, ReasonNoNames}, Detail: "role \"x\""},
		{Email: "c@x.fr", Status: StatusWillUnenrol, Reasons: []string{ReasonAbsentFromFile}},
	}
	notices := []Problem{{Line: 4, Code: CodeMixedEncoding, Severity: SeverityNotice, Message: "mixed"}}
	for _, r := range []*Report{
		{Domain: "ac-a", CourseIDs: []int64{5}, FileSHA256: "ab", DryRun: true, Counts: CountEntries(rows), Rows: rows, Notices: notices},
		{JobID: 9, Domain: "ac-a", CourseIDs: []int64{5, 6}, Counts: CountEntries(rows[:1]), Rows: rows[:1], EnrolPath: PathCore,
			Advice: []string{AdviceBulkPath}},
		{Domain: "ac-a", Rows: []Entry{}},
		{Domain: "ac-a"},
	} {
		var want, got bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", " ")
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
		if err := r.WriteJSON(&got); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("row by row:\n%s\nwhole:\n%s", got.String(), want.String())
		}
	}
}
