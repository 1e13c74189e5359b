package moodle

import (
	"context"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/failure"
)

func TestParseRelease(t *testing.T) {
	cases := []struct {
		in                  string
		major, minor, patch int
		plus                bool
		build               string
	}{
		{"4.5.5+ (Build: 20250613)", 4, 5, 5, true, "20250613"},
		{"3.5.5+ (Build: 20190415)", 3, 5, 5, true, "20190415"},
		{"2.9", 2, 9, 0, false, ""},
		{"3.11.4 (Build: 20211108)", 3, 11, 4, false, "20211108"},
	}
	for _, tc := range cases {
		r, err := ParseRelease(tc.in)
		if err != nil || r.Major != tc.major || r.Minor != tc.minor || r.Patch != tc.patch || r.Plus != tc.plus || r.Build != tc.build {
			t.Errorf("%q: %+v %v", tc.in, r, err)
		}
	}
	if _, err := ParseRelease("unknown"); err == nil {
		t.Error("unparsable release accepted")
	}
	if r, _ := ParseRelease("3.2"); !r.AtLeast(3, 2) || r.AtLeast(3, 3) || !r.AtLeast(2, 9) {
		t.Error("AtLeast")
	}
}

func TestProbeRecordedSite(t *testing.T) {
	r := newReplayer(t)
	r.set(loadFile(t, "site_info.json")[0])
	c := newTestClient(t, r.srv.URL, nil, Options{})
	info, err := c.Probe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s := c.Strategy()
	if info.UserID != 2 || info.SiteName != "Bridge Test Moodle" || s.Release.Major != 4 || s.Release.Minor != 5 || len(info.Functions) != 36 {
		t.Errorf("info %+v release %+v", info, s.Release)
	}
	if !s.HasFunction(fnCreateUsers) || s.CourseLookupFunction() != fnGetCoursesByField {
		t.Error("strategy on 4.5")
	}
	// The recorded service lacks the override function and every plugin function.
	err = c.RequireFunctions(context.Background(), append([]string{fnCreateUsers}, PluginFunctions...)...)
	mf, ok := err.(*MissingFunctionsError)
	if !ok || len(mf.Missing) != len(PluginFunctions) || failure.IsRetryable(err) {
		t.Fatalf("missing functions: %v", err)
	}
	if !strings.Contains(err.Error(), "function local_bridge_backup_course is not in this token's service on site test") {
		t.Errorf("message: %v", err)
	}
}

// An old site without core_course_get_courses_by_field: the lookup falls
// back to core_course_get_courses and filters here.
func TestCourseLookupFallbackOnOldSite(t *testing.T) {
	f := newFakeMoodle(t)
	f.functions = []string{fnGetSiteInfo, fnGetCourses, fnCreateCourses}
	f.courses["OLD-1"], f.courses["OLD-2"] = 7, 8
	c := newTestClient(t, f.srv.URL, nil, Options{})
	if _, err := c.Probe(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c.Strategy().Release.Major != 3 || c.Strategy().CourseLookupFunction() != fnGetCourses {
		t.Fatalf("strategy %+v", c.Strategy().Release)
	}
	course, err := c.FindCourse(context.Background(), "OLD-2", "")
	if err != nil || course == nil || course.ID != 8 {
		t.Fatalf("found %+v %v", course, err)
	}
	if f.callCount(fnGetCoursesByField) != 0 || f.callCount(fnGetCourses) != 1 {
		t.Error("fallback not used")
	}
}
