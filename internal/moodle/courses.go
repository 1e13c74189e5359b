package moodle

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// CourseInput is one course for core_course_create_courses. Pointer fields
// are optional settings whose zero value is meaningful.
type CourseInput struct {
	FullName            string      `json:"fullname"`
	ShortName           string      `json:"shortname"`
	CategoryID          Int         `json:"categoryid"`
	IDNumber            string      `json:"idnumber,omitempty"`
	Summary             string      `json:"summary,omitempty"`
	SummaryFormat       Int         `json:"summaryformat,omitempty"`
	Format              string      `json:"format,omitempty"`
	ShowGrades          *int        `json:"showgrades,omitempty"`
	NewsItems           *int        `json:"newsitems,omitempty"`
	StartDate           int64       `json:"startdate,omitempty"`
	EndDate             int64       `json:"enddate,omitempty"`
	MaxBytes            *int64      `json:"maxbytes,omitempty"`
	ShowReports         *int        `json:"showreports,omitempty"`
	Visible             *int        `json:"visible,omitempty"`
	GroupMode           *int        `json:"groupmode,omitempty"`
	GroupModeForce      *int        `json:"groupmodeforce,omitempty"`
	EnableCompletion    *int        `json:"enablecompletion,omitempty"`
	CompletionNotify    *int        `json:"completionnotify,omitempty"`
	Lang                string      `json:"lang,omitempty"`
	ForceTheme          string      `json:"forcetheme,omitempty"`
	CourseFormatOptions []NameValue `json:"courseformatoptions,omitempty"`
}

// CourseUpdate is one course for core_course_update_courses: only set fields change.
type CourseUpdate struct {
	ID                  Int         `json:"id"`
	FullName            string      `json:"fullname,omitempty"`
	ShortName           string      `json:"shortname,omitempty"`
	CategoryID          Int         `json:"categoryid,omitempty"`
	IDNumber            *string     `json:"idnumber,omitempty"`
	Summary             *string     `json:"summary,omitempty"`
	SummaryFormat       Int         `json:"summaryformat,omitempty"`
	Format              string      `json:"format,omitempty"`
	StartDate           *int64      `json:"startdate,omitempty"`
	EndDate             *int64      `json:"enddate,omitempty"`
	Visible             *int        `json:"visible,omitempty"`
	EnableCompletion    *int        `json:"enablecompletion,omitempty"`
	Lang                string      `json:"lang,omitempty"`
	CourseFormatOptions []NameValue `json:"courseformatoptions,omitempty"`
}

// CreatedCourse is one row of create_courses' answer.
type CreatedCourse struct {
	ID        Int    `json:"id"`
	ShortName string `json:"shortname"`
}

// FormatOption is a course format option as returned (value may be a number).
type FormatOption struct {
	Name  string `json:"name"`
	Value String `json:"value"`
}

// Course is a course as returned by get_courses_by_field, get_courses and
// search_courses (the last fills fewer fields).
type Course struct {
	ID                  Int            `json:"id"`
	FullName            string         `json:"fullname"`
	DisplayName         string         `json:"displayname"`
	ShortName           string         `json:"shortname"`
	CategoryID          Int            `json:"categoryid"`
	CategoryName        string         `json:"categoryname"`
	SortOrder           Int            `json:"sortorder"`
	Summary             string         `json:"summary"`
	SummaryFormat       Int            `json:"summaryformat"`
	IDNumber            string         `json:"idnumber"`
	Format              string         `json:"format"`
	ShowGrades          Bool           `json:"showgrades"`
	StartDate           Int            `json:"startdate"`
	EndDate             Int            `json:"enddate"`
	Visible             Bool           `json:"visible"`
	GroupMode           Int            `json:"groupmode"`
	EnableCompletion    Bool           `json:"enablecompletion"`
	Lang                string         `json:"lang"`
	TimeCreated         Int            `json:"timecreated"`
	TimeModified        Int            `json:"timemodified"`
	EnrollmentMethods   []string       `json:"enrollmentmethods"`
	CourseFormatOptions []FormatOption `json:"courseformatoptions"`
}

