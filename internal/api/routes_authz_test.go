package api_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/magistere/bridge/internal/moodle"
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
