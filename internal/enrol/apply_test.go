package enrol

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

func TestDirtyFileEnrolsValidRowsOnceAndReportsTheRest(t *testing.T) {
	env := newSimEnv(t)
	raw, err := os.ReadFile("testdata/dirty.csv")
	if err != nil {
		t.Fatal(err)
	}
	file := string(raw)
	parsed := parseAll(t, file)
	wantEnrolled := map[string]int{} // email -> line
	for _, r := range parsed {
		if r.Usable() && !r.HasProblem(CodeDuplicateInFile) {
			wantEnrolled[r.Email] = r.Line
		}
	}
	if len(wantEnrolled) < 5 || len(wantEnrolled) == len(parsed) {
		t.Fatalf("fixture should mix valid and bad rows: %d valid of %d", len(wantEnrolled), len(parsed))
	}

	p := env.plan(t, file, PlanOptions{Unknown: "create", CreateAuth: "shibboleth"})
	if got := p.Counts(); got.ByStatus[StatusWillCreate] != len(wantEnrolled) {
		t.Fatalf("dry run: want %d will_create, got %v", len(wantEnrolled), got.ByStatus)
	}
	if env.site.Counts().Users != 0 {
		t.Fatal("a dry run must not create accounts")
	}
	env.apply(t, p)

	if got := len(env.site.EnrolledUserIDs(int(env.course))); got != len(wantEnrolled) {
		t.Fatalf("enrolled %d users, want %d", got, len(wantEnrolled))
	}
	if len(p.Entries) != len(parsed) {
		t.Fatalf("report has %d rows for %d records", len(p.Entries), len(parsed))
	}
	for i, e := range p.Entries {
		if e.Line != parsed[i].Line {
			t.Errorf("row %d: line %d, want %d", i, e.Line, parsed[i].Line)
		}
		_, valid := wantEnrolled[e.Email]
		valid = valid && wantEnrolled[e.Email] == e.Line
		switch {
		case valid && e.Status != StatusCreated:
			t.Errorf("line %d (%s): status %s, want created (%s)", e.Line, e.Email, e.Status, e.Detail)
		case !valid && e.Status != StatusInvalid && e.Status != StatusDuplicate:
			t.Errorf("line %d (%s): status %s, want invalid or duplicate", e.Line, e.Email, e.Status)
		}
	}
	assertCountsAddUp(t, p.Counts(), len(p.Entries))

	again := env.plan(t, file, PlanOptions{Unknown: "create", CreateAuth: "shibboleth"})
	if again.PendingWork() {
		t.Fatalf("second run has work to do: %v", again.Counts().ByStatus)
	}
	if n := again.Counts().ByStatus[StatusAlreadyEnrolled]; n != len(wantEnrolled) {
		t.Fatalf("second run: %d already enrolled, want %d", n, len(wantEnrolled))
	}
	before := env.site.CallCounts()["enrol_manual_enrol_users"]
	env.apply(t, again)
	if after := env.site.CallCounts()["enrol_manual_enrol_users"]; after != before {
		t.Fatalf("second apply sent %d enrol calls", after-before)
	}
}

func parseAll(t *testing.T, file string) []Row {
	t.Helper()
	rd, err := NewReader(strings.NewReader(file), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var rows []Row
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return rows
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row)
	}
}

func assertCountsAddUp(t *testing.T, c Counts, rows int) {
	t.Helper()
	sum := 0
	for _, n := range c.ByStatus {
		sum += n
	}
	if c.Total != rows || sum != rows {
		t.Fatalf("counts: total %d, sum %d, rows %d", c.Total, sum, rows)
	}
}