// CreateCourses creates courses in one call (all or nothing).
func (c *Client) CreateCourses(ctx context.Context, courses []CourseInput) ([]CreatedCourse, error) {
	var out []CreatedCourse
	if err := c.Call(ctx, fnCreateCourses, Params{"courses": courses}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateCourses updates courses; unknown ids come back as warnings.
func (c *Client) UpdateCourses(ctx context.Context, courses []CourseUpdate) (Warnings, error) {
	var out struct {
		Warnings Warnings `json:"warnings"`
	}
	err := c.Call(ctx, fnUpdateCourses, Params{"courses": courses}, &out)
	return out.Warnings, err
}

// DeleteCourses deletes courses; unknown or undeletable ids come back as warnings.
func (c *Client) DeleteCourses(ctx context.Context, ids []Int) (Warnings, error) {
	var out struct {
		Warnings Warnings `json:"warnings"`
	}
	err := c.Call(ctx, fnDeleteCourses, Params{"courseids": ids}, &out)
	return out.Warnings, err
}

// GetCoursesByField calls core_course_get_courses_by_field (field "" = all
// courses). On sites without it (before 3.2, per the probe) it falls back to
// core_course_get_courses and filters here.
func (c *Client) GetCoursesByField(ctx context.Context, field, value string) ([]Course, error) {
	if s := c.Strategy(); s != nil && s.CourseLookupFunction() == fnGetCourses {
		return c.coursesByFieldFallback(ctx, field, value)
	}
	// field=ids naming a deleted course fails the whole call on Moodle 4.5
	// (a PHP Error, "Attempt to assign property contextvalidated on null"),
	// and a course deleted by hand is exactly what callers look for:
	// core_course_get_courses leaves unknown ids out instead.
	if field == "ids" {
		return c.coursesByFieldFallback(ctx, field, value)
	}
	params := Params{}
	if field != "" {
		params["field"], params["value"] = field, value
	}
	var out struct {
		Courses  []Course `json:"courses"`
		Warnings Warnings `json:"warnings"`
	}
	if err := c.Call(ctx, fnGetCoursesByField, params, &out); err != nil {
		return nil, err
	}
	return out.Courses, nil
}

func (c *Client) coursesByFieldFallback(ctx context.Context, field, value string) ([]Course, error) {
	var ids []Int
	if field == "id" || field == "ids" {
		for _, s := range strings.Split(value, ",") {
			n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("moodle site %s: course lookup by %s: bad id %q", c.site.Name, field, s)
			}
			ids = append(ids, Int(n))
		}
	}
	all, err := c.GetCourses(ctx, ids)
	if err != nil {
		return nil, err
	}
	var out []Course
	for _, course := range all {
		if courseMatches(course, field, value) {
			out = append(out, course)
		}
	}
	return out, nil
}

func courseMatches(course Course, field, value string) bool {
	switch field {
	case "", "id", "ids":
		return true
	case "shortname":
		return course.ShortName == value
	case "idnumber":
		return course.IDNumber == value
	case "category":
		return strconv.FormatInt(int64(course.CategoryID), 10) == value
	}
	return false
}

// GetCourses calls core_course_get_courses (ids nil = every course).
func (c *Client) GetCourses(ctx context.Context, ids []Int) ([]Course, error) {
	params := Params{}
	if len(ids) > 0 {
		params["options"] = map[string]any{"ids": ids}
	}
	var out []Course
	if err := c.Call(ctx, fnGetCourses, params, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// FindCourse returns the course whose shortname (or, when shortname is
// empty, idnumber) matches, or nil.
func (c *Client) FindCourse(ctx context.Context, shortname, idnumber string) (*Course, error) {
	field, value := "shortname", shortname
	if shortname == "" {
		field, value = "idnumber", idnumber
	}
	if value == "" {
		return nil, fmt.Errorf("moodle site %s: find course: no shortname or idnumber", c.site.Name)
	}
	courses, err := c.GetCoursesByField(ctx, field, value)
	if err != nil {
		return nil, err
	}
	for i := range courses {
		if courseMatches(courses[i], field, value) {
			return &courses[i], nil
		}
	}
	return nil, nil
}

// SearchResult is core_course_search_courses' answer.
type SearchResult struct {
	Total    Int      `json:"total"`
	Courses  []Course `json:"courses"`
	Warnings Warnings `json:"warnings"`
}

// SearchCourses calls core_course_search_courses (criterianame "search", "modulelist", …).
func (c *Client) SearchCourses(ctx context.Context, criteriaName, criteriaValue string, page, perPage int) (*SearchResult, error) {
	params := Params{"criterianame": criteriaName, "criteriavalue": criteriaValue}
	if perPage > 0 {
		params["page"], params["perpage"] = page, perPage
	}
	var out SearchResult
	if err := c.Call(ctx, fnSearchCourses, params, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DuplicateInput is core_course_duplicate_course's arguments.
type DuplicateInput struct {
	CourseID   Int         `json:"courseid"`
	FullName   string      `json:"fullname"`
	ShortName  string      `json:"shortname"`
	CategoryID Int         `json:"categoryid"`
	Visible    *int        `json:"visible,omitempty"`
	Options    []NameValue `json:"options,omitempty"`
}

// DuplicateCourse copies a course synchronously and returns the copy.
func (c *Client) DuplicateCourse(ctx context.Context, in DuplicateInput) (*CreatedCourse, error) {
	var out CreatedCourse
	if err := c.Call(ctx, fnDuplicateCourse, paramsOf(in), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Section is one section of core_course_get_contents.
type Section struct {
	ID          Int      `json:"id"`
	Name        string   `json:"name"`
	Visible     Bool     `json:"visible"`
	Summary     string   `json:"summary"`
	Section     Int      `json:"section"`
	UserVisible Bool     `json:"uservisible"`
	Modules     []Module `json:"modules"`
}

// Module is one activity of a section.
type Module struct {
	ID             Int              `json:"id"`
	URL            string           `json:"url"`
	Name           string           `json:"name"`
	Instance       Int              `json:"instance"`
	ContextID      Int              `json:"contextid"`
	Visible        Bool             `json:"visible"`
	UserVisible    Bool             `json:"uservisible"`
	ModName        string           `json:"modname"`
	Completion     Int              `json:"completion"`
	CompletionData *CompletionData  `json:"completiondata"`
	Contents       []ModuleContents `json:"contents"`
}

// CompletionData is a module's completion state for the token's user.
type CompletionData struct {
	State         Int  `json:"state"`
	TimeCompleted Int  `json:"timecompleted"`
	OverrideBy    Int  `json:"overrideby"`
	HasCompletion Bool `json:"hascompletion"`
	IsAutomatic   Bool `json:"isautomatic"`
}

// ModuleContents is a file of a module.
type ModuleContents struct {
	Type         string `json:"type"`
	FileName     string `json:"filename"`
	FilePath     string `json:"filepath"`
	FileSize     Int    `json:"filesize"`
	FileURL      string `json:"fileurl"`
	TimeModified Int    `json:"timemodified"`
}

// GetContents lists a course's sections and activities.
func (c *Client) GetContents(ctx context.Context, courseID Int) ([]Section, error) {
	var out []Section
	if err := c.Call(ctx, fnGetContents, Params{"courseid": courseID}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// paramsOf turns a struct of top-level arguments into Params.
func paramsOf(v any) Params { return Params{"": v} }
