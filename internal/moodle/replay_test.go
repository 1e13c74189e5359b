package moodle

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/privacy"
)

// typedTarget returns the typed answer of a function, so replay decodes
// every recorded success into the structs the bridge uses.
func typedTarget(function string) any {
	switch function {
	case fnGetSiteInfo:
		return &SiteInfo{}
	case fnCreateCategories:
		return &[]CreatedCategory{}
	case fnGetCategories:
		return &[]Category{}
	case fnCreateCourses, "":
		return &[]CreatedCourse{}
	case fnGetCourses:
		return &[]Course{}
	case fnGetCoursesByField:
		return &struct {
			Courses  []Course `json:"courses"`
			Warnings Warnings `json:"warnings"`
		}{}
	case fnSearchCourses:
		return &SearchResult{}
	case fnUpdateCourses, fnDeleteCourses, fnUpdateUsers, "core_cohort_add_cohort_members":
		return &struct {
			Warnings Warnings `json:"warnings"`
		}{}
	case fnDuplicateCourse:
		return &CreatedCourse{}
	case fnGetContents:
		return &[]Section{}
	case fnCreateUsers:
		return &[]CreatedUser{}
	case fnGetUsersByField, fnGetEnrolledUsers:
		return &[]User{}
	case fnGetUsers:
		return &struct {
			Users    []User   `json:"users"`
			Warnings Warnings `json:"warnings"`
		}{}
	case fnGetUsersCourses:
		return &[]UserCourse{}
	case fnCreateGroups, fnGetCourseGroups:
		return &[]Group{}
	case fnCourseCompletionStatus:
		return &struct {
			CompletionStatus CourseCompletion `json:"completionstatus"`
			Warnings         Warnings         `json:"warnings"`
		}{}
	case fnActivitiesCompletion:
		return &struct {
			Statuses []ActivityCompletion `json:"statuses"`
			Warnings Warnings             `json:"warnings"`
		}{}
	case fnCreateCalendarEvents:
		return &struct {
			Events   []Event  `json:"events"`
			Warnings Warnings `json:"warnings"`
		}{}
	case fnSendInstantMessages:
		return &[]SentMessage{}
	}
	var v any
	return &v
}

// TestReplayTranscripts replays every recorded REST call: the client must send
// the recorded form, decode each success into its typed answer, and turn each
// failure into the right typed error with the right verdict.
func TestReplayTranscripts(t *testing.T) {
	r := newReplayer(t)
	c := newTestClient(t, r.srv.URL, nil, Options{})
	ctx := context.Background()
	var successes, failures int
	for _, e := range loadEntries(t) {
		if e.Params == nil {
			continue // files endpoints: see files_test.go
		}
		r.set(e)
		fn := e.function()
		callFn := fn
		if callFn == "" {
			callFn = fnGetSiteInfo // "missing wsfunction": replay its answer
		}
		params, _ := DecodeForm(stripFixed(e.Params))
		out := typedTarget(fn)
		err := c.Call(ctx, callFn, params, out)
		if expectFailure(e) {
			failures++
			checkRecordedFailure(t, e, err)
			continue
		}
		successes++
		if err != nil {
			t.Errorf("%s: unexpected error %v", e.name(), err)
		}
	}
	t.Logf("replayed %d successes and %d failures", successes, failures)
	if successes == 0 || failures == 0 {
		t.Fatal("replay covered nothing")
	}
}

func stripFixed(p map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range p {
		if k != "wstoken" && k != "wsfunction" && k != "moodlewsrestformat" {
			out[k] = v
		}
	}
	return out
}

func expectFailure(e entry) bool {
	if e.HTTPStatus != 200 || e.isRaw() {
		return true
	}
	var obj map[string]any
	return json.Unmarshal(e.Response, &obj) == nil && obj["exception"] != nil
}

// retryableCodes of this test are written out independently of the client:
// none of the recorded errors may be retried.
func checkRecordedFailure(t *testing.T, e entry, err error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error", e.name())
		return
	}
	if strings.Contains(err.Error(), testToken) {
		t.Errorf("%s: token in error", e.name())
	}
	if failure.IsRetryable(err) {
		t.Errorf("%s: recorded error judged retryable: %v", e.name(), err)
	}
	switch {
	case e.HTTPStatus == 403:
		var he *HTTPError
		if !errors.As(err, &he) || he.StatusCode != 403 || !strings.Contains(err.Error(), "disabled") {
			t.Errorf("%s: want HTTPError 403 explaining web services are disabled, got %v", e.name(), err)
		}
	case e.isRaw() && strings.Contains(e.rawText(), "<EXCEPTION"):
		var me *Error
		want := xmlText(xmlErrorCode, []byte(e.rawText()))
		if !errors.As(err, &me) || me.ErrorCode != want || !me.BodyDropped || !IsBodyDropped(err) {
			t.Errorf("%s: want XML exception %s marked BodyDropped, got %#v", e.name(), want, err)
		}
	case e.isRaw():
		var de *DecodeError
		if !errors.As(err, &de) || !strings.Contains(err.Error(), "test") || !strings.Contains(err.Error(), fnGetSiteInfo) {
			t.Errorf("%s: want DecodeError naming site and function, got %v", e.name(), err)
		}
	default:
		checkRecordedException(t, e, err)
	}
}

