package api_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/moodle"
	"github.com/magistere/bridge/internal/store"
)

// The CNIL walk: every route of the API, called by every kind of caller.
// A route is nominative (its answer names people) or not; a nominative
// route answers only the roles listed, and each of those answers is in the
// audit; every other answer, and the audit itself, carries no name and no
// e-mail of the people on the sites. A route added to the API fails this
// test until it is classified here.

// Callers of the walk.
const (
	roleSiteAdmin   = "site admin"
	roleCatManager  = "category manager"
	roleCourseMgr   = "course manager"
	roleTrainer     = "trainer"
	roleTutor       = "tutor"
	roleParticipant = "participant"
	roleOutsider    = "outsider"
	roleOtherDomain = "another domain"
	roleSuspended   = "suspended trainer"
)

var walkRoles = []string{roleSiteAdmin, roleCatManager, roleCourseMgr, roleTrainer, roleTutor, roleParticipant,
	roleOutsider, roleOtherDomain, roleSuspended}

// formateurLevel: who runs a course, and so may read its people.
var formateurLevel = []string{roleSiteAdmin, roleCatManager, roleCourseMgr, roleTrainer}

// walkWorld is what the requests of the walk refer to.
type walkWorld struct {
	course, reportJob, certJob int64
	certFile                   string
	participant                int64
}

type walkRoute struct {
	// nominative: the answer names people; only allowed get a 2xx, audited.
	nominative bool
	allowed    []string
	req        func(w walkWorld) (method, uri, ctype string, body []byte)
}

func get(uri string) func(walkWorld) (string, string, string, []byte) {
	return func(walkWorld) (string, string, string, []byte) { return "GET", uri, "", nil }
}

func postJSON(uri func(w walkWorld) string, body func(w walkWorld) string) func(walkWorld) (string, string, string, []byte) {
	return func(w walkWorld) (string, string, string, []byte) {
		return "POST", uri(w), "application/json", []byte(body(w))
	}
}

func courseURI(suffix string) func(w walkWorld) string {
	return func(w walkWorld) string { return fmt.Sprintf("/api/v1/courses/%d%s", w.course, suffix) }
}

func fixed(s string) func(walkWorld) string { return func(walkWorld) string { return s } }

const walkCSV = "email;nom;prenom\neleve2@ac-a.fr;ELEVE2;Prénom\n"

