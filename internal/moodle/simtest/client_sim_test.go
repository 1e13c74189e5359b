package simtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/moodlesim"
)

const token = "simtest-token-0123456789"

func newSim(t *testing.T, opts moodlesim.Options) (*moodlesim.Server, string) {
	t.Helper()
	opts.Token = token
	sim := moodlesim.New(opts)
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	return sim, srv.URL
}

func newClient(t *testing.T, name, wwwroot string, opts moodle.Options) *moodle.Client {
	t.Helper()
	c, err := moodle.New(moodle.Site{Name: name, WWWRoot: wwwroot, Token: token}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestBisectionIsolatesBadRowAgainstSim sends 1,000 new users in one
// all-or-nothing chunk with one invalid row: the client isolates it with
// one call per halving and every other account is created exactly once.
func TestBisectionIsolatesBadRowAgainstSim(t *testing.T) {
	sim, url := newSim(t, moodlesim.Options{})
	c := newClient(t, "moodle", url, moodle.Options{MaxRowsPerChunk: 1000, MaxInputVars: 20000})
	users := make([]moodle.UserInput, 1000)
	for i := range users {
		users[i] = moodle.UserInput{Username: fmt.Sprintf("u%04d", i), FirstName: "F", LastName: fmt.Sprintf("L%d", i),
			Email: fmt.Sprintf("u%04d@example.org", i), CreatePassword: 1}
	}
	users[613].Email = users[17].Email // a duplicate e-mail fails the whole call in Moodle
	before := sim.Site("moodle").CallCounts()["core_user_create_users"]
	res, err := c.CreateUsersBatch(context.Background(), users)
	// The sim mirrors PHP's max_input_vars=5000: 1,000 rows x 5 fields is
	// over it, so the client must refuse rather than let PHP drop fields.
	var tooMany *moodle.TooManyInputVarsError
	if errors.As(err, &tooMany) {
		t.Fatalf("client refused its own chunk size: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	calls := sim.Site("moodle").CallCounts()["core_user_create_users"] - before
	// Rows 17 and 613 share an e-mail: the first half (with row 17) goes
	// through, so only row 613 is refused.
	if res.Succeeded() != 999 || len(res.Failed()) != 1 || res.Failed()[0] != 613 {
		t.Fatalf("succeeded %d, failed %v", res.Succeeded(), res.Failed())
	}
	if got := sim.Site("moodle").Counts().Users; got != 999 {
		t.Errorf("the site has %d users, want 999", got)
	}
	// log2(1000) ≈ 10 halvings, each one call plus the put-aside halves.
	if calls > 2*10+1 || calls != res.Calls {
		t.Errorf("%d calls on the site, %d counted by the client: want one call per halving", calls, res.Calls)
	}
	t.Logf("1,000 rows, one bad: %d calls", calls)
	for _, i := range res.Failed() {
		if !moodle.IsErrorCode(res.Rows[i].Err, "invalidparameter") || failure.IsRetryable(res.Rows[i].Err) {
			t.Errorf("row %d: %v (want permanent invalidparameter)", i, res.Rows[i].Err)
		}
	}
}

// TestChunksStayUnderMaxInputVars: the sim drops variables over 5,000 like
// PHP; the client's default chunking must keep every call whole.
func TestChunksStayUnderMaxInputVars(t *testing.T) {
	sim, url := newSim(t, moodlesim.Options{})
	c := newClient(t, "moodle", url, moodle.Options{MaxRowsPerChunk: 2000})
	ctx := context.Background()
	course, err := c.CreateCourseOnce(ctx, moodle.CourseInput{FullName: "Big", ShortName: "BIG", CategoryID: 1})
	if err != nil {
		t.Fatal(err)
	}
	users := make([]moodle.UserInput, 2000)
	for i := range users {
		users[i] = moodle.UserInput{Username: fmt.Sprintf("b%04d", i), FirstName: "F", LastName: "L",
			Email: fmt.Sprintf("b%04d@example.org", i), Auth: "shibboleth"}
	}
	created, err := c.CreateUsersBatch(ctx, users)
	if err != nil || created.Succeeded() != 2000 {
		t.Fatalf("create: %v %+v", err, created.Failed())
	}
	rows := make([]moodle.Enrolment, 2000)
	for i, o := range created.Rows {
		rows[i] = moodle.Enrolment{RoleID: 5, UserID: o.Value.ID, CourseID: course.ID}
	}
	res, err := c.EnrolUsersBatch(ctx, rows)
	if err != nil || res.Succeeded() != 2000 {
		t.Fatalf("enrol: %v", err)
	}
	if got := len(sim.Site("moodle").EnrolledUserIDs(int(course.ID))); got != 2000 {
		t.Fatalf("%d users enrolled, want 2000: a chunk lost variables", got)
	}
}

// TestCreateOnceUnderFailAfterCommit: every write commits and then answers
// HTTP 500; the create-once helpers still leave exactly one object.
func TestCreateOnceUnderFailAfterCommit(t *testing.T) {
	sim, url := newSim(t, moodlesim.Options{Faults: moodlesim.FaultSpec{AfterCommit: 1, WritesOnly: true, Seed: 7}})
	c := newClient(t, "moodle", url, moodle.Options{Timeout: 5 * time.Second})
	ctx := context.Background()
	in := moodle.CourseInput{FullName: "Parcours", ShortName: "PARC-1", CategoryID: 1}
	var res *moodle.CourseResult
	var err error
	for attempt := 0; attempt < 3; attempt++ { // what the job queue does on a retryable error
		res, err = c.CreateCourseOnce(ctx, in)
		if err == nil || !failure.IsRetryable(err) {
			break
		}
	}
	if err != nil {
		t.Fatalf("create once: %v", err)
	}
	if got := sim.Site("moodle").Counts().Courses; got != 1 {
		t.Fatalf("%d courses after retries, want exactly 1", got)
	}
	if res.ID != moodle.Int(sim.Site("moodle").CourseIDByShortname("PARC-1")) {
		t.Errorf("returned id %d is not the course's", res.ID)
	}
}

// TestBackupDownloadUploadRestoreAcrossSites carries a course from one
// site to another through the plugin functions and the file endpoints.
func TestBackupDownloadUploadRestoreAcrossSites(t *testing.T) {
	sim, url := newSim(t, moodlesim.Options{Sites: []string{"national", "ac-a"}})
	nat := newClient(t, "national", url+"/national", moodle.Options{})
	aca := newClient(t, "ac-a", url+"/ac-a", moodle.Options{})
	ctx := context.Background()
	src, err := nat.CreateCourseOnce(ctx, moodle.CourseInput{FullName: "Parcours national", ShortName: "NAT-1", CategoryID: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i, mod := range []string{"page", "quiz", "forum"} {
		if _, err := sim.Site("national").AddActivity(int(src.ID), fmt.Sprintf("Activité %d", i), mod, 1); err != nil {
			t.Fatal(err)
		}
	}
	started, err := nat.BackupCourse(ctx, src.ID)
	if err != nil {
		t.Fatal(err)
	}
	var status *moodle.BackupStatus
	for i := 0; i < 50; i++ {
		if status, err = nat.GetBackupStatus(ctx, started.BackupID); err != nil {
			t.Fatal(err)
		}
		if status.Status == moodle.StatusDone || status.Status == moodle.StatusFailed {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if status.Status != moodle.StatusDone {
		t.Fatalf("backup: %+v", status)
	}
	dest := filepath.Join(t.TempDir(), "course.mbz")
	got, err := nat.Download(ctx, status.FileURL, dest)
	if err != nil {
		t.Fatal(err)
	}
	if got.Size != int64(status.FileSize) || got.Size == 0 {
		t.Errorf("downloaded %d bytes, backup said %d", got.Size, status.FileSize)
	}
	data, _ := os.ReadFile(dest)
	draft, err := aca.Upload(ctx, 0, moodle.UploadFile{Name: "course.mbz", Reader: bytes.NewReader(data)})
	if err != nil || len(draft) != 1 {
		t.Fatalf("upload: %v %+v", err, draft)
	}
	rs, err := aca.RestoreCourse(ctx, moodle.RestoreInput{DraftItemID: draft[0].ItemID, CategoryID: 1, FullName: "Parcours déployé", ShortName: "AC-A-1"})
	if err != nil {
		t.Fatal(err)
	}
	var rstat *moodle.RestoreStatus
	for i := 0; i < 50; i++ {
		if rstat, err = aca.GetRestoreStatus(ctx, rs.RestoreID); err != nil {
			t.Fatal(err)
		}
		if rstat.Status == moodle.StatusDone || rstat.Status == moodle.StatusFailed {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if rstat.Status != moodle.StatusDone || rstat.CourseID == 0 {
		t.Fatalf("restore: %+v", rstat)
	}
	srcSections, err := nat.GetContents(ctx, src.ID)
	if err != nil {
		t.Fatal(err)
	}
	dstSections, err := aca.GetContents(ctx, rstat.CourseID)
	if err != nil {
		t.Fatal(err)
	}
	if outline(srcSections) != outline(dstSections) || !strings.Contains(outline(dstSections), "quiz:Activité 1") {
		t.Errorf("restored course differs:\nsource: %s\ncopy:   %s", outline(srcSections), outline(dstSections))
	}
}

func outline(sections []moodle.Section) string {
	var b strings.Builder
	for _, s := range sections {
		fmt.Fprintf(&b, "[%s]", s.Name)
		for _, m := range s.Modules {
			fmt.Fprintf(&b, " %s:%s", m.ModName, m.Name)
		}
	}
	return b.String()
}

// TestPermanentErrorsFailFast: a bad token and a function missing from an
// old release are permanent, named, and carry no token.
func TestPermanentErrorsFailFast(t *testing.T) {
	_, url := newSim(t, moodlesim.Options{Release: "2.9"})
	c := newClient(t, "old", url, moodle.Options{})
	ctx := context.Background()
	err := c.RequireFunctions(ctx, "core_course_get_courses_by_field", "core_user_create_users")
	var missing *moodle.MissingFunctionsError
	if !errors.As(err, &missing) || len(missing.Missing) != 1 || failure.IsRetryable(err) {
		t.Fatalf("require on 2.9: %v", err)
	}
	if !strings.Contains(err.Error(), "core_course_get_courses_by_field") {
		t.Errorf("error does not name the function: %v", err)
	}
	// The lookup falls back to core_course_get_courses on 2.9.
	site, err := c.FindCourse(ctx, "", "")
	if err == nil {
		t.Errorf("find with no key must fail, got %+v", site)
	}
	if course, err := c.FindCourse(ctx, "NOPE", ""); err != nil || course != nil {
		t.Errorf("fallback lookup of a missing course: %+v %v", course, err)
	}
	bad, _ := moodle.New(moodle.Site{Name: "old", WWWRoot: url, Token: "wrong-token-777"}, moodle.Options{})
	_, err = bad.Probe(ctx)
	if !moodle.IsErrorCode(err, "invalidtoken") || failure.IsRetryable(err) || strings.Contains(err.Error(), "wrong-token-777") {
		t.Errorf("bad token: %v", err)
	}
}
