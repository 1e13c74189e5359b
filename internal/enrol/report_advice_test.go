package enrol

import (
	"slices"
	"testing"
)

// TestReportAdvisesBulkPathAfterManyCoreCreations: a site without
// local_bridge creates 200 accounts through core's functions, and the
// report advises the bulk path; the same file on a site with it does not.
func TestReportAdvisesBulkPathAfterManyCoreCreations(t *testing.T) {
	for _, tc := range []struct {
		name  string
		plain bool
		want  bool
	}{{"without local_bridge", true, true}, {"with local_bridge", false, false}} {
		t.Run(tc.name, func(t *testing.T) {
			env := newSimEnv(t)
			if tc.plain {
				env = newPlainSimEnv(t)
			}
			p := env.plan(t, usersCSV(BulkPathAdviceFrom), PlanOptions{Unknown: "create", CreateAuth: "shibboleth"})
			if dry := NewReport("ac-a", p, true); len(dry.Advice) != 0 {
				t.Fatalf("dry run advised %v before anything was written", dry.Advice)
			}
			env.apply(t, p)
			rep := NewReport("ac-a", p, false)
			if got := slices.Contains(rep.Advice, AdviceBulkPath); got != tc.want {
				t.Fatalf("path %q, %d created: advice %v, want the bulk path advised: %v",
					rep.EnrolPath, rep.Counts.ByStatus[StatusCreated], rep.Advice, tc.want)
			}
		})
	}
}

// TestBulkPathAdviceNeedsManyCreationsOnCoreAlone: fewer accounts than
// BulkPathAdviceFrom, or creations on the bulk path (core only enrolling
// people who had an account: bulk+core), give no advice.
func TestBulkPathAdviceNeedsManyCreationsOnCoreAlone(t *testing.T) {
	created := func(n int) []Entry {
		rows := make([]Entry, n)
		for i := range rows {
			rows[i] = Entry{Line: i + 2, Status: StatusCreated}
		}
		return rows
	}
	for _, tc := range []struct {
		path string
		n    int
		want bool
	}{
		{PathCore, BulkPathAdviceFrom, true},
		{PathCore, BulkPathAdviceFrom - 1, false},
		{PathBulk, 5 * BulkPathAdviceFrom, false},
		{PathText([]string{PathBulk, PathCore}), 5 * BulkPathAdviceFrom, false},
	} {
		p := &Plan{Entries: created(tc.n), EnrolPath: tc.path}
		if got := len(NewReport("ac-a", p, false).Advice) > 0; got != tc.want {
			t.Errorf("path %q, %d created: advised %v, want %v", tc.path, tc.n, got, tc.want)
		}
	}
}
