package api_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/store"
)

// TestInactiveTrainersAreRefused: a formateur whose enrolment is
// suspended, or ended, or not yet started, no longer gets nominative data
// (it was read without onlyactive, so they kept it).
func TestInactiveTrainersAreRefused(t *testing.T) {
	e := newEnv(t, nil)
	course := e.course("SESSION-SUSP", 1)
	e.seedUsers("actif", "suspendu", "expire", "futur")
	one := 1
	now := time.Now().Unix()
	rows := []moodle.Enrolment{
		{RoleID: roleEditingTeach, UserID: moodle.Int(e.users["actif"]), CourseID: moodle.Int(course)},
		{RoleID: roleEditingTeach, UserID: moodle.Int(e.users["suspendu"]), CourseID: moodle.Int(course), Suspend: &one},
		{RoleID: roleEditingTeach, UserID: moodle.Int(e.users["expire"]), CourseID: moodle.Int(course), TimeStart: now - 86400*30, TimeEnd: now - 86400},
		{RoleID: roleEditingTeach, UserID: moodle.Int(e.users["futur"]), CourseID: moodle.Int(course), TimeStart: now + 86400*7},
	}
	if err := e.client.EnrolUsers(e.ctx, rows); err != nil {
		t.Fatal(err)
	}
	uri := fmt.Sprintf("/api/v1/courses/%d/participants", course)
	if a := e.as("actif", "GET", uri, nil); a.status != 200 {
		t.Fatalf("active formateur: %d %s", a.status, a.body)
	}
	for _, who := range []string{"suspendu", "expire", "futur"} {
		if a := e.as(who, "GET", uri, nil); a.status != 403 {
			t.Errorf("%s formateur reading the participants: %d, want 403", who, a.status)
		}
	}
}

// TestTransitionsRefuseParametersTheBlockNeverSends: a formateur's signed
// request naming formateurs (students of theirs) or a category is refused
// before anything is queued; the block's own parameters still pass.
func TestTransitionsRefuseParametersTheBlockNeverSends(t *testing.T) {
	e := newEnv(t, nil)
	d, _ := e.app.Fleet.Get("ac-a")
	if _, err := domains.Bootstrap(e.ctx, d, e.app.Store); err != nil {
		t.Fatal(err)
	}
	cats, _ := e.app.Store.DomainCategories(e.ctx, "ac-a")
	gabarit := e.course("GAB-P", cats["gabarit"].CategoryID)
	e.seedUsers(formateurUsername, "eleve1")
	e.enrol(gabarit, roleEditingTeach, formateurUsername)
	e.enrol(gabarit, roleStudent, "eleve1")
	uri := fmt.Sprintf("/api/v1/courses/%d", gabarit)
	attacks := map[string]string{
		uri + "/sessions":                 fmt.Sprintf(`{"name":"S","start":"2027-03-01","participants":10,"max":10,"formateurs":[%d]}`, e.users["eleve1"]),
		uri + "/workflow/create-parcours": fmt.Sprintf(`{"shortname":"P1","name":"P","category_id":%d}`, cats["archive"].CategoryID),
		uri + "/workflow/duplicate":       `{"shortname":"P2","name":"P","with_users":true}`,
		uri + "/workflow/open":            `{"creator_id":1}`,
		uri + "/sessions/preview":         fmt.Sprintf(`{"start":"2027-03-01","participants":10,"max":10,"formateurs":[%d]}`, e.users["eleve1"]),
		uri + "/workflow/create-sessions": `{"name":"S","start":"2027-03-01","participants":1,"max":1,"shortname_pattern":"{n}"}`,
	}
	for path, body := range attacks {
		a := e.as(formateurUsername, "POST", path, []byte(body))
		if a.status != 400 || a.json(t)["error"] != "bad_params" {
			t.Errorf("%s %s: %d %s, want 400 bad_params", path, body, a.status, a.body)
		}
	}
	if n, _ := e.app.Store.CountJobs(e.ctx); n[store.JobQueued]+n[store.JobRunning]+n[store.JobSucceeded]+n[store.JobFailed] != 0 {
		t.Fatalf("refused requests queued jobs: %v", n)
	}
	// What the block sends still works.
	if a := e.as(formateurUsername, "POST", uri+"/workflow/create-parcours", []byte(`{"shortname":"PARC-OK","name":"Parcours"}`)); a.status != 202 {
		t.Fatalf("block's create-parcours: %d %s", a.status, a.body)
	}
}

