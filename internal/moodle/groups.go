package moodle

import "context"

// GroupInput is one group for core_group_create_groups.
type GroupInput struct {
	CourseID          Int    `json:"courseid"`
	Name              string `json:"name"`
	Description       string `json:"description"`
	DescriptionFormat Int    `json:"descriptionformat,omitempty"`
	EnrolmentKey      string `json:"enrolmentkey,omitempty"`
	IDNumber          string `json:"idnumber,omitempty"`
}

// Group is a group as returned (enrolmentkey may be null: it decodes as "").
type Group struct {
	ID                Int    `json:"id"`
	CourseID          Int    `json:"courseid"`
	Name              string `json:"name"`
	Description       string `json:"description"`
	DescriptionFormat Int    `json:"descriptionformat"`
	EnrolmentKey      string `json:"enrolmentkey"`
	IDNumber          string `json:"idnumber"`
	Visibility        Int    `json:"visibility"`
	Participation     Bool   `json:"participation"`
}

// GroupMember is one row of core_group_add_group_members.
type GroupMember struct {
	GroupID Int `json:"groupid"`
	UserID  Int `json:"userid"`
}

// CreateGroups creates groups in one call (a duplicate name fails it).
func (c *Client) CreateGroups(ctx context.Context, groups []GroupInput) ([]Group, error) {
	var out []Group
	if err := c.Call(ctx, fnCreateGroups, Params{"groups": groups}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// GetCourseGroups lists a course's groups.
func (c *Client) GetCourseGroups(ctx context.Context, courseID Int) ([]Group, error) {
	var out []Group
	if err := c.Call(ctx, fnGetCourseGroups, Params{"courseid": courseID}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// AddGroupMembers adds members, chunked; adding a member again is a no-op,
// adding someone not enrolled fails with invalidparameter.
func (c *Client) AddGroupMembers(ctx context.Context, members []GroupMember) error {
	return forEachChunk(ctx, c, fnAddGroupMembers, "members", members, nil)
}
