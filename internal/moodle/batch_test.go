package moodle

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/failure"
)

// 1,000 enrolments in one chunk, one bad row: the first call fails, then one
// call per halving. Last row: 10 halvings (second halves round up:
// 500,250,125,63,32,16,8,4,2,1). First row: 9 halvings (first halves round
// down: 500,250,125,62,31,15,7,3,1) plus one call for the set-aside rows.
func TestBisectionCallCountOneChunk(t *testing.T) {
	cases := []struct {
		bad, wantCalls int
	}{
		{bad: 999, wantCalls: 1 + 10},
		{bad: 0, wantCalls: 1 + 9 + 1},
		{bad: 500, wantCalls: 1 + 10},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint("bad=", tc.bad), func(t *testing.T) {
			f := newFakeMoodle(t)
			rows := makeEnrolments(1000)
			f.poisoned[fmt.Sprint("u:", rows[tc.bad].UserID)] = true
			c := newTestClient(t, f.srv.URL, nil, Options{MaxRowsPerChunk: 1000})
			res, err := c.EnrolUsersBatch(context.Background(), rows)
			if err != nil {
				t.Fatal(err)
			}
			if res.Calls != tc.wantCalls || f.callCount(fnEnrolUsers) != tc.wantCalls {
				t.Errorf("calls: result %d, server %d, want %d", res.Calls, f.callCount(fnEnrolUsers), tc.wantCalls)
			}
			if failed := res.Failed(); len(failed) != 1 || failed[0] != tc.bad || !IsErrorCode(res.Rows[tc.bad].Err, "invaliduser") {
				t.Errorf("failed rows %v, err %v", failed, res.Rows[tc.bad].Err)
			}
			if res.Succeeded() != 999 || f.enrolledCount() != 999 || len(res.Pending()) != 0 {
				t.Errorf("succeeded %d, enrolled %d, pending %d", res.Succeeded(), f.enrolledCount(), len(res.Pending()))
			}
		})
	}
}

// With the default 100-row chunks: 10 chunk calls, then 7 halvings
// (100→50→25→13→7→4→2→1) inside the bad chunk when the bad row is last.
func TestBisectionCallCountDefaultChunks(t *testing.T) {
	f := newFakeMoodle(t)
	users := makeUsers(1000)
	f.poisoned[users[999].Username] = true
	c := newTestClient(t, f.srv.URL, nil, Options{})
	res, err := c.CreateUsersBatch(context.Background(), users)
	if err != nil {
		t.Fatal(err)
	}
	if want := 10 + 7; res.Calls != want || f.callCount(fnCreateUsers) != want {
		t.Errorf("calls %d (server %d), want %d", res.Calls, f.callCount(fnCreateUsers), want)
	}
	if res.Succeeded() != 999 || f.userCount("user") != 999 {
		t.Errorf("created %d (server %d)", res.Succeeded(), f.userCount("user"))
	}
	if res.Rows[0].Value.ID == 0 || res.Rows[0].Value.Username != "user0000" {
		t.Errorf("row 0 value %+v", res.Rows[0].Value)
	}
	if !IsErrorCode(res.Rows[999].Err, "invalidparameter") {
		t.Errorf("bad row err %v", res.Rows[999].Err)
	}
}

func TestBisectionSeveralBadRows(t *testing.T) {
	f := newFakeMoodle(t)
	users := makeUsers(300)
	for _, i := range []int{3, 4, 150, 299} {
		f.poisoned[users[i].Username] = true
	}
	c := newTestClient(t, f.srv.URL, nil, Options{})
	res, err := c.CreateUsersBatch(context.Background(), users)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(res.Failed()) != "[3 4 150 299]" || f.userCount("user") != 296 || res.Succeeded() != 296 {
		t.Errorf("failed %v, created %d", res.Failed(), f.userCount("user"))
	}
}

func TestBisectionStopsOnRetryable(t *testing.T) {
	f := newFakeMoodle(t)
	users := makeUsers(250)
	f.poisoned[users[10].Username] = true
	f.failWith[fnCreateUsers] = "dmlwriteexception" // the very first call
	c := newTestClient(t, f.srv.URL, nil, Options{BatchParallel: 1})
	res, err := c.CreateUsersBatch(context.Background(), users)
	if err == nil || !failure.IsRetryable(err) || !IsErrorCode(err, "dmlwriteexception") {
		t.Fatalf("want the retryable error back, got %v", err)
	}
	if res.Calls != 1 || len(res.Pending()) != 250 {
		t.Errorf("calls %d, pending %d", res.Calls, len(res.Pending()))
	}
}

// With chunks in parallel, a retryable error stops new chunks; the chunk
// already in flight keeps its outcome, and every other row is Pending.
func TestParallelBatchStopsOnRetryable(t *testing.T) {
	f := newFakeMoodle(t)
	users := makeUsers(500)
	f.failWith[fnCreateUsers] = "dmlwriteexception" // the very first call
	// The chunk in flight beside the failing one answers well after it, so
	// the client has seen the error before a slot frees up: without this,
	// on a busy machine the good chunk could finish first and a third chunk
	// start, legitimately, before the error was read.
	f.okDelay = 150 * time.Millisecond
	c := newTestClient(t, f.srv.URL, nil, Options{BatchParallel: 2})
	res, err := c.CreateUsersBatch(context.Background(), users)
	if err == nil || !failure.IsRetryable(err) {
		t.Fatalf("want the retryable error back, got %v", err)
	}
	ok := res.Succeeded()
	if res.Calls > 2 || ok+len(res.Pending()) != 500 || f.userCount("user") != ok || ok > 100 {
		t.Errorf("calls %d, created %d (server %d), pending %d", res.Calls, ok, f.userCount("user"), len(res.Pending()))
	}
}

