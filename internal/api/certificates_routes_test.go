package api_test

import (
	"bytes"
	"fmt"
	"net/url"
	"testing"
	"time"
)

// TestCertificateJobRoutes: the tracking block's certificates are a job.
// A formateur submits it (202 and a job id), polls it, and fetches its
// file; a colleague (another formateur of the course) cannot fetch it, a
// participant cannot ask; asking for someone not marked "Formation
// terminée" gives a job without a download; the file goes with the job.
func TestCertificateJobRoutes(t *testing.T) {
	e := newEnv(t, nil)
	e.seedUsers(formateurUsername, "collegue", "eleve", "autre")
	course := e.course("CERT-S1", 1)
	e.enrol(course, roleEditingTeach, formateurUsername, "collegue")
	e.enrol(course, roleStudent, "eleve", "autre")
	base := fmt.Sprintf("/api/v1/courses/%d/", course)
	mark := fmt.Sprintf(`{"user_ids":[%d],"done":true}`, e.users["eleve"])
	if a := e.as(formateurUsername, "POST", base+"attendance", []byte(mark)); a.status != 200 {
		t.Fatalf("attendance: %d %s", a.status, a.body)
	}

	ask := func(user string, who ...string) answer {
		ids := ""
		for i, w := range who {
			if i > 0 {
				ids += ","
			}
			ids += fmt.Sprint(e.users[w])
		}
		return e.as(user, "POST", base+"certificate-jobs", []byte(`{"user_ids":[`+ids+`]}`))
	}
	if a := ask("eleve", "eleve"); a.status != 403 {
		t.Fatalf("a participant asking for certificates: %d %s", a.status, a.body)
	}
	id := jobID(t, ask(formateurUsername, "eleve"))
	job := e.waitJob(formateurUsername, id)
	res, _ := job["result"].(map[string]any)
	name, _ := res["download"].(string)
	if job["state"] != "succeeded" || name == "" {
		t.Fatalf("certificates job: %v", job)
	}
	file := fmt.Sprintf("/api/v1/jobs/%d/files/%s", id, url.PathEscape(name))
	got := e.as(formateurUsername, "GET", file, nil)
	if got.status != 200 || got.header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(got.body, []byte("%PDF-")) {
		t.Fatalf("the job's file: %d %q %.20q", got.status, got.header.Get("Content-Type"), got.body)
	}
	if a := e.as("collegue", "GET", file, nil); a.status != 404 {
		t.Errorf("a colleague fetching the file: %d, want 404", a.status)
	}
	if a := e.as(formateurUsername, "GET", fmt.Sprintf("/api/v1/jobs/%d/files/other.pdf", id), nil); a.status != 404 {
		t.Errorf("a file the job does not have: %d, want 404", a.status)
	}
	if len(e.audits("api.jobs.file")) == 0 {
		t.Error("fetching a certificate is not audited")
	}

	none := e.waitJob(formateurUsername, jobID(t, ask(formateurUsername, "autre")))
	if r, _ := none["result"].(map[string]any); none["state"] != "succeeded" || r["download"] != nil {
		t.Errorf("certificates of someone not marked: %v, want a job without a download", none)
	}

	// Housekeeping deletes finished jobs and their files.
	if _, err := e.app.Store.DeleteFinishedJobs(e.ctx, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if a := e.as(formateurUsername, "GET", file, nil); a.status != 404 {
		t.Errorf("the file of a deleted job: %d, want 404", a.status)
	}
}