func TestGroupsRolesAndRemoveAbsent(t *testing.T) {
	env := newSimEnv(t)
	env.addUsers(t, 0, 4)
	file := "Courriel;Rôle;Groupe\nuser000000@ac-a.fr;participant;Atelier 1\nuser000001@ac-a.fr;tuteur;Atelier 2\nuser000002@ac-a.fr;;\n"
	p := env.plan(t, file, PlanOptions{Group: "Tous"})
	env.apply(t, p)
	for _, e := range p.Entries {
		if e.Status != StatusEnrolled {
			t.Fatalf("line %d: %s %s", e.Line, e.Status, e.Detail)
		}
	}
	if p.Entries[1].RoleID != 4 || p.Entries[0].RoleID != 5 {
		t.Fatalf("role ids: %d %d", p.Entries[0].RoleID, p.Entries[1].RoleID)
	}
	groups, err := env.client.GetCourseGroups(context.Background(), 0+moodleInt(env.course))
	if err != nil || len(groups) != 3 {
		t.Fatalf("groups: %v %v", groups, err)
	}

	// Same people as formateurs: the role is added, not a new enrolment.
	p2 := env.plan(t, "Courriel\nuser000000@ac-a.fr\n", PlanOptions{Role: "formateur"})
	if p2.Entries[0].Status != StatusWillAddRole {
		t.Fatalf("want will_add_role, got %s", p2.Entries[0].Status)
	}
	env.apply(t, p2)

	// user 2 only has the participant role and is absent: removed; user 0
	// also has formateur: kept; user 1 is tuteur: not the imported role.
	p3 := env.plan(t, "Courriel\nuser000003@ac-a.fr\n", PlanOptions{RemoveAbsent: true, RemoveMaxPercent: 50})
	var removed []int64
	for _, e := range p3.Entries {
		if e.Status == StatusWillUnenrol {
			removed = append(removed, e.UserID)
		}
	}
	if len(removed) != 1 {
		t.Fatalf("want 1 removal, got %v", p3.Counts().ByStatus)
	}
	env.apply(t, p3)
	if n := len(env.site.EnrolledUserIDs(int(env.course))); n != 3 {
		t.Fatalf("after removal %d enrolled, want 3", n)
	}
}

// TestRemoveAbsentSafeguards: a mistyped e-mail or a header-only file must
// not unenrol anyone; the plan still lists who would go, held, and says why.
func TestRemoveAbsentSafeguards(t *testing.T) {
	env := newSimEnv(t)
	env.addUsers(t, 0, 10)
	var all strings.Builder
	all.WriteString("Courriel\n")
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&all, "user%06d@ac-a.fr\n", i)
	}
	env.apply(t, env.plan(t, all.String(), PlanOptions{}))
	held := func(p *Plan) int { return p.Counts().ByStatus[StatusRemovalHeld] }
	// user 3's e-mail mistyped: nobody is removed, user 3 included.
	typo := strings.Replace(all.String(), "user000003@", "usr000003@", 1)
	p := env.plan(t, typo, PlanOptions{RemoveAbsent: true})
	if held(p) != 1 || p.Counts().ByStatus[StatusWillUnenrol] != 0 || !strings.Contains(p.RemovalRefusal, "line(s) 5") {
		t.Fatalf("typo: %v, refusal %q", p.Counts().ByStatus, p.RemovalRefusal)
	}
	env.apply(t, p)
	if n := len(env.site.EnrolledUserIDs(int(env.course))); n != 10 {
		t.Fatalf("after a held removal %d enrolled, want 10", n)
	}
	// A header-only file would remove everyone: held.
	p = env.plan(t, "Courriel\n", PlanOptions{RemoveAbsent: true})
	if held(p) != 10 || !strings.Contains(p.RemovalRefusal, "10 of the 10") {
		t.Fatalf("header only: %v, refusal %q", p.Counts().ByStatus, p.RemovalRefusal)
	}
	// Two of ten absent is within 20%: removed. Three is not, unless forced.
	two := strings.Replace(strings.Replace(all.String(), "user000008@ac-a.fr\n", "", 1), "user000009@ac-a.fr\n", "", 1)
	if p = env.plan(t, two, PlanOptions{RemoveAbsent: true}); p.Counts().ByStatus[StatusWillUnenrol] != 2 || p.RemovalRefusal != "" {
		t.Fatalf("two absent: %v %q", p.Counts().ByStatus, p.RemovalRefusal)
	}
	three := strings.Replace(two, "user000007@ac-a.fr\n", "", 1)
	if p = env.plan(t, three, PlanOptions{RemoveAbsent: true}); held(p) != 3 {
		t.Fatalf("three absent: %v", p.Counts().ByStatus)
	}
	if p = env.plan(t, three, PlanOptions{RemoveAbsent: true, RemoveForce: true}); p.Counts().ByStatus[StatusWillUnenrol] != 3 {
		t.Fatalf("three absent, forced: %v", p.Counts().ByStatus)
	}
	env.apply(t, p)
	if n := len(env.site.EnrolledUserIDs(int(env.course))); n != 7 {
		t.Fatalf("after a forced removal %d enrolled, want 7", n)
	}
}