func checkRecordedException(t *testing.T, e entry, err error) {
	t.Helper()
	var rec struct {
		Exception, ErrorCode, Message, DebugInfo string
	}
	_ = json.Unmarshal(e.Response, &rec)
	var me *Error
	if !errors.As(err, &me) {
		t.Errorf("%s: want *Error, got %T %v", e.name(), err, err)
		return
	}
	// Names and e-mails in Moodle's texts are scrubbed on decoding (privacy.Scrub).
	if me.ErrorCode != privacy.Scrub(rec.ErrorCode) || me.Exception != rec.Exception || me.Message != privacy.Scrub(rec.Message) ||
		me.DebugInfo != privacy.Scrub(rec.DebugInfo) {
		t.Errorf("%s: decoded %+v, recorded %+v", e.name(), me, rec)
	}
	if !IsErrorCode(err, rec.ErrorCode) || me.Site != "test" {
		t.Errorf("%s: IsErrorCode/site wrong for %v", e.name(), err)
	}
	if strings.Contains(rec.ErrorCode, "Message was not sent") != IsMailFailure(err) {
		t.Errorf("%s: IsMailFailure wrong for %q", e.name(), rec.ErrorCode)
	}
	if strings.HasPrefix(rec.ErrorCode, "<div>") {
		if !me.IsPasswordPolicy() || strings.Contains(err.Error(), "<div>") || !strings.Contains(err.Error(), "Passwords must be") {
			t.Errorf("%s: password policy error not readable: %v", e.name(), err)
		}
	}
	short := rec.Exception[strings.LastIndex(rec.Exception, `\`)+1:]
	if me.ShortException() != short {
		t.Errorf("%s: ShortException %q, want %q", e.name(), me.ShortException(), short)
	}
}

func TestDecodedValues(t *testing.T) {
	r := newReplayer(t)
	c := newTestClient(t, r.srv.URL, nil, Options{})
	ctx := context.Background()
	for _, e := range loadFile(t, "users.json") {
		if e.function() == fnGetUsersByField && e.Params["field"] == "email" {
			r.set(e)
			users, err := c.GetUsersByField(ctx, "email", []string{
				"laetitia.emerencienne@example.com", "jean.dupont@example.com", "nobody@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			if len(users) != 2 || users[0].FirstName != "Lætitia" || users[0].LastName != "Émerencienne" ||
				users[0].Suspended || !users[0].Confirmed || users[0].ID != 3 {
				t.Fatalf("users decoded wrong: %+v", users)
			}
		}
	}
	for _, e := range loadFile(t, "delete_course.json") {
		if e.function() == fnDeleteCourses && strings.Contains(string(e.Response), "unknowncourseidnumber") {
			r.set(e)
			ws, err := c.DeleteCourses(ctx, []Int{6})
			if err != nil {
				t.Fatal(err)
			}
			if len(ws.ForItem(6)) != 1 || ws[0].WarningCode != "unknowncourseidnumber" || ws[0].Item != "course" {
				t.Fatalf("warnings: %+v", ws)
			}
			var we *WarningsError
			if werr := ws.Err("test", fnDeleteCourses); !errors.As(werr, &we) || failure.IsRetryable(werr) {
				t.Fatalf("warnings error: %v", werr)
			}
		}
	}
	for _, e := range loadFile(t, "misc.json") {
		if e.function() == "core_cohort_add_cohort_members" {
			r.set(e)
			var out struct {
				Warnings Warnings `json:"warnings"`
			}
			params, _ := DecodeForm(stripFixed(e.Params))
			if err := c.Call(ctx, e.function(), params, &out); err != nil {
				t.Fatal(err)
			}
			if len(out.Warnings) != 1 || out.Warnings[0].WarningCode != "2" {
				t.Fatalf("cohort warnings: %+v", out.Warnings)
			}
		}
	}
}

func TestSyntheticVerdicts(t *testing.T) {
	cases := []struct {
		exception, code string
		retryable       bool
	}{
		{`dml_read_exception`, "dmlreadexception", true},
		{`dml_write_exception`, "dmlwriteexception", true},
		{`core\exception\moodle_exception`, "locktimeout", true},
		{`dml_connection_exception`, "dbconnectionfailed", true},
		{`dml_missing_record_exception`, "invaliduser", false},
		{`dml_missing_record_exception`, "somethingnew", false},
		{`dml_some_new_exception`, "somethingnew", true},
		{`moodle_exception`, "shortnametaken", false},
		{`core\exception\moodle_exception`, "Message was not sent.", false},
		{`moodle_exception`, "unknowncode", false},
	}
	for _, tc := range cases {
		e := &Error{Exception: tc.exception, ErrorCode: tc.code}
		if got := failure.IsRetryable(e); got != tc.retryable {
			t.Errorf("%s/%s: retryable=%v, want %v", tc.exception, tc.code, got, tc.retryable)
		}
	}
	old := &Error{Exception: "moodle_exception", ErrorCode: "x"}
	if old.ShortException() != "moodle_exception" {
		t.Error("old class name")
	}
}
