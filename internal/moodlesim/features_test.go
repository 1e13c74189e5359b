package moodlesim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/failure"
)

func TestSitesUnderPrefixesAreIndependent(t *testing.T) {
	srv, ts := startServer(t, Options{Sites: []string{"national", "ac-guyane"}})
	national := &testSite{t: t, srv: srv, ts: ts, base: ts.URL + "/national"}
	guyane := &testSite{t: t, srv: srv, ts: ts, base: ts.URL + "/ac-guyane"}
	national.mustOK("core_course_create_categories", vals("categories[0][name]", "Offre nationale", "categories[0][idnumber]", "NAT"))
	cats := guyane.mustOK("core_course_get_categories", vals("criteria[0][key]", "idnumber", "criteria[0][value]", "NAT"))
	if n := len(cats.([]any)); n != 0 {
		t.Fatalf("ac-guyane sees %d categories created on national", n)
	}
	// Same fresh-install id sequence on both sites.
	got := guyane.mustOK("core_course_create_categories", vals("categories[0][name]", "Domaine"))
	if id := got.([]any)[0].(map[string]any)["id"].(float64); id != 2 {
		t.Fatalf("first category on ac-guyane: id %v, want 2", id)
	}
	info := national.mustOK("core_webservice_get_site_info", nil).(map[string]any)
	if info["siteurl"] != ts.URL+"/national" {
		t.Fatalf("siteurl %v", info["siteurl"])
	}
	if srv.Site("national").Counts().Categories != 2 || srv.Site("ac-guyane").Counts().Categories != 2 {
		t.Fatalf("counts: %+v / %+v", srv.Site("national").Counts(), srv.Site("ac-guyane").Counts())
	}
	resp, err := http.Get(ts.URL + "/webservice/rest/server.php")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("root path with several sites: HTTP %d, want 404", resp.StatusCode)
	}
}

func functionNames(info map[string]any) map[string]bool {
	out := map[string]bool{}
	for _, f := range info["functions"].([]any) {
		out[f.(map[string]any)["name"].(string)] = true
	}
	return out
}

func TestRelease29HidesLaterFunctions(t *testing.T) {
	s := newTestSite(t, Options{Release: "2.9"})
	info := s.mustOK("core_webservice_get_site_info", nil).(map[string]any)
	if info["release"] != "2.9.9 (Build: 20161114)" || info["version"] != "2015051109" {
		t.Fatalf("release %v version %v", info["release"], info["version"])
	}
	names := functionNames(info)
	for _, hidden := range []string{"core_course_get_courses_by_field", "core_completion_override_activity_completion_status", "core_course_get_updates_since", "core_backup_get_copy_progress"} {
		if names[hidden] {
			t.Errorf("2.9 lists %s", hidden)
		}
	}
	for _, kept := range []string{"core_course_get_courses", "enrol_manual_enrol_users", "local_bridge_backup_course"} {
		if !names[kept] {
			t.Errorf("2.9 misses %s", kept)
		}
	}
	// The function does not exist on a 2.9 site: Moodle looks it up in
	// external_functions first, so the answer is invalidrecord.
	got := s.call("core_course_get_courses_by_field", vals("field", "id", "value", "1")).(map[string]any)
	if got["errorcode"] != "invalidrecord" || got["exception"] != "dml_missing_record_exception" {
		t.Fatalf("by_field on 2.9: %v", got)
	}
	// Older releases use global exception class names.
	got = s.call("core_course_get_contents", vals("courseid", "abc")).(map[string]any)
	if got["exception"] != "invalid_parameter_exception" {
		t.Fatalf("2.9 exception class %v", got["exception"])
	}
	// A function that exists but is not in the service.
	if code := errorCode(s.call("core_user_delete_users", vals("userids[0]", "3"))); code != "accessexception" {
		t.Fatalf("delete_users: %s", code)
	}
}