// walkRoutes classifies every route pattern of the API.
var walkRoutes = map[string]walkRoute{
	"GET /api/v1/courses/{course}/workflow":               {req: func(w walkWorld) (string, string, string, []byte) { return "GET", courseURI("/workflow")(w), "", nil }},
	"POST /api/v1/courses/{course}/workflow/{transition}": {req: postJSON(courseURI("/workflow/open"), fixed(`{}`))},
	"POST /api/v1/courses/{course}/sessions":              {req: postJSON(courseURI("/sessions"), fixed(`{"name":"S","start":"2027-03-01","participants":1,"max":1}`))},
	"POST /api/v1/courses/{course}/sessions/preview":      {req: postJSON(courseURI("/sessions/preview"), fixed(`{"start":"2027-03-01","participants":10,"max":5}`))},
	"GET /api/v1/courses/{course}/enrol/options": {req: func(w walkWorld) (string, string, string, []byte) {
		return "GET", courseURI("/enrol/options")(w), "", nil
	}},
	"POST /api/v1/courses/{course}/enrol/preview": {nominative: true, allowed: formateurLevel,
		req: func(w walkWorld) (string, string, string, []byte) {
			return "POST", courseURI("/enrol/preview")(w), "text/csv", []byte(walkCSV)
		}},
	"POST /api/v1/courses/{course}/enrol/apply": {req: func(w walkWorld) (string, string, string, []byte) {
		return "POST", courseURI("/enrol/apply")(w), "text/csv", []byte(walkCSV)
	}},
	"GET /api/v1/courses/{course}/enrol/reports/{job}": {nominative: true, allowed: formateurLevel,
		req: func(w walkWorld) (string, string, string, []byte) {
			return "GET", courseURI(fmt.Sprintf("/enrol/reports/%d?format=json", w.reportJob))(w), "", nil
		}},
	"GET /api/v1/jobs/{id}": {req: func(w walkWorld) (string, string, string, []byte) {
		return "GET", fmt.Sprintf("/api/v1/jobs/%d", w.reportJob), "", nil
	}},
	"GET /api/v1/jobs": {req: get("/api/v1/jobs?limit=50")},
	// A certificate is the requester's own: only the trainer who asked.
	"GET /api/v1/jobs/{id}/files/{name}": {nominative: true, allowed: []string{roleTrainer},
		req: func(w walkWorld) (string, string, string, []byte) {
			return "GET", fmt.Sprintf("/api/v1/jobs/%d/files/%s", w.certJob, w.certFile), "", nil
		}},
	"GET /api/v1/courses/{course}/participants": {nominative: true, allowed: formateurLevel,
		req: func(w walkWorld) (string, string, string, []byte) {
			return "GET", courseURI("/participants")(w), "", nil
		}},
	"GET /api/v1/offer":               {req: get("/api/v1/offer?q=lecture")},
	"GET /api/v1/offer/{id}":          {req: get("/api/v1/offer/1")},
	"GET /api/v1/offer/requests":      {req: get("/api/v1/offer/requests")},
	"POST /api/v1/offer/{id}/request": {req: postJSON(fixed("/api/v1/offer/1/request"), fixed(`{"name":"P","shortname":"WALK-P"}`))},
	"GET /api/v1/courses/{course}/offer/requests": {req: func(w walkWorld) (string, string, string, []byte) {
		return "GET", courseURI("/offer/requests")(w), "", nil
	}},
	"POST /api/v1/courses/{course}/offer/requests/{id}/{decision}": {req: postJSON(courseURI("/offer/requests/1/reject"), fixed(`{"reason":"walk"}`))},
	"GET /api/v1/courses/{course}/stats":                           {req: func(w walkWorld) (string, string, string, []byte) { return "GET", courseURI("/stats")(w), "", nil }},
	"GET /api/v1/courses/{course}/progress": {nominative: true, allowed: formateurLevel,
		req: func(w walkWorld) (string, string, string, []byte) { return "GET", courseURI("/progress")(w), "", nil }},
	"POST /api/v1/courses/{course}/attendance": {req: postJSON(courseURI("/attendance"), func(w walkWorld) string {
		return fmt.Sprintf(`{"user_ids":[%d],"done":true}`, w.participant)
	})},
	"POST /api/v1/courses/{course}/certificate-jobs": {req: postJSON(courseURI("/certificate-jobs"), func(w walkWorld) string {
		return fmt.Sprintf(`{"user_ids":[%d]}`, w.participant)
	})},
	"POST /api/v1/courses/{course}/certificates": {nominative: true, allowed: formateurLevel,
		req: postJSON(courseURI("/certificates"), func(w walkWorld) string { return fmt.Sprintf(`{"user_ids":[%d]}`, w.participant) })},
	"GET /api/v1/offer/digest":    {req: get("/api/v1/offer/digest")},
	"POST /api/v1/offer/digest":   {req: postJSON(fixed("/api/v1/offer/digest"), fixed(`{}`))},
	"DELETE /api/v1/offer/digest": {req: func(walkWorld) (string, string, string, []byte) { return "DELETE", "/api/v1/offer/digest", "", nil }},
}

