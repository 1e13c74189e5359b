package workflow_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/calendar"
	"github.com/magistere/bridge/internal/domains"
	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/workflow"
)

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestDueRemindersRanges(t *testing.T) {
	start, end := day("2025-11-03"), day("2025-12-12")
	cases := map[string][]string{
		"2025-11-02": nil,
		"2025-11-03": {workflow.ReminderStart},
		"2025-11-09": {workflow.ReminderStart}, // missed days still send
		"2025-11-10": nil,
		"2025-12-12": {workflow.ReminderEnd0},
		"2025-12-18": {workflow.ReminderEnd0},
		"2025-12-19": {workflow.ReminderEnd7},
		"2025-12-26": {workflow.ReminderEnd14},
		"2026-01-02": {workflow.ReminderEnd21},
		"2026-01-09": nil,
	}
	for today, want := range cases {
		got := workflow.DueReminders(day(today), start, end)
		if len(got) != len(want) || (len(want) == 1 && got[0] != want[0]) {
			t.Errorf("%s: due %v, want %v", today, got, want)
		}
	}
	if got := workflow.DueReminders(day("2025-12-20"), start, time.Time{}); len(got) != 0 {
		t.Errorf("no end date: due %v", got)
	}
}

// TestRemindersExactlyOnce: each reminder goes out once, across runs on the
// same day, a skipped day, a job run, and two replicas racing.
func TestRemindersExactlyOnce(t *testing.T) {
	h := newHarness(t)
	h.bootstrap("ac-a")
	f := h.createUsers("ac-a", "f", 2)
	parcours := h.createCourse("ac-a", "PARC", h.category("ac-a", domains.CatParcours))
	j := h.mustSucceed(h.run(workflow.Request{Transition: workflow.CreateSessions, Domain: "ac-a", CourseID: parcours,
		Params: workflow.Params{Name: "S", Start: "2025-11-03", End: "2025-12-12", Formateurs: f}}))
	session := decode[workflow.SessionsResult](t, j.Result).Sessions[0].CourseID
	paris, _ := time.LoadLocation("Europe/Paris")
	at := func(d string) func() time.Time {
		return func() time.Time { t := day(d); return time.Date(t.Year(), t.Month(), t.Day(), 2, 15, 0, 0, paris) }
	}
	send := func(d string) []workflow.SentReport {
		t.Helper()
		h.svc.SetClock(at(d))
		got, err := h.svc.SendReminders(h.ctx, "ac-a")
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		return got
	}
	if got := send("2025-11-02"); len(got) != 0 {
		t.Fatalf("before the start: %+v", got)
	}
	got := send("2025-11-03")
	if len(got) != 1 || got[0].Kind != workflow.ReminderStart || got[0].CourseID != session || len(got[0].To) != 2 {
		t.Fatalf("start day: %+v", got)
	}
	if got := send("2025-11-03"); len(got) != 0 {
		t.Fatalf("second run the same day sent %+v", got)
	}
	// The scheduler missed the end day: the next day still sends end+0, once.
	if got := send("2025-12-13"); len(got) != 1 || got[0].Kind != workflow.ReminderEnd0 {
		t.Fatalf("day after the end: %+v", got)
	}
	if got := send("2025-12-14"); len(got) != 0 {
		t.Fatalf("end+0 sent twice: %+v", got)
	}
	// Through the job kind the scheduler enqueues.
	h.svc.SetClock(at("2025-12-20"))
	rj, _, err := h.q.Submit(h.ctx, jobs.Spec{Kind: workflow.KindReminders, Payload: workflow.RemindersPayload{Domain: "ac-a"}})
	if err != nil {
		t.Fatal(err)
	}
	if sent := decode[[]workflow.SentReport](t, h.mustSucceed(h.wait(rj.ID)).Result); len(sent) != 1 || sent[0].Kind != workflow.ReminderEnd7 {
		t.Fatalf("job sent %+v", sent)
	}
	// Two replicas on one store, same day: one sends end+14.
	other := workflow.New(h.st, h.fleet, h.q)
	other.SetClock(at("2025-12-27"))
	h.svc.SetClock(at("2025-12-27"))
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total int
	)
	for _, svc := range []*workflow.Service{h.svc, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := svc.SendReminders(h.ctx, "ac-a")
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += len(got)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if total != 1 {
		t.Fatalf("replicas sent end+14 %d times", total)
	}
	ledger, err := h.st.SentReminders(h.ctx, "ac-a")
	if err != nil || len(ledger) != 4 {
		t.Fatalf("ledger = %+v, %v", ledger, err)
	}
	if n := h.sim.Site("ac-a").CallCounts()["core_message_send_instant_messages"]; n != 4 {
		t.Fatalf("%d message calls, want 4", n)
	}
}