// Parallel chunks create every row once, in any order, and isolate bad rows.
func TestParallelBatchCreatesEveryRowOnce(t *testing.T) {
	f := newFakeMoodle(t)
	users := makeUsers(1000)
	f.poisoned[users[7].Username] = true
	f.poisoned[users[612].Username] = true
	c := newTestClient(t, f.srv.URL, nil, Options{BatchParallel: 2})
	res, err := c.CreateUsersBatch(context.Background(), users)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(res.Failed()) != "[7 612]" || res.Succeeded() != 998 || f.userCount("user") != 998 {
		t.Errorf("failed %v, ok %d, server %d", res.Failed(), res.Succeeded(), f.userCount("user"))
	}
}

func TestBisectionStopsOnSiteLevelError(t *testing.T) {
	f := newFakeMoodle(t)
	c, _ := New(Site{Name: "test", WWWRoot: f.srv.URL, Token: "wrong"}, Options{})
	res, err := c.EnrolUsersBatch(context.Background(), makeEnrolments(50))
	if !IsErrorCode(err, "invalidtoken") || res.Calls != 1 {
		t.Fatalf("want one call and invalidtoken, got %d calls, %v", res.Calls, err)
	}
}

func TestChunkingStaysUnderBudget(t *testing.T) {
	f := newFakeMoodle(t)
	users := makeUsers(230)
	// 5 variables per user; budget 500 - 50 margin - 3 fixed = 447 -> 89 rows.
	c := newTestClient(t, f.srv.URL, nil, Options{MaxInputVars: 500})
	res, err := c.CreateUsersBatch(context.Background(), users)
	if err != nil {
		t.Fatal(err)
	}
	if f.maxVars > 450 {
		t.Errorf("a call carried %d variables, over the budget", f.maxVars)
	}
	if res.Calls != 3 || f.userCount("user") != 230 {
		t.Errorf("calls %d, users %d", res.Calls, f.userCount("user"))
	}
	if chunks := chunkIndexes(seq(5), []int{2, 2, 2, 2, 2}, 10, 4); len(chunks) != 3 {
		t.Errorf("chunkIndexes: %v", chunks)
	}
}

func TestCallRefusesOverMaxInputVars(t *testing.T) {
	f := newFakeMoodle(t)
	c := newTestClient(t, f.srv.URL, nil, Options{MaxInputVars: 100})
	err := c.EnrolUsers(context.Background(), makeEnrolments(40))
	var tm *TooManyInputVarsError
	if !asErr(err, &tm) || tm.Vars != 123 || failure.IsRetryable(err) {
		t.Fatalf("want TooManyInputVarsError(123), got %v", err)
	}
	if f.callCount(fnEnrolUsers) != 0 {
		t.Error("the call must not be sent")
	}
}

func BenchmarkBisection1000OneBad(b *testing.B) {
	f := newFakeMoodle(b)
	rows := makeEnrolments(1000)
	f.poisoned[fmt.Sprint("u:", rows[999].UserID)] = true
	c := newTestClient(b, f.srv.URL, nil, Options{})
	var calls int
	for b.Loop() {
		res, err := c.EnrolUsersBatch(context.Background(), rows)
		if err != nil {
			b.Fatal(err)
		}
		calls = res.Calls
	}
	b.ReportMetric(float64(calls), "calls/op")
}

// 1,000 users in one chunk (budget raised): 1 failing call + 10 halvings.
func TestBisectionUsersOneChunk(t *testing.T) {
	f := newFakeMoodle(t)
	users := makeUsers(1000)
	f.poisoned[users[999].Username] = true
	c := newTestClient(t, f.srv.URL, nil, Options{MaxInputVars: 10000, MaxRowsPerChunk: 1000})
	res, err := c.CreateUsersBatch(context.Background(), users)
	if err != nil {
		t.Fatal(err)
	}
	if res.Calls != 11 || f.callCount(fnCreateUsers) != 11 || f.userCount("user") != 999 {
		t.Errorf("calls %d (server %d), users %d", res.Calls, f.callCount(fnCreateUsers), f.userCount("user"))
	}
}

// "Message was not sent." after a committed enrolment: the rows are OK, the
// failure is reported, nothing is bisected or retried.
func TestEnrolBatchMailFailure(t *testing.T) {
	var mail json.RawMessage
	for _, e := range loadFile(t, "enrol_mail_failure.json") {
		if expectFailure(e) {
			mail = e.Response
		}
	}
	srv := serverAnswering(t, 200, "application/json", string(phpJSON(mail)))
	c := newTestClient(t, srv.URL, nil, Options{})
	res, err := c.EnrolUsersBatch(context.Background(), makeEnrolments(30))
	if err != nil || res.Calls != 1 || res.Succeeded() != 30 || !IsMailFailure(res.MailFailure) || failure.IsRetryable(res.MailFailure) {
		t.Fatalf("err %v, calls %d, ok %d, mail %v", err, res.Calls, res.Succeeded(), res.MailFailure)
	}
}
