package workflow

import (
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/moodle"
)

// TestStartReminderTextListsTheCalendarWarnings: the formateur reads the
// calendar warnings in the start reminder; the end reminders stay short.
func TestStartReminderTextListsTheCalendarWarnings(t *testing.T) {
	c := moodle.Course{FullName: "Session", ShortName: "S-1"}
	ws := []Warning{{Code: "calendar_unknown", Date: "2028-09-04",
		FR: "calendrier scolaire inconnu pour le 04/09/2028 (zone A) : mettre à jour les données"}}
	text := reminderText(c, ReminderStart, ws)
	if !strings.Contains(text, "\nCalendrier : calendrier scolaire inconnu pour le 04/09/2028 (zone A) : mettre à jour les données") {
		t.Fatalf("start reminder: %q", text)
	}
	if text := reminderText(c, ReminderEnd7, ws); strings.Contains(text, "Calendrier") {
		t.Fatalf("end reminder: %q", text)
	}
	if text := reminderText(c, ReminderStart, nil); strings.Contains(text, "Calendrier") {
		t.Fatalf("start reminder without warnings: %q", text)
	}
}