// TestMultiSessionReportShowsOnlyTheCallersSessions: a file sent to two
// sessions; the formateur of one of them reads the report through their
// course and gets their session's rows only, never marked cacheable.
func TestMultiSessionReportShowsOnlyTheCallersSessions(t *testing.T) {
	e := newEnv(t, nil)
	s1, s2 := e.course("SESSION-M1", 1), e.course("SESSION-M2", 1)
	e.seedUsers("chef", "f1", "alice", "bob", "carol", "dave")
	e.enrol(s1, roleEditingTeach, "chef", "f1")
	e.enrol(s2, roleEditingTeach, "chef")
	csv := "email\nalice@ac-a.fr\nbob@ac-a.fr\ncarol@ac-a.fr\ndave@ac-a.fr\n"
	apply := e.call("POST", fmt.Sprintf("/api/v1/courses/%d/enrol/apply?sessions=%d&max_per_session=2", s1, s2), "ac-a", secretA,
		e.users["chef"], "text/csv", []byte(csv))
	job := jobID(t, apply)
	if res := e.waitJob("chef", job); res["state"] != "succeeded" {
		t.Fatalf("apply: %v", res)
	}
	rowsOf := func(user string) map[float64]int {
		t.Helper()
		a := e.as(user, "GET", fmt.Sprintf("/api/v1/courses/%d/enrol/reports/%d?format=json", s1, job), nil)
		if a.status != 200 || a.header.Get("Cache-Control") != "no-store" {
			t.Fatalf("report as %s: %d, Cache-Control %q", user, a.status, a.header.Get("Cache-Control"))
		}
		out := map[float64]int{}
		for _, r := range a.json(t)["rows"].([]any) {
			c, _ := r.(map[string]any)["course_id"].(float64)
			out[c]++
		}
		return out
	}
	if got := rowsOf("chef"); got[float64(s1)] != 2 || got[float64(s2)] != 2 {
		a := e.as("chef", "GET", fmt.Sprintf("/api/v1/courses/%d/enrol/reports/%d?format=json", s1, job), nil)
		t.Fatalf("the formateur of both sessions: rows by session %v\n%s", got, a.body)
	}
	if got := rowsOf("f1"); got[float64(s1)] != 2 || len(got) != 1 {
		t.Fatalf("the formateur of session 1 only: rows by session %v, want session %d's 2", got, s1)
	}
}

// TestOfferDecisionsNeedTheSite: the domain's offer requests are listed
// and decided by a site-level manager (acting_as=site, vouched by
// local_bridge), no longer by the manager of any one course.
func TestOfferDecisionsNeedTheSite(t *testing.T) {
	e := newEnv(t, nil)
	course := e.course("ANY-COURSE", 1)
	e.seedUsers("gestion1", "admin1")
	e.enrol(course, roleManager, "gestion1")
	list := fmt.Sprintf("/api/v1/courses/%d/offer/requests", course)
	decide := fmt.Sprintf("/api/v1/courses/%d/offer/requests/999/reject", course)
	for _, q := range []string{"", "?acting_as=manager"} {
		if a := e.call("GET", list+q, "ac-a", secretA, e.users["gestion1"], "", nil); a.status != 403 {
			t.Errorf("course manager listing the domain's requests%s: %d", q, a.status)
		}
		if a := e.call("POST", decide+q, "ac-a", secretA, e.users["gestion1"], "application/json", []byte(`{"reason":"x"}`)); a.status != 403 {
			t.Errorf("course manager deciding a domain request%s: %d", q, a.status)
		}
	}
	if a := e.call("GET", list+"?acting_as=site", "ac-a", secretA, 0, "", nil); a.status != 403 {
		t.Errorf("the site itself (no person) listing requests: %d", a.status)
	}
	if a := e.call("GET", list+"?acting_as=site", "ac-a", secretA, e.users["admin1"], "", nil); a.status != 200 {
		t.Errorf("site-level manager listing requests: %d %s", a.status, a.body)
	}
	if a := e.call("POST", decide+"?acting_as=site", "ac-a", secretA, e.users["admin1"], "application/json", []byte(`{"reason":"x"}`)); a.status != 404 {
		t.Errorf("site-level manager deciding an unknown request: %d %s, want 404", a.status, a.body)
	}
	if n := len(e.audits("api.offer.reject")); n != 3 {
		t.Errorf("offer decisions audited: %d, want 3 (two refused, one not found)", n)
	}
}