func TestRelease35(t *testing.T) {
	s := newTestSite(t, Options{Release: "3.5"})
	names := functionNames(s.mustOK("core_webservice_get_site_info", nil).(map[string]any))
	if names["core_backup_get_copy_progress"] || !names["core_course_get_courses_by_field"] || !names["local_bridge_restore_course"] {
		t.Fatalf("3.5 function list wrong: %v", names)
	}
	if got := Functions("3.5"); len(got) != 505+len(pluginFunctions) {
		t.Fatalf("3.5 knows %d functions", len(got))
	}
}

func TestParseFaults(t *testing.T) {
	f, err := ParseFaults("latency=50ms, 5xx=0.2,timeout=0.1,reset=0.05,reset_after=0.05,after_commit=0.1,seed=42,writes,timeout_max=2s")
	if err != nil {
		t.Fatal(err)
	}
	want := FaultSpec{Latency: 50 * time.Millisecond, Rate5xx: 0.2, Timeout: 0.1, Reset: 0.05, ResetAfter: 0.05, AfterCommit: 0.1, Seed: 42, WritesOnly: true, TimeoutMax: 2 * time.Second}
	if f != want {
		t.Fatalf("got %+v", f)
	}
	again, err := ParseFaults(f.String())
	if err != nil || again != f {
		t.Fatalf("round trip %q: %+v %v", f.String(), again, err)
	}
	for _, bad := range []string{"5xx=2", "latency=fast", "bogus=1", "5xx=0.6,reset=0.6", "seed=x", "writes=maybe"} {
		_, err := ParseFaults(bad)
		if err == nil || failure.IsRetryable(err) {
			t.Errorf("%q: want a permanent error, got %v", bad, err)
		}
	}
	if f, err := ParseFaults(""); err != nil || f.Enabled() {
		t.Fatalf("empty spec: %+v %v", f, err)
	}
}

// outcomes calls site_info n times and records what happened to each call.
func outcomes(t *testing.T, spec FaultSpec, n int) []string {
	s := newTestSite(t, Options{Faults: spec})
	client := &http.Client{Timeout: 2 * time.Second}
	var out []string
	for i := 0; i < n; i++ {
		form := url.Values{"wstoken": {testToken}, "wsfunction": {"core_webservice_get_site_info"}, "moodlewsrestformat": {"json"}}
		resp, err := client.PostForm(s.base+"/webservice/rest/server.php", form)
		if err != nil {
			out = append(out, "error")
			continue
		}
		resp.Body.Close()
		out = append(out, fmt.Sprint(resp.StatusCode))
	}
	return out
}

func TestFaultsAreDeterministicWithSeed(t *testing.T) {
	spec := FaultSpec{Rate5xx: 0.3, Reset: 0.2, Seed: 7}
	a, b := outcomes(t, spec, 40), outcomes(t, spec, 40)
	if strings.Join(a, ",") != strings.Join(b, ",") {
		t.Fatalf("same seed, different faults:\n%v\n%v", a, b)
	}
	counts := map[string]int{}
	for _, o := range a {
		counts[o]++
	}
	if counts["503"] == 0 || counts["error"] == 0 || counts["200"] == 0 {
		t.Fatalf("expected a mix of 503, resets and successes: %v", counts)
	}
	other := outcomes(t, FaultSpec{Rate5xx: 0.3, Reset: 0.2, Seed: 8}, 40)
	if strings.Join(a, ",") == strings.Join(other, ",") {
		t.Fatalf("different seeds gave the same 40 outcomes")
	}
}

func TestFault5xxDoesNotWrite(t *testing.T) {
	s := newTestSite(t, Options{Faults: FaultSpec{Rate5xx: 1, Seed: 1}})
	body, status := s.post("core_course_create_categories", vals("categories[0][name]", "X"))
	if status != http.StatusServiceUnavailable {
		t.Fatalf("status %d body %s", status, body)
	}
	if n := s.srv.Site("").Counts().Categories; n != 1 {
		t.Fatalf("categories after a 5xx: %d, want 1", n)
	}
}

