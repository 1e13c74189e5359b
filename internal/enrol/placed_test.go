package enrol

import (
	"fmt"
	"testing"
)

// A file split across sessions and run again with one more person keeps
// everyone already enrolled in their session: only the newcomer is placed,
// in the least filled session, and nobody is enrolled twice.
func TestSplitRerunKeepsPeopleInTheirSession(t *testing.T) {
	env := newSimEnv(t)
	env.addUsers(t, 0, 5)
	s2, s3 := env.newCourse(t, "SESSION-2"), env.newCourse(t, "SESSION-3")
	courses := []int64{env.course, s2, s3}
	row := func(i int) string { return fmt.Sprintf("NOM%d;Prénom;user%06d@ac-a.fr\n", i, i) }
	head := "Nom;Prénom;Courriel\n"
	four := head + row(1) + row(2) + row(3) + row(4)
	env.apply(t, env.plan(t, four, PlanOptions{CourseIDs: courses, MaxPerSession: 2}))
	// user000000 sorts first: a fresh cut would move everyone along.
	p := env.plan(t, four+row(0), PlanOptions{CourseIDs: courses, MaxPerSession: 2})
	got := map[string]string{}
	for _, e := range p.Entries {
		got[e.Email] = fmt.Sprintf("%s@%d", e.Status, e.CourseID)
	}
	want := map[string]string{
		"user000001@ac-a.fr": fmt.Sprintf("already_enrolled@%d", env.course),
		"user000002@ac-a.fr": fmt.Sprintf("already_enrolled@%d", env.course),
		"user000003@ac-a.fr": fmt.Sprintf("already_enrolled@%d", s2),
		"user000004@ac-a.fr": fmt.Sprintf("already_enrolled@%d", s2),
		"user000000@ac-a.fr": fmt.Sprintf("will_enrol@%d", s3),
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("plan of the file with a newcomer:\n got %v\nwant %v", got, want)
	}
}