// TestRemindersCarryTheCalendarWarnings: a reminder runs the planning
// check of create-sessions on its session's dates. Dates beyond the school
// calendar the bridge knows give calendar_unknown (never silence); known
// dates give the holidays the session crosses and no calendar_unknown.
func TestRemindersCarryTheCalendarWarnings(t *testing.T) {
	h := newHarness(t)
	paris, _ := time.LoadLocation("Europe/Paris")
	send := func(dom, d string) []workflow.SentReport {
		t.Helper()
		h.svc.SetClock(func() time.Time { t := day(d); return time.Date(t.Year(), t.Month(), t.Day(), 2, 15, 0, 0, paris) })
		got, err := h.svc.SendReminders(h.ctx, dom)
		if err != nil {
			t.Fatalf("%s %s: %v", dom, d, err)
		}
		return got
	}
	plan := func(dom, start, end string) {
		t.Helper()
		h.bootstrap(dom)
		f := h.createUsers(dom, "f"+start, 1)
		parcours := h.createCourse(dom, "PARC"+start, h.category(dom, domains.CatParcours))
		h.mustSucceed(h.run(workflow.Request{Transition: workflow.CreateSessions, Domain: dom, CourseID: parcours,
			Params: workflow.Params{Name: "S", Start: start, End: end, Formateurs: f}}))
	}

	// Zone A's data ends with the school year 2027/2028 (2028-07-04).
	plan("ac-a", "2028-09-04", "2028-10-13")
	got := send("ac-a", "2028-09-04")
	if len(got) != 1 || got[0].Kind != workflow.ReminderStart {
		t.Fatalf("start reminder beyond the data: %+v", got)
	}
	const unknown = "calendrier scolaire inconnu pour le 04/09/2028 (zone A) : mettre à jour les données"
	if !hasWarning(got[0].Warnings, calendar.CodeCalendarUnknown) || got[0].Warnings[0].FR != unknown || got[0].Warnings[0].Date != "2028-09-04" {
		t.Fatalf("beyond the data: warnings %+v, want %q first", got[0].Warnings, unknown)
	}
	// The end reminders carry it too: the run never reports a session as
	// checked when it could not be.
	if got := send("ac-a", "2028-10-13"); len(got) != 1 || got[0].Kind != workflow.ReminderEnd0 || !hasWarning(got[0].Warnings, calendar.CodeCalendarUnknown) {
		t.Fatalf("end reminder beyond the data: %+v", got)
	}

	// Zone B, 2026/2027 (arrêté of the 2026-2027 calendar): Noël from
	// Saturday 19 December 2026 to Sunday 3 January 2027.
	plan("ac-b", "2026-12-14", "2027-01-29")
	got = send("ac-b", "2026-12-14")
	if len(got) != 1 || hasWarning(got[0].Warnings, calendar.CodeCalendarUnknown) || !hasWarning(got[0].Warnings, calendar.CodeCrossesSchoolHolidays) {
		t.Fatalf("known dates: %+v", got)
	}
	for _, w := range got[0].Warnings {
		if w.Code == calendar.CodeCrossesSchoolHolidays && (w.Date != "2026-12-19" || !strings.Contains(w.FR, "Vacances de Noël")) {
			t.Fatalf("Noël crossing %+v, want from 2026-12-19", w)
		}
	}
}
