package domains_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/moodle"
)

// TestResolveNames: courses by id, shortname or idnumber (one name for two
// courses lists both), users by id, username or e-mail, categories by id,
// idnumber or path.
func TestResolveNames(t *testing.T) {
	ctx := context.Background()
	d, _ := simDomain(t, nil)
	cats, err := d.Client.CreateCategories(ctx, []moodle.CategoryInput{{Name: "Sessions", IDNumber: "SESS"}})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := d.Client.CreateCategories(ctx, []moodle.CategoryInput{{Name: "Circonscription Nord", Parent: cats[0].ID}})
	if err != nil {
		t.Fatal(err)
	}
	courses, err := d.Client.CreateCourses(ctx, []moodle.CourseInput{
		{FullName: "Kourou", ShortName: "KOUROU-CP", CategoryID: cats[0].ID, IDNumber: "K-1"},
		{FullName: "Other", ShortName: "OTHER", CategoryID: cats[0].ID, IDNumber: "KOUROU-CP-X"},
		{FullName: "Clash", ShortName: "CLASH", CategoryID: cats[0].ID, IDNumber: "K-2"},
		{FullName: "Clash 2", ShortName: "K-2", CategoryID: cats[0].ID},
	})
	if err != nil {
		t.Fatal(err)
	}
	for ref, want := range map[string]moodle.Int{"KOUROU-CP": courses[0].ID, "K-1": courses[0].ID, "KOUROU-CP-X": courses[1].ID} {
		if id, err := d.ResolveCourse(ctx, ref); err != nil || id != int64(want) {
			t.Errorf("course %q: %d, %v; want %d", ref, id, err, want)
		}
	}
	if _, err := d.ResolveCourse(ctx, "K-2"); err == nil || !strings.Contains(err.Error(), "names 2 courses") || !strings.Contains(err.Error(), "CLASH") {
		t.Errorf("ambiguous course: %v", err)
	}
	if _, err := d.ResolveCourse(ctx, "NOPE"); err == nil || !strings.Contains(err.Error(), `no course "NOPE" on ac-a`) {
		t.Errorf("unknown course: %v", err)
	}

	users, err := d.Client.CreateUsers(ctx, []moodle.UserInput{{Username: "marie.dupont", Password: "Secret-123!", FirstName: "Marie", LastName: "Dupont", Email: "marie@ac-a.fr"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"marie.dupont", "marie@ac-a.fr", strconv.FormatInt(int64(users[0].ID), 10)} {
		if id, err := d.ResolveUser(ctx, ref); err != nil || id != int64(users[0].ID) {
			t.Errorf("user %q: %d, %v", ref, id, err)
		}
	}
	if _, err := d.ResolveUser(ctx, "nobody"); err == nil || !strings.Contains(err.Error(), `no user "nobody"`) {
		t.Errorf("unknown user: %v", err)
	}

	for _, ref := range []string{"SESS", "Sessions", "sessions / circonscription nord", "Circonscription Nord"} {
		want := cats[0].ID
		if strings.Contains(strings.ToLower(ref), "nord") {
			want = sub[0].ID
		}
		if id, err := d.ResolveCategory(ctx, ref); err != nil || id != int64(want) {
			t.Errorf("category %q: %d, %v; want %d", ref, id, err, want)
		}
	}
	if _, err := d.ResolveCategory(ctx, "Nowhere"); err == nil {
		t.Error("unknown category resolved")
	}
}