func TestUnknownRejectAndSuspended(t *testing.T) {
	env := newSimEnv(t)
	env.addUsers(t, 0, 2)
	one := 1
	users, _ := env.client.GetUsersByField(context.Background(), "email", []string{"user000001@ac-a.fr"})
	if _, err := env.client.UpdateUsers(context.Background(), []moodleUserUpdate{{ID: users[0].ID, Suspended: &one}}); err != nil {
		t.Fatal(err)
	}
	p := env.plan(t, "Courriel\nuser000000@ac-a.fr\nuser000001@ac-a.fr\nnobody@ac-a.fr\n", PlanOptions{})
	want := []Status{StatusWillEnrol, StatusSuspended, StatusUnknown}
	for i, s := range want {
		if p.Entries[i].Status != s {
			t.Errorf("line %d: %s, want %s", p.Entries[i].Line, p.Entries[i].Status, s)
		}
	}
	env.apply(t, p)
	if env.site.Counts().Users != 2 {
		t.Fatal("reject policy must not create accounts")
	}
}

func TestReportCSVEscapesFormulas(t *testing.T) {
	r := &Report{Rows: []Entry{{Line: 3, Email: "a@b.fr", LastName: "=CMD()", FirstName: "@x", Status: StatusInvalid,
		Reasons: []string{CodeInvalidEmail}}}}
	var buf bytes.Buffer
	if err := r.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\uFEFF")))
	cr.Comma = ';'
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if recs[1][3] != "'=CMD()" || recs[1][4] != "'@x" {
		t.Fatalf("cells not escaped: %q", recs[1])
	}
	if recs[1][7] != "ligne invalide" || recs[1][11] != "invalid e-mail address" {
		t.Fatalf("messages: %q", recs[1])
	}
}

// TestConflictingRolesInOneFile: the same person as participant on line 2
// and formateur on line 3 is an error on both lines, and nothing is done
// for them (integrity issue, case 5); a true duplicate stays a duplicate.
func TestConflictingRolesInOneFile(t *testing.T) {
	env := newSimEnv(t)
	env.addUsers(t, 0, 3)
	file := "Courriel;Rôle\nuser000000@ac-a.fr;participant\nuser000000@ac-a.fr;formateur\nuser000001@ac-a.fr;participant\nuser000001@ac-a.fr;participant\nuser000002@ac-a.fr;tuteur\n"
	p := env.plan(t, file, PlanOptions{})
	want := map[int]Status{2: StatusInvalid, 3: StatusInvalid, 4: StatusWillEnrol, 5: StatusDuplicate, 6: StatusWillEnrol}
	for _, e := range p.Entries {
		if e.Status != want[e.Line] {
			t.Errorf("line %d: %s (%s), want %s", e.Line, e.Status, e.Detail, want[e.Line])
		}
	}
	if d := p.Entries[0].Detail; !strings.Contains(d, "line 3") || !strings.Contains(d, "editingteacher there") {
		t.Errorf("line 2's detail: %q", d)
	}
	env.apply(t, p)
	if n := len(env.site.EnrolledUserIDs(int(env.course))); n != 2 {
		t.Fatalf("%d enrolled, want 2 (the conflicting person left out)", n)
	}
}
