package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/store"
)

// TestSessionsPreviewRoute: the workflow block asks for the calendar
// warnings of planned sessions before the trainer confirms. Same check as
// create-sessions (zone A of the test domains), signed like the other block
// routes, read-only (no job, no course), a bad date is a 400, a student a
// bare 403.
func TestSessionsPreviewRoute(t *testing.T) {
	e := newEnv(t, nil)
	d, _ := e.app.Fleet.Get("ac-a")
	if _, err := domains.Bootstrap(e.ctx, d, e.app.Store); err != nil {
		t.Fatal(err)
	}
	cats, _ := e.app.Store.DomainCategories(e.ctx, "ac-a")
	parcours := e.course("PARC-PREVIEW", cats["parcours"].CategoryID)
	e.seedUsers(formateurUsername, "eleve1")
	e.enrol(parcours, roleEditingTeach, formateurUsername)
	e.enrol(parcours, roleStudent, "eleve1")
	uri := fmt.Sprintf("/api/v1/courses/%d/sessions/preview", parcours)
	preview := func(user, body string) (int, map[string]json.RawMessage, string) {
		t.Helper()
		a := e.as(user, "POST", uri, []byte(body))
		var m map[string]json.RawMessage
		json.Unmarshal(a.body, &m)
		return a.status, m, string(a.body)
	}
	type warning struct{ Code, Date, FR, EN string }
	warnings := func(m map[string]json.RawMessage) []warning {
		var ws []warning
		if err := json.Unmarshal(m["warnings"], &ws); err != nil {
			t.Fatalf("warnings %s: %v", m["warnings"], err)
		}
		return ws
	}

	// Zone A 2026/2027: Noël from Saturday 19 December 2026; the session
	// starts on a Friday and crosses it.
	status, m, body := preview(formateurUsername, `{"name":"Lecture","start":"2026-12-18","end":"2027-01-29","participants":50,"max":25}`)
	if status != http.StatusOK || string(m["sessions"]) != "2" {
		t.Fatalf("preview: %d %s", status, body)
	}
	codes := map[string]warning{}
	for _, w := range warnings(m) {
		codes[w.Code] = w
	}
	if _, ok := codes["start_friday"]; !ok || codes["start_eve_school_holidays"].FR == "" ||
		!strings.Contains(codes["start_eve_school_holidays"].FR, "Vacances de Noël") || codes["calendar_unknown"].Code != "" {
		t.Fatalf("known dates: %s", body)
	}

	// Beyond the data (zone A is known to 2028-07-04): calendar_unknown, in
	// the words of the issue.
	status, m, body = preview(formateurUsername, `{"name":"Lecture","start":"2028-09-04","end":"2028-10-13","participants":10,"max":25}`)
	ws := warnings(m)
	if status != http.StatusOK || len(ws) == 0 || ws[0].Code != "calendar_unknown" ||
		ws[0].FR != "calendrier scolaire inconnu pour le 04/09/2028 (zone A) : mettre à jour les données" {
		t.Fatalf("beyond the data: %d %s", status, body)
	}

	// Nothing to say: an empty list, not null.
	if status, _, body = preview(formateurUsername, `{"name":"Lecture","start":"2027-01-11","end":"2027-01-29","participants":10,"max":25}`); status != http.StatusOK ||
		!strings.Contains(body, `"warnings":[]`) {
		t.Fatalf("quiet plan: %d %s", status, body)
	}
	// A malformed date is the caller's error.
	if status, _, body = preview(formateurUsername, `{"name":"Lecture","start":"18/12/2026","end":"2027-01-29"}`); status != http.StatusBadRequest ||
		!strings.Contains(body, "bad_params") {
		t.Fatalf("bad date: %d %s", status, body)
	}
	// A participant may not plan sessions.
	if status, _, body = preview("eleve1", `{"start":"2026-12-18","end":"2027-01-29"}`); status != http.StatusForbidden {
		t.Fatalf("student: %d %s", status, body)
	}
	// Unsigned: refused like every block route.
	if a := e.call("POST", uri, "ac-a", "not-the-secret-0123456789", e.users[formateurUsername], "application/json", []byte(`{}`)); a.status != http.StatusUnauthorized {
		t.Fatalf("bad signature: %d %s", a.status, a.body)
	}
	// Read-only: no job was queued.
	if list := e.audits("api.workflow.create-sessions"); len(list) != 0 {
		t.Fatalf("a preview was recorded as create-sessions: %+v", list)
	}
	if jobs, err := e.app.Store.ListJobs(e.ctx, store.JobFilter{Kind: "workflow.create-sessions"}); err != nil || len(jobs) != 0 {
		t.Fatalf("a preview queued %d job(s)", len(jobs))
	}
}
