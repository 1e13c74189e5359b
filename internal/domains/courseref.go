package domains

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/magistere/bridge/internal/moodle"
)

// ResolveCourse finds a course the way an operator names it: its Moodle
// id, its shortname or its idnumber. A reference matching nothing is an
// error naming the domain and what was tried; one matching several
// courses (a shortname that is another course's idnumber) lists them.
func (d *Domain) ResolveCourse(ctx context.Context, ref string) (int64, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return 0, fmt.Errorf("no course given")
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil && id > 0 {
		return id, nil
	}
	found, err := d.coursesNamed(ctx, ref)
	if err != nil {
		return 0, err
	}
	switch len(found) {
	case 0:
		return 0, fmt.Errorf("no course %q on %s (looked for that id, shortname and idnumber); check the spelling, or `bridge workflow show` lists what the bridge knows", ref, d.Name())
	case 1:
		for id := range found {
			return id, nil
		}
	}
	var list []string
	for id, c := range found {
		list = append(list, fmt.Sprintf("%d (shortname %s, idnumber %s)", id, c.ShortName, dashIfEmpty(c.IDNumber)))
	}
	sort.Strings(list)
	return 0, fmt.Errorf("%q names %d courses on %s: %s; give the id", ref, len(found), d.Name(), strings.Join(list, ", "))
}

// coursesNamed finds the courses whose shortname or idnumber is exactly
// ref: from the site's database when db_dsn is set (one query), else (or
// when the database fails) through core_course_get_courses_by_field, once
// per field.
func (d *Domain) coursesNamed(ctx context.Context, ref string) (map[int64]moodle.Course, error) {
	found := map[int64]moodle.Course{}
	if db, err := d.Database(); err == nil && db != nil {
		if courses, err := db.CoursesByName(ctx, ref); err == nil {
			for _, c := range courses {
				if c.ShortName == ref || c.IDNumber == ref {
					found[int64(c.ID)] = c
				}
			}
			return found, nil
		}
	}
	for _, field := range []string{"shortname", "idnumber"} {
		courses, err := d.Client.GetCoursesByField(ctx, field, ref)
		if err != nil {
			return nil, fmt.Errorf("looking up course %q on %s: %w", ref, d.Name(), err)
		}
		for _, c := range courses {
			if (field == "shortname" && c.ShortName == ref) || (field == "idnumber" && c.IDNumber == ref) {
				found[int64(c.ID)] = c
			}
		}
	}
	return found, nil
}

// ResolveUser finds an account by Moodle id, username or e-mail address.
// An address shared by several accounts lists them.
func (d *Domain) ResolveUser(ctx context.Context, ref string) (int64, error) {
	ref = strings.TrimSpace(ref)
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil && id > 0 {
		return id, nil
	}
	if ref == "" {
		return 0, fmt.Errorf("no user given")
	}
	field := "username"
	if strings.Contains(ref, "@") {
		field = "email"
	}
	users, err := d.Client.GetUsersByField(ctx, field, []string{ref})
	if err != nil {
		return 0, fmt.Errorf("looking up user %q on %s: %w", ref, d.Name(), err)
	}
	switch len(users) {
	case 0:
		return 0, fmt.Errorf("no user %q on %s (looked for that id, username and e-mail); check the spelling", ref, d.Name())
	case 1:
		return int64(users[0].ID), nil
	}
	var list []string
	for _, u := range users {
		list = append(list, fmt.Sprintf("%d (%s, %s)", u.ID, u.Username, u.FullName))
	}
	return 0, fmt.Errorf("%q names %d accounts on %s: %s; give the id", ref, len(users), d.Name(), strings.Join(list, ", "))
}

// ResolveCategory finds a category by id, idnumber or path of names
// ("Sessions / Circonscription Nord", case and spaces around "/" ignored).
func (d *Domain) ResolveCategory(ctx context.Context, ref string) (int64, error) {
	ref = strings.TrimSpace(ref)
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil && id > 0 {
		return id, nil
	}
	if ref == "" {
		return 0, fmt.Errorf("no category given")
	}
	cats, err := d.Client.GetCategories(ctx, nil, true)
	if err != nil {
		return 0, fmt.Errorf("looking up category %q on %s: %w", ref, d.Name(), err)
	}
	byID := map[int64]moodle.Category{}
	for _, c := range cats {
		byID[int64(c.ID)] = c
	}
	pathOf := func(c moodle.Category) string {
		var names []string
		for seen := 0; seen < 100; seen++ {
			names = append([]string{strings.ToLower(strings.TrimSpace(c.Name))}, names...)
			p, ok := byID[int64(c.Parent)]
			if c.Parent == 0 || !ok {
				break
			}
			c = p
		}
		return strings.Join(names, "/")
	}
	var want []string
	for _, part := range strings.Split(ref, "/") {
		want = append(want, strings.ToLower(strings.TrimSpace(part)))
	}
	wantPath := strings.Join(want, "/")
	var matches []moodle.Category
	for _, c := range cats {
		if p := pathOf(c); c.IDNumber == ref || p == wantPath || strings.HasSuffix(p, "/"+wantPath) {
			matches = append(matches, c)
		}
	}
	switch len(matches) {
	case 0:
		return 0, fmt.Errorf("no category %q on %s (looked for that id, idnumber and path like \"Parent / Child\")", ref, d.Name())
	case 1:
		return int64(matches[0].ID), nil
	}
	var list []string
	for _, c := range matches {
		list = append(list, fmt.Sprintf("%d (%s)", c.ID, pathOf(c)))
	}
	return 0, fmt.Errorf("%q names %d categories on %s: %s; give the id", ref, len(matches), d.Name(), strings.Join(list, ", "))
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