func TestFaultAfterCommitWritesThenFails(t *testing.T) {
	s := newTestSite(t, Options{Faults: FaultSpec{AfterCommit: 1, Seed: 1, WritesOnly: true}})
	// A read is not affected with writes-only.
	s.mustOK("core_course_get_categories", nil)
	_, status := s.post("core_course_create_categories", vals("categories[0][name]", "Committed"))
	if status != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", status)
	}
	cats := s.mustOK("core_course_get_categories", vals("criteria[0][key]", "name", "criteria[0][value]", "Committed"))
	if len(cats.([]any)) != 1 {
		t.Fatalf("the write did not commit: %v", cats)
	}
	if s.srv.FaultCounts()["after_commit"] != 1 {
		t.Fatalf("fault counts %v", s.srv.FaultCounts())
	}
}

func TestFaultTimeoutHangsUntilClientGivesUp(t *testing.T) {
	s := newTestSite(t, Options{Faults: FaultSpec{Timeout: 1, Seed: 1, TimeoutMax: 5 * time.Second}})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	form := url.Values{"wstoken": {testToken}, "wsfunction": {"core_webservice_get_site_info"}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.base+"/webservice/rest/server.php", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	_, err := http.DefaultClient.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want the client's deadline, got %v", err)
	}
}

func TestMaxInputVarsDropsExtraRows(t *testing.T) {
	s := newTestSite(t, Options{})
	courseID := s.seedCourse("BIG")
	for chunk := 0; chunk < 20; chunk++ {
		p := url.Values{}
		for i := 0; i < 100; i++ {
			n := chunk*100 + i
			pre := fmt.Sprintf("users[%d]", i)
			p.Set(pre+"[username]", fmt.Sprintf("u%04d", n))
			p.Set(pre+"[auth]", "shibboleth")
			p.Set(pre+"[firstname]", "F")
			p.Set(pre+"[lastname]", "L")
			p.Set(pre+"[email]", fmt.Sprintf("u%04d@example.com", n))
		}
		s.mustOK("core_user_create_users", p)
	}
	// 2,000 rows x 3 fields + 3 = 6,003 variables: PHP keeps 5,001.
	var b strings.Builder
	b.WriteString("wstoken=" + testToken + "&wsfunction=enrol_manual_enrol_users&moodlewsrestformat=json")
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&b, "&enrolments[%d][roleid]=5&enrolments[%d][userid]=%d&enrolments[%d][courseid]=%d", i, i, i+3, i, courseID)
	}
	resp, err := http.Post(s.base+"/webservice/rest/server.php", "application/x-www-form-urlencoded", strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "null" {
		t.Fatalf("answer %s, want null (silent success)", body)
	}
	if n := len(s.srv.Site("").EnrolledUserIDs(courseID)); n != 1666 {
		t.Fatalf("enrolled %d, want 1666", n)
	}
}

func TestMaxInputVarsBreaksBigCreateUsers(t *testing.T) {
	s := newTestSite(t, Options{Debug: true})
	var b strings.Builder
	b.WriteString("wstoken=" + testToken + "&wsfunction=core_user_create_users&moodlewsrestformat=json")
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&b, "&users[%d][username]=v%d&users[%d][password]=Passw0rd!&users[%d][firstname]=F&users[%d][lastname]=L&users[%d][email]=v%d@example.com", i, i, i, i, i, i, i)
	}
	resp, err := http.Post(s.base+"/webservice/rest/server.php", "application/x-www-form-urlencoded", strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `{"exception":"core\\exception\\invalid_parameter_exception","errorcode":"invalidparameter","message":"Invalid parameter value detected","debuginfo":"users => Invalid parameter value detected: Missing required key in single structure: lastname"}`
	if string(body) != want {
		t.Fatalf("got %s", body)
	}
	if n := s.srv.Site("").Counts().Users; n != 0 {
		t.Fatalf("%d users created, want none", n)
	}
}

