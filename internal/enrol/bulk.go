package enrol

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/magistere/bridge/internal/moodle"
)

// Enrolment paths: how a chunk of accounts to create is written. Bulk is
// local_bridge_create_enrol_users (accounts and enrolments in one call,
// the e-mails checked with one indexed query); core is
// core_user_create_users then enrol_manual_enrol_users. People who
// already have an account are enrolled by enrol_manual_enrol_users either
// way.
const (
	PathAuto = "auto" // bulk when the site offers it, core otherwise
	PathCore = "core"
	PathBulk = "bulk"
)

// kindBulk is the window's load kind of the bulk calls (an account and an
// enrolment per row).
const kindBulk = moodle.FnCreateEnrolUsers

// bulkPath reports whether account creation goes through
// local_bridge_create_enrol_users: the domain does not force core
// (enrol_path: core), enrolment is the manual plugin's (not a custom
// enroller such as GAIA's named instance), and the site's token offers
// the function. Decided once per Apply.
func (a *applier) bulkPath(ctx context.Context) bool {
	a.bulkOnce.Do(func() {
		a.bulk = a.enroller == nil && a.p.Options.EnrolPath != PathCore && a.c.BulkEnrol(ctx)
	})
	return a.bulk
}

// createEnrolPart creates and enrols one chunk through
// local_bridge_create_enrol_users: one call per course and role of the
// chunk (nearly always one). Refused rows are Failed with the plugin's
// code and Moodle's words; the others have their account and are
// Enrolled (enrolled by this call or found enrolled: a chunk sent again).
// The function is idempotent, so a retry after a lost answer is safe.
func (a *applier) createEnrolPart(ctx context.Context, idx []int) (phaseResult, error) {
	res := phaseResult{IDs: map[int]int64{}, Failed: map[int]string{}, Paths: []string{PathBulk}}
	for _, g := range a.byCourseRole(idx) {
		people := make([]moodle.BulkPerson, len(g.rows))
		for k, i := range g.rows {
			people[k] = a.bulkPerson(&a.p.Entries[i])
		}
		rows, err := a.c.CreateEnrolUsers(ctx, moodle.Int(g.course), moodle.Int(g.role), people)
		res.calls++
		if err != nil {
			return res, fmt.Errorf("create and enrol accounts: %w", err)
		}
		for k, row := range rows {
			i := g.rows[k]
			if row.Refused() {
				res.Failed[i] = errText(row.RefusalError(a.c.Site().Name))
				continue
			}
			res.IDs[i] = int64(row.UserID)
			res.Enrolled = append(res.Enrolled, i)
		}
	}
	sort.Ints(res.Enrolled)
	res.Done = len(res.IDs)
	return res, nil
}

// courseRole is the rows of a chunk going to one course with one role.
type courseRole struct {
	course, role int64
	rows         []int
}

// byCourseRole groups idx by course and role, in order of first row.
func (a *applier) byCourseRole(idx []int) []courseRole {
	var out []courseRole
	at := map[[2]int64]int{}
	for _, i := range idx {
		e := &a.p.Entries[i]
		key := [2]int64{e.CourseID, e.RoleID}
		k, ok := at[key]
		if !ok {
			k = len(out)
			at[key] = k
			out = append(out, courseRole{course: e.CourseID, role: e.RoleID})
		}
		out[k].rows = append(out[k].rows, i)
	}
	return out
}

// bulkPerson is the entry's row: the account core_user_create_users would
// make (userInput) and the enrolment enrolPart would send.
func (a *applier) bulkPerson(e *Entry) moodle.BulkPerson {
	in := a.userInput(e)
	end := e.TimeEnd
	if end == 0 {
		end = a.p.Options.TimeEnd
	}
	return moodle.BulkPerson{Username: in.Username, FirstName: in.FirstName, LastName: in.LastName, Email: in.Email,
		Auth: in.Auth, IDNumber: in.IDNumber, Institution: in.Institution, Department: in.Department, Lang: in.Lang,
		CreatePassword: in.CreatePassword, TimeStart: a.p.Options.TimeStart, TimeEnd: end}
}

// bulkRefusedWhole reports an error after which a chunk goes through
// core's functions instead: the plugin refused the whole call for its
// rows (core's batch isolates the bad row by bisection) or the token may
// no longer call it.
func bulkRefusedWhole(err error) bool {
	return moodle.IsRowLevel(err) || moodle.IsErrorCode(err, "accessexception")
}

// pathsOf merges path lists, sorted, without repeats.
func pathsOf(lists ...[]string) []string {
	set := map[string]bool{}
	for _, l := range lists {
		for _, p := range l {
			set[p] = true
		}
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// PathText is the paths that ran, as reports show them: "bulk", "core",
// "bulk+core", or "" when nothing was written.
func PathText(paths []string) string { return strings.Join(paths, "+") }
