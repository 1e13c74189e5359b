package moodle

import "context"

// Enrolment is one row of enrol_manual_enrol_users. Enrolling again with the
// same role is a no-op; with another role the role is added.
type Enrolment struct {
	RoleID    Int   `json:"roleid"`
	UserID    Int   `json:"userid"`
	CourseID  Int   `json:"courseid"`
	TimeStart int64 `json:"timestart,omitempty"`
	TimeEnd   int64 `json:"timeend,omitempty"`
	Suspend   *int  `json:"suspend,omitempty"`
}

// Unenrolment is one row of enrol_manual_unenrol_users (RoleID optional).
type Unenrolment struct {
	UserID   Int `json:"userid"`
	CourseID Int `json:"courseid"`
	RoleID   Int `json:"roleid,omitempty"`
}

// RoleAssignment is one row of core_role_assign_roles: either ContextID, or
// ContextLevel ("course", "coursecat", "system", …) with InstanceID.
type RoleAssignment struct {
	RoleID       Int    `json:"roleid"`
	UserID       Int    `json:"userid"`
	ContextID    Int    `json:"contextid,omitempty"`
	ContextLevel string `json:"contextlevel,omitempty"`
	InstanceID   Int    `json:"instanceid,omitempty"`
}

// EnrolUsers enrols in one call, all or nothing. A "Message was not sent."
// error (IsMailFailure) means the enrolments were committed.
func (c *Client) EnrolUsers(ctx context.Context, rows []Enrolment) error {
	return c.Call(ctx, fnEnrolUsers, Params{"enrolments": rows}, nil)
}

// UnenrolUsers unenrols, chunked; unenrolling someone not enrolled is a no-op.
func (c *Client) UnenrolUsers(ctx context.Context, rows []Unenrolment) error {
	return forEachChunk(ctx, c, fnUnenrolUsers, "enrolments", rows, nil)
}

// AssignRoles assigns roles, chunked.
func (c *Client) AssignRoles(ctx context.Context, rows []RoleAssignment) error {
	return forEachChunk(ctx, c, fnAssignRoles, "assignments", rows, nil)
}

// EnrolledUsersOptions narrows core_enrol_get_enrolled_users.
type EnrolledUsersOptions struct {
	UserFields     []string // e.g. id, fullname, email, roles, idnumber, groups
	GroupID        Int
	OnlyActive     bool
	WithCapability string
	LimitFrom      int
	LimitNumber    int
}

func (o EnrolledUsersOptions) params() []NameValue {
	var opts []NameValue
	add := func(name, value string) { opts = append(opts, NameValue{Name: name, Value: value}) }
	if len(o.UserFields) > 0 {
		add("userfields", joinComma(o.UserFields))
	}
	if o.GroupID > 0 {
		add("groupid", itoa(int64(o.GroupID)))
	}
	if o.OnlyActive {
		add("onlyactive", "1")
	}
	if o.WithCapability != "" {
		add("withcapability", o.WithCapability)
	}
	if o.LimitNumber > 0 {
		add("limitfrom", itoa(int64(o.LimitFrom)))
		add("limitnumber", itoa(int64(o.LimitNumber)))
	}
	return opts
}

// GetEnrolledUsers lists a course's participants with their roles.
func (c *Client) GetEnrolledUsers(ctx context.Context, courseID Int, opts EnrolledUsersOptions) ([]User, error) {
	params := Params{"courseid": courseID}
	if o := opts.params(); len(o) > 0 {
		params["options"] = o
	}
	var out []User
	if err := c.Call(ctx, fnGetEnrolledUsers, params, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// UserCourse is one course of core_enrol_get_users_courses.
type UserCourse struct {
	ID               Int    `json:"id"`
	ShortName        string `json:"shortname"`
	FullName         string `json:"fullname"`
	IDNumber         string `json:"idnumber"`
	Visible          Bool   `json:"visible"`
	Category         Int    `json:"category"`
	EnableCompletion Bool   `json:"enablecompletion"`
	Progress         Float  `json:"progress"`
	Completed        Bool   `json:"completed"`
	StartDate        Int    `json:"startdate"`
	EndDate          Int    `json:"enddate"`
	LastAccess       Int    `json:"lastaccess"`
}

// GetUsersCourses lists the courses a user is enrolled in.
func (c *Client) GetUsersCourses(ctx context.Context, userID Int) ([]UserCourse, error) {
	var out []UserCourse
	if err := c.Call(ctx, fnGetUsersCourses, Params{"userid": userID}, &out); err != nil {
		return nil, err
	}
	return out, nil
}