func TestCNILWalkOfEveryRoute(t *testing.T) {
	e := newEnv(t, nil)
	routes := e.app.NewAPI().Routes()
	for _, p := range routes {
		if _, ok := walkRoutes[p]; !ok {
			t.Errorf("route %q is not classified in the CNIL walk (walkRoutes): say whether it names people, and who may read it", p)
		}
	}
	for p := range walkRoutes {
		if !slices.Contains(routes, p) {
			t.Errorf("walkRoutes classifies %q, which the API no longer has", p)
		}
	}

	// The people, whose names and e-mails must only appear where allowed.
	course := e.course("SESSION-WALK", 1)
	people := []string{"admin1", "catman1", "gestion1", formateurUsername, "tuteur1", "eleve1", "eleve2", "dehors1", "suspendu1"}
	e.seedUsers(people...)
	e.enrol(course, roleManager, "gestion1")
	e.enrol(course, roleEditingTeach, formateurUsername)
	e.enrol(course, roleTeacher, "tuteur1")
	e.enrol(course, roleStudent, "eleve1", "eleve2")
	one := 1
	if err := e.client.EnrolUsers(e.ctx, []moodle.Enrolment{{RoleID: roleEditingTeach, UserID: moodle.Int(e.users["suspendu1"]),
		CourseID: moodle.Int(course), Suspend: &one}}); err != nil {
		t.Fatal(err)
	}
	var markers []string
	for _, p := range people {
		markers = append(markers, p+"@ac-a.fr", strings.ToUpper(p))
	}
	leak := func(b []byte) string {
		for _, m := range markers {
			if strings.Contains(string(b), m) {
				return m
			}
		}
		return ""
	}

	// What the nominative routes refer to: the trainer's applied file, a
	// participant marked "Formation terminée" and the trainer's certificate.
	w := walkWorld{course: course, participant: e.users["eleve1"]}
	trainer := e.users[formateurUsername]
	apply := e.call("POST", fmt.Sprintf("/api/v1/courses/%d/enrol/apply", course), "ac-a", secretA, trainer, "text/csv", []byte(walkCSV))
	w.reportJob = jobID(t, apply)
	if res := e.waitJob(formateurUsername, w.reportJob); res["state"] != "succeeded" {
		t.Fatalf("apply: %v", res)
	}
	if a := e.as(formateurUsername, "POST", fmt.Sprintf("/api/v1/courses/%d/attendance", course), []byte(fmt.Sprintf(`{"user_ids":[%d],"done":true}`, w.participant))); a.status != 200 {
		t.Fatalf("attendance: %d %s", a.status, a.body)
	}
	cert := e.as(formateurUsername, "POST", fmt.Sprintf("/api/v1/courses/%d/certificate-jobs", course), []byte(fmt.Sprintf(`{"user_ids":[%d]}`, w.participant)))
	w.certJob = jobID(t, cert)
	res := e.waitJob(formateurUsername, w.certJob)
	result, _ := res["result"].(map[string]any)
	if res["state"] != "succeeded" || result["download"] == nil {
		t.Fatalf("certificate job: %v", res)
	}
	w.certFile = result["download"].(string)

	type caller struct {
		domain, secret, query string
		user                  int64
	}
	callers := map[string]caller{
		roleSiteAdmin:   {"ac-a", secretA, "acting_as=site", e.users["admin1"]},
		roleCatManager:  {"ac-a", secretA, "acting_as=manager", e.users["catman1"]},
		roleCourseMgr:   {"ac-a", secretA, "", e.users["gestion1"]},
		roleTrainer:     {"ac-a", secretA, "", trainer},
		roleTutor:       {"ac-a", secretA, "", e.users["tuteur1"]},
		roleParticipant: {"ac-a", secretA, "", e.users["eleve1"]},
		roleOutsider:    {"ac-a", secretA, "", e.users["dehors1"]},
		roleOtherDomain: {"ac-b", secretB, "", trainer},
		roleSuspended:   {"ac-a", secretA, "", e.users["suspendu1"]},
	}
	lastAudit := func() int64 {
		l, _ := e.app.Store.ListAudit(e.ctx, store.AuditFilter{Limit: 1})
		if len(l) == 0 {
			return 0
		}
		return l[0].ID
	}
	var nominativeHits, calls int
	for _, pattern := range routes {
		rt, ok := walkRoutes[pattern]
		if !ok {
			continue
		}
		for _, role := range walkRoles {
			c := callers[role]
			method, uri, ctype, body := rt.req(w)
			if c.query != "" {
				uri += map[bool]string{true: "&", false: "?"}[strings.Contains(uri, "?")] + c.query
			}
			before := lastAudit()
			a := e.call(method, uri, c.domain, c.secret, c.user, ctype, body)
			calls++
			ok2xx := a.status >= 200 && a.status < 300
			if !rt.nominative || !ok2xx {
				if m := leak(a.body); m != "" {
					t.Errorf("%s as %s (%d): the answer carries %q", pattern, role, a.status, m)
				}
			}
			if !rt.nominative {
				continue
			}
			if want := slices.Contains(rt.allowed, role); ok2xx != want {
				t.Errorf("%s as %s: %d, nominative access allowed=%v", pattern, role, a.status, want)
				continue
			}
			if !ok2xx {
				continue
			}
			nominativeHits++
			// Jobs finishing meanwhile add their own entries: look for the call's.
			got, _ := e.app.Store.ListAudit(e.ctx, store.AuditFilter{Actor: "moodle:" + c.domain + ":user:" + strconv.FormatInt(c.user, 10), Limit: 20})
			if !slices.ContainsFunc(got, func(a store.AuditEntry) bool {
				return a.ID > before && strings.HasPrefix(a.Action, "api.") && strings.HasPrefix(a.Outcome, "2")
			}) {
				t.Errorf("%s as %s: the nominative answer is not in the audit (last entry %+v)", pattern, role, first(got))
			}
		}
	}
	// The audit names who acted, never the people acted on.
	all, _ := e.app.Store.ListAudit(e.ctx, store.AuditFilter{Limit: 1000, Since: time.Now().Add(-time.Hour)})
	for _, a := range all {
		raw, _ := json.Marshal(a)
		if m := leak(raw); m != "" {
			t.Errorf("audit entry %s %s carries %q", a.Action, a.Target, m)
		}
	}
	t.Logf("%d routes x %d roles: %d calls, %d nominative answers, all audited; %d audit entries checked", len(routes), len(walkRoles), calls, nominativeHits, len(all))
	if nominativeHits == 0 {
		t.Fatal("no nominative answer at all: the walk proves nothing")
	}
}

func first(l []store.AuditEntry) any {
	if len(l) == 0 {
		return nil
	}
	return l[0]
}
