package workflow_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/calendar"
	"github.com/magistere/bridge/internal/config"
	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/store"
	"github.com/magistere/bridge/internal/workflow"
)

// TestCreateSessionsNeverSwallowsTheCalendar: create-sessions checks the
// calendar before copying anything. A calendar it cannot read refuses the
// job (no session, the reason in the job's error) instead of succeeding
// with "warnings": null; a readable one gives the virtual-class warnings,
// and an empty list is [] not null.
func TestCreateSessionsNeverSwallowsTheCalendar(t *testing.T) {
	calFile := filepath.Join(t.TempDir(), "calendar.csv")
	h := newHarnessWith(t, func(c *config.Config) { c.CalendarFile = calFile })
	const dom = "ac-b"
	h.bootstrap(dom)
	gabarit := h.createCourse(dom, "GABCAL", h.category(dom, domains.CatGabarit))
	j := h.mustSucceed(h.run(workflow.Request{Transition: workflow.CreateParcours, Domain: dom, CourseID: gabarit,
		Params: workflow.Params{Name: "Parcours calendrier", ShortName: "PCAL"}}))
	parcours := decode[workflow.Copied](t, j.Result).CourseID
	courses := h.sim.Site(dom).Counts().Courses

	// The file is damaged after the bridge started: refused, nothing made.
	if err := os.WriteFile(calFile, []byte("not a calendar\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	params := workflow.Params{Name: "Sessions", Start: "2026-12-14", End: "2027-01-29", VirtualClasses: []string{"15/12/2026 19:30"}}
	j = h.run(workflow.Request{Transition: workflow.CreateSessions, Domain: dom, CourseID: parcours, Params: params})
	if j.State != store.JobFailed || !strings.Contains(j.LastError, "calendar_error") || !strings.Contains(j.LastError, "calendar_file") {
		t.Fatalf("damaged calendar: job %s, error %q", j.State, j.LastError)
	}
	if got := h.sim.Site(dom).Counts().Courses; got != courses {
		t.Fatalf("a refused create-sessions made %d course(s)", got-courses)
	}

	// Repaired (removed: the embedded copy): the same request succeeds with
	// the Noël crossing and the evening virtual class.
	os.Remove(calFile)
	params.ShortnamePattern = "PCAL-B{n}"
	j = h.mustSucceed(h.run(workflow.Request{Transition: workflow.CreateSessions, Domain: dom, CourseID: parcours, Params: params}))
	res := decode[workflow.SessionsResult](t, j.Result)
	if !hasWarning(res.Warnings, calendar.CodeCrossesSchoolHolidays) || !hasWarning(res.Warnings, calendar.CodeVirtualOutsideHours) ||
		hasWarning(res.Warnings, calendar.CodeCalendarUnknown) {
		t.Fatalf("warnings = %+v", res.Warnings)
	}

	// A plan without warnings reports an empty list, not null.
	quiet := workflow.Params{Name: "Calme", Start: "2027-01-11", End: "2027-01-29", ShortnamePattern: "PCAL-Q{n}", VirtualClasses: []string{"12/01/2027 14:00"}}
	j = h.mustSucceed(h.run(workflow.Request{Transition: workflow.CreateSessions, Domain: dom, CourseID: parcours, Params: quiet}))
	if !strings.Contains(string(j.Result), `"warnings":[]`) {
		t.Fatalf("result %s, want an empty warnings list", j.Result)
	}

	// A malformed slot is an error of the request, not a silent skip.
	if _, err := h.svc.CalendarWarnings(dom, workflow.Params{Start: "2027-01-11", End: "2027-01-29", VirtualClasses: []string{"demain 9h"}}); err == nil ||
		!strings.Contains(err.Error(), `"demain 9h"`) {
		t.Fatalf("bad slot: %v", err)
	}
}
