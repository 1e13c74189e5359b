package moodle

import (
	"context"
)

// UserInput is one user for core_user_create_users. Password is a secret:
// it is sent, never logged. SSO accounts (auth shibboleth/cas) need none and
// are about five times cheaper to create.
type UserInput struct {
	Username       string      `json:"username"`
	Password       string      `json:"password,omitempty"`
	CreatePassword Int         `json:"createpassword,omitempty"`
	FirstName      string      `json:"firstname"`
	LastName       string      `json:"lastname"`
	Email          string      `json:"email"`
	Auth           string      `json:"auth,omitempty"`
	IDNumber       string      `json:"idnumber,omitempty"`
	Lang           string      `json:"lang,omitempty"`
	Timezone       string      `json:"timezone,omitempty"`
	City           string      `json:"city,omitempty"`
	Country        string      `json:"country,omitempty"`
	Institution    string      `json:"institution,omitempty"`
	Department     string      `json:"department,omitempty"`
	Preferences    []TypeValue `json:"preferences,omitempty"`
	CustomFields   []TypeValue `json:"customfields,omitempty"`
	MailFormat     *int        `json:"mailformat,omitempty"`
	Description    string      `json:"description,omitempty"`
}

// TypeValue is the {type, value} pair of user preferences and custom fields.
type TypeValue struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// UserUpdate is one user for core_user_update_users: only set fields change.
type UserUpdate struct {
	ID          Int         `json:"id"`
	Username    string      `json:"username,omitempty"`
	Password    string      `json:"password,omitempty"`
	FirstName   string      `json:"firstname,omitempty"`
	LastName    string      `json:"lastname,omitempty"`
	Email       string      `json:"email,omitempty"`
	Auth        string      `json:"auth,omitempty"`
	Suspended   *int        `json:"suspended,omitempty"`
	IDNumber    *string     `json:"idnumber,omitempty"`
	City        string      `json:"city,omitempty"`
	Country     string      `json:"country,omitempty"`
	Department  *string     `json:"department,omitempty"`
	Preferences []TypeValue `json:"preferences,omitempty"`
}

// CreatedUser is one row of create_users' answer.
type CreatedUser struct {
	ID       Int    `json:"id"`
	Username string `json:"username"`
}

// User is a user as returned by get_users_by_field, get_users and
// get_enrolled_users (the last adds roles and groups).
type User struct {
	ID          Int     `json:"id"`
	Username    string  `json:"username"`
	FirstName   string  `json:"firstname"`
	LastName    string  `json:"lastname"`
	FullName    string  `json:"fullname"`
	Email       string  `json:"email"`
	Department  string  `json:"department"`
	IDNumber    string  `json:"idnumber"`
	FirstAccess Int     `json:"firstaccess"`
	LastAccess  Int     `json:"lastaccess"`
	Auth        string  `json:"auth"`
	Suspended   Bool    `json:"suspended"`
	Confirmed   Bool    `json:"confirmed"`
	Lang        string  `json:"lang"`
	City        string  `json:"city"`
	Country     string  `json:"country"`
	Roles       []Role  `json:"roles"`
	Groups      []Group `json:"groups"`
	// LastCourseAccess is filled by get_enrolled_users only.
	LastCourseAccess Int `json:"lastcourseaccess"`
}

// Role is a role of an enrolled user; Name is "" for standard roles, so use ShortName.
type Role struct {
	RoleID    Int    `json:"roleid"`
	Name      string `json:"name"`
	ShortName string `json:"shortname"`
	SortOrder Int    `json:"sortorder"`
}

// CreateUsers creates users in one call: all or nothing (one bad row fails
// the call). For many rows use CreateUsersBatch or CreateUsersOnce.
func (c *Client) CreateUsers(ctx context.Context, users []UserInput) ([]CreatedUser, error) {
	var out []CreatedUser
	if err := c.Call(ctx, fnCreateUsers, Params{"users": users}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateUsers updates users; problems come back as warnings.
func (c *Client) UpdateUsers(ctx context.Context, users []UserUpdate) (Warnings, error) {
	var out struct {
		Warnings Warnings `json:"warnings"`
	}
	err := c.Call(ctx, fnUpdateUsers, Params{"users": users}, &out)
	return out.Warnings, err
}

// GetUsersByField looks users up by id, idnumber, username or email;
// unknown values are simply absent from the answer. Values are chunked
// under the input-vars budget.
func (c *Client) GetUsersByField(ctx context.Context, field string, values []string) ([]User, error) {
	var all []User
	for _, chunk := range chunkBy(values, c.opts.MaxRowsPerChunk*5, c.valueBudget(1)) {
		var out []User
		if err := c.Call(ctx, fnGetUsersByField, Params{"field": field, "values": chunk}, &out); err != nil {
			return nil, err
		}
		all = append(all, out...)
	}
	return all, nil
}

// GetUsers searches users matching all criteria ({key, value}, e.g. email).
func (c *Client) GetUsers(ctx context.Context, criteria []KeyValue) ([]User, Warnings, error) {
	var out struct {
		Users    []User   `json:"users"`
		Warnings Warnings `json:"warnings"`
	}
	if err := c.Call(ctx, fnGetUsers, Params{"criteria": criteria}, &out); err != nil {
		return nil, nil, err
	}
	return out.Users, out.Warnings, nil
}