func TestPostMaxSizeLosesEveryField(t *testing.T) {
	s := newTestSite(t, Options{})
	body := "wstoken=" + testToken + "&wsfunction=core_webservice_get_site_info&moodlewsrestformat=json&pad=" + strings.Repeat("x", postMaxSize)
	resp, err := http.Post(s.base+"/webservice/rest/server.php", "application/x-www-form-urlencoded", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("Content-Type") != "application/xml; charset=utf-8" || !strings.Contains(string(got), "<ERRORCODE>invalidtoken</ERRORCODE>") {
		t.Fatalf("got %s %s", resp.Header.Get("Content-Type"), got)
	}
}

func upload(t *testing.T, base, name string, data []byte) int {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("token", testToken)
	fw, _ := mw.CreateFormFile("file_1", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	resp, err := http.Post(base+"/webservice/upload.php", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if err := decodeJSON(raw, &out); err != nil || len(out) != 1 {
		t.Fatalf("upload answer %s: %v", raw, err)
	}
	return int(out[0]["itemid"].(float64))
}

func TestBackupDownloadUploadRestore(t *testing.T) {
	srv, ts := startServer(t, Options{Sites: []string{"national", "ac-guyane"}})
	national := &testSite{t: t, srv: srv, ts: ts, base: ts.URL + "/national"}
	guyane := &testSite{t: t, srv: srv, ts: ts, base: ts.URL + "/ac-guyane"}
	courseID := national.seedCourse("GABARIT")
	nat := srv.Site("national")
	cm, err := nat.AddActivity(courseID, "Lecture", "page", 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nat.AddActivity(courseID, "Quiz final", "quiz", 2); err != nil {
		t.Fatal(err)
	}
	if err := nat.SetCompletionCriteria(courseID, Criteria{Activities: []int{cm}, Aggregation: 1}); err != nil {
		t.Fatal(err)
	}
	nat.SetBackupPolls(2)
	started := national.mustOK("local_bridge_backup_course", vals("courseid", itoa(courseID))).(map[string]any)
	if started["status"] != "pending" {
		t.Fatalf("backup: %v", started)
	}
	id := started["backupid"].(string)
	first := national.mustOK("local_bridge_get_backup_status", vals("backupid", id)).(map[string]any)
	if first["status"] != "running" || first["progress"].(float64) != 0.5 {
		t.Fatalf("first poll: %v", first)
	}
	done := national.mustOK("local_bridge_get_backup_status", vals("backupid", id)).(map[string]any)
	if done["status"] != "done" || done["error"] != "" {
		t.Fatalf("second poll: %v", done)
	}
	resp, err := http.Get(done["fileurl"].(string) + "?token=" + testToken)
	if err != nil {
		t.Fatal(err)
	}
	mbz, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(mbz) != int(done["filesize"].(float64)) || contentHash(mbz) != done["contenthash"] {
		t.Fatalf("download: HTTP %d, %d bytes, hash %s vs %v", resp.StatusCode, len(mbz), contentHash(mbz), done["contenthash"])
	}
	draft := upload(t, guyane.base, done["filename"].(string), mbz)
	cats := guyane.mustOK("core_course_create_categories", vals("categories[0][name]", "Parcours")).([]any)
	catID := itoa(int(cats[0].(map[string]any)["id"].(float64)))
	restore := guyane.mustOK("local_bridge_restore_course", vals("draftitemid", itoa(draft), "categoryid", catID,
		"fullname", "Parcours Guyane", "shortname", "PARCOURS-973")).(map[string]any)
	var status map[string]any
	for i := 0; i < 3 && (status == nil || status["status"] != "done"); i++ {
		status = guyane.mustOK("local_bridge_get_restore_status", vals("restoreid", restore["restoreid"].(string))).(map[string]any)
	}
	if status["status"] != "done" {
		t.Fatalf("restore: %v", status)
	}
	newID := int(status["courseid"].(float64))
	src, _ := nat.Outline(courseID)
	dst, ok := srv.Site("ac-guyane").Outline(newID)
	if !ok || dst.Shortname != "PARCOURS-973" || len(dst.Sections) != len(src.Sections) {
		t.Fatalf("restored outline %+v vs %+v", dst, src)
	}
	for i := range src.Sections {
		if len(src.Sections[i].Modules) != len(dst.Sections[i].Modules) {
			t.Fatalf("section %d: %d modules, want %d", i, len(dst.Sections[i].Modules), len(src.Sections[i].Modules))
		}
		for j, m := range src.Sections[i].Modules {
			d := dst.Sections[i].Modules[j]
			if d.Name != m.Name || d.ModName != m.ModName || d.Completion != m.Completion {
				t.Fatalf("module %d/%d: %+v, want %+v", i, j, d, m)
			}
		}
	}
	// The criteria follow the copied activity, and no users came along.
	st := guyane.call("core_completion_get_course_completion_status", vals("courseid", itoa(newID), "userid", "2"))
	if errorCode(st) != "notenroled" {
		t.Fatalf("completion on restored course: %v", st)
	}
	if n := len(srv.Site("ac-guyane").EnrolledUserIDs(newID)); n != 0 {
		t.Fatalf("restored %d enrolments", n)
	}
	again := guyane.call("local_bridge_restore_course", vals("draftitemid", itoa(draft), "categoryid", catID, "fullname", "x", "shortname", "PARCOURS-973"))
	if errorCode(again) != "shortnametaken" {
		t.Fatalf("restore onto a taken shortname: %v", again)
	}
}

func TestFrozenCourseRefusesWrites(t *testing.T) {
	s := newTestSite(t, Options{})
	courseID := s.seedCourse("FROZEN")
	s.mustOK("core_user_create_users", vals("users[0][username]", "eleve", "users[0][auth]", "shibboleth",
		"users[0][firstname]", "E", "users[0][lastname]", "L", "users[0][email]", "e@example.com"))
	got := s.mustOK("local_bridge_freeze_context", vals("courseid", itoa(courseID), "freeze", "1")).(map[string]any)
	if got["frozen"] != true {
		t.Fatalf("freeze: %v", got)
	}
	enrol := vals("enrolments[0][roleid]", "5", "enrolments[0][userid]", "3", "enrolments[0][courseid]", itoa(courseID))
	if code := errorCode(s.call("enrol_manual_enrol_users", enrol)); code != "nopermissions" {
		t.Fatalf("enrol into a frozen course: %q", code)
	}
	s.mustOK("local_bridge_freeze_context", vals("courseid", itoa(courseID), "freeze", "0"))
	if out := s.call("enrol_manual_enrol_users", enrol); out != nil {
		t.Fatalf("enrol after unfreeze: %v", out)
	}
}

func TestSelfEnrolmentAndCompletionMarks(t *testing.T) {
	s := newTestSite(t, Options{})
	courseID := s.seedCourse("SELF")
	site := s.srv.Site("")
	cm, _ := site.AddActivity(courseID, "Page", "page", 1)
	_ = site.SetCompletionCriteria(courseID, Criteria{Activities: []int{cm}})
	got := s.mustOK("local_bridge_enable_self_enrolment", vals("courseid", itoa(courseID), "enable", "1", "password", "clef")).(map[string]any)
	if got["enabled"] != true || got["instanceid"].(float64) <= 0 {
		t.Fatalf("self enrolment: %v", got)
	}
	byField := s.mustOK("core_course_get_courses_by_field", vals("field", "id", "value", itoa(courseID))).(map[string]any)
	methods := byField["courses"].([]any)[0].(map[string]any)["enrollmentmethods"].([]any)
	if len(methods) != 2 || methods[1] != "self" {
		t.Fatalf("enrollmentmethods %v", methods)
	}
	s.mustOK("core_user_create_users", vals("users[0][username]", "stagiaire", "users[0][auth]", "cas",
		"users[0][firstname]", "S", "users[0][lastname]", "T", "users[0][email]", "s@example.com"))
	s.mustOK("enrol_manual_enrol_users", vals("enrolments[0][roleid]", "5", "enrolments[0][userid]", "3", "enrolments[0][courseid]", itoa(courseID)))
	over := s.mustOK("core_completion_override_activity_completion_status", vals("userid", "3", "cmid", itoa(cm), "newstate", "1")).(map[string]any)
	if over["state"].(float64) != 1 || over["overrideby"].(float64) != 2 {
		t.Fatalf("override: %v", over)
	}
	status := s.mustOK("core_completion_get_course_completion_status", vals("courseid", itoa(courseID), "userid", "3")).(map[string]any)
	if status["completionstatus"].(map[string]any)["completed"] != true {
		t.Fatalf("course not completed after the only criterion: %v", status)
	}
	if code := errorCode(s.call("local_bridge_mark_course_complete", vals("courseid", itoa(courseID), "userid", "2", "complete", "1"))); code != "usernotenrolled" {
		t.Fatalf("marking a user who is not enrolled: %q", code)
	}
	mark := s.mustOK("local_bridge_mark_course_complete", vals("courseid", itoa(courseID), "userid", "3", "complete", "1")).(map[string]any)
	if mark["completed"] != true {
		t.Fatalf("mark: %v", mark)
	}
	courses := s.mustOK("core_enrol_get_users_courses", vals("userid", "3")).([]any)
	if c := courses[0].(map[string]any); c["completed"] != true || c["progress"].(float64) != 100 {
		t.Fatalf("users_courses after completion: %v", c)
	}
}

func TestMailFailureAlwaysCommits(t *testing.T) {
	s := newTestSite(t, Options{})
	courseID := s.seedCourse("MAIL")
	s.srv.Site("").SetMailFailure(MailFailAlways)
	got := s.call("enrol_manual_enrol_users", vals("enrolments[0][roleid]", "5", "enrolments[0][userid]", "2", "enrolments[0][courseid]", itoa(courseID)))
	if errorCode(got) != "Message was not sent." {
		t.Fatalf("got %v", got)
	}
	if ids := s.srv.Site("").EnrolledUserIDs(courseID); len(ids) != 1 {
		t.Fatalf("enrolment not committed: %v", ids)
	}
}

func TestConcurrentCallsAreSafe(t *testing.T) {
	s := newTestSite(t, Options{})
	courseID := s.seedCourse("CONC")
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				n := fmt.Sprintf("w%di%d", w, i)
				form := url.Values{"wstoken": {testToken}, "wsfunction": {"core_user_create_users"}, "moodlewsrestformat": {"json"},
					"users[0][username]": {n}, "users[0][auth]": {"cas"}, "users[0][firstname]": {"A"}, "users[0][lastname]": {"B"},
					"users[0][email]": {n + "@example.com"}}
				resp, err := http.PostForm(s.base+"/webservice/rest/server.php", form)
				if err == nil {
					resp.Body.Close()
				}
			}
		}(w)
	}
	wg.Wait()
	if c := s.srv.Site("").Counts(); c.Users != 80 || c.Courses != 1 {
		t.Fatalf("counts %+v", c)
	}
	if s.srv.Site("").CallCounts()["core_user_create_users"] != 80 {
		t.Fatalf("call counts %v", s.srv.Site("").CallCounts())
	}
	_ = courseID
}

func TestListenAndServeStopsOnCancel(t *testing.T) {
	srv := New(Options{Token: testToken})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServe(ctx, "127.0.0.1:0") }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ListenAndServe: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ListenAndServe did not stop")
	}
	if err := srv.ListenAndServe(context.Background(), "256.0.0.1:bad"); err == nil || failure.IsRetryable(err) {
		t.Fatalf("bad address: want a permanent error, got %v", err)
	}
}

func TestSiteURL(t *testing.T) {
	one := New(Options{Token: testToken})
	many := New(Options{Token: testToken, Sites: []string{"national", "ac-guyane"}})
	if got := one.SiteURL("http://h:1/", "moodle"); got != "http://h:1" {
		t.Fatalf("one site: %s", got)
	}
	if got := many.SiteURL("http://h:1", "ac-guyane"); got != "http://h:1/ac-guyane" {
		t.Fatalf("several sites: %s", got)
	}
	if many.Site("nope") != nil || many.Site("national") == nil || one.Site("") == nil {
		t.Fatal("Site lookup")
	}
}

func TestMultipartRESTCall(t *testing.T) {
	s := newTestSite(t, Options{})
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, kv := range [][2]string{{"wstoken", testToken}, {"wsfunction", "core_course_create_categories"},
		{"moodlewsrestformat", "json"}, {"categories[0][name]", "Multipart"}} {
		_ = mw.WriteField(kv[0], kv[1])
	}
	_ = mw.Close()
	resp, err := http.Post(s.base+"/webservice/rest/server.php", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != `[{"id":2,"name":"Multipart"}]` {
		t.Fatalf("got %s", got)
	}
}
