package enrol

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

// TestScanMatchesLookups: reading every account once (scanEmails, chosen
// for a file naming most of a site) keeps exactly the accounts the
// e-mail look-ups by lists keep, on the edge cases of a real user table:
// case, spaces around the e-mail, a mailto: prefix, two accounts with one
// e-mail, a suspended and a deleted account.
func TestScanMatchesLookups(t *testing.T) {
	env := newSimEnv(t)
	raw, db := emptyMoodleDB(t)
	accounts := []struct {
		email              string
		suspended, deleted int
	}{
		{"a@x.fr", 0, 0}, {"B@X.FR", 0, 0}, {"c@x.fr ", 0, 0}, {" d@x.fr", 0, 0}, {"mailto:e@x.fr", 0, 0},
		{"f@x.fr", 0, 0}, {"F@x.fr", 0, 0}, {"g@x.fr", 1, 0}, {"h@x.fr", 0, 1}, {"nobody@x.fr", 0, 0},
	}
	for i, a := range accounts {
		if _, err := raw.Exec(`INSERT INTO mdl_user (username, firstname, lastname, email, auth, confirmed, mnethostid, suspended, deleted)
			VALUES (?, 'P', 'N', ?, 'manual', 1, 1, ?, ?)`, "user"+string(rune('a'+i)), a.email, a.suspended, a.deleted); err != nil {
			t.Fatal(err)
		}
	}
	file := "Courriel\na@x.fr\nb@x.fr\nc@x.fr\nd@x.fr\ne@x.fr\nf@x.fr\ng@x.fr\nh@x.fr\ni@x.fr\nA@x.fr\n"
	plan := func(scan bool) *Plan {
		t.Helper()
		minEmails, perEmail := scanMinEmails, scanMaxAccountsPerEmail
		defer func() { scanMinEmails, scanMaxAccountsPerEmail = minEmails, perEmail }()
		scanMinEmails, scanMaxAccountsPerEmail = 1<<30, 0
		if scan {
			scanMinEmails, scanMaxAccountsPerEmail = 1, 1<<30
		}
		p, err := PlanFile(context.Background(), env.client, strings.NewReader(file),
			PlanOptions{CourseIDs: []int64{env.course}, Directory: db})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	lists, scanned := plan(false), plan(true)
	if !reflect.DeepEqual(lists.Entries, scanned.Entries) {
		t.Fatalf("the scan planned\n%+v\nthe look-ups\n%+v", scanned.Entries, lists.Entries)
	}
	want := map[string]Status{"a@x.fr": StatusWillEnrol, "b@x.fr": StatusWillEnrol, "c@x.fr": StatusWillEnrol,
		"d@x.fr": StatusUnknown, "e@x.fr": StatusUnknown, "f@x.fr": StatusAmbiguous,
		"g@x.fr": StatusSuspended, "h@x.fr": StatusUnknown, "i@x.fr": StatusUnknown}
	for _, e := range scanned.Entries {
		if s, ok := want[e.Email]; ok && e.Status != s && e.Line != 11 {
			t.Errorf("%s: %s, want %s", e.Email, e.Status, s)
		}
	}
}
