package moodle

import (
	"context"
	"fmt"

	"github.com/magistere/bridge/internal/failure"
)

// local_bridge_create_enrol_users: a chunk of people's missing accounts
// created (user_create_user) and everyone enrolled (the manual plugin's
// enrol_user) in one call, with core's checks. Core's
// core_user_create_users checks each new e-mail with LOWER(email) =
// LOWER(:email), a scan of the user table per account: on a real Moodle
// 4.5, a chunk of 100 took 1.1 s on a fresh site and 5.2 s once it held
// 20,000 accounts. The plugin checks a chunk's e-mails with one indexed
// query, refuses bad rows one by one instead of failing the call, and is
// idempotent by username: a chunk sent again (its answer lost) creates
// and enrols nothing twice.

// BulkPerson is one row of local_bridge_create_enrol_users.
type BulkPerson struct {
	Username       string `json:"username"`
	FirstName      string `json:"firstname"`
	LastName       string `json:"lastname"`
	Email          string `json:"email"`
	Auth           string `json:"auth,omitempty"`
	IDNumber       string `json:"idnumber,omitempty"`
	Institution    string `json:"institution,omitempty"`
	Department     string `json:"department,omitempty"`
	Lang           string `json:"lang,omitempty"`
	CreatePassword Int    `json:"createpassword,omitempty"` // 1: Moodle generates a password and mails it, as core does
	TimeStart      int64  `json:"timestart,omitempty"`
	TimeEnd        int64  `json:"timeend,omitempty"`
}

// BulkRow is the answer for one person, in the order sent.
type BulkRow struct {
	Index    Int    `json:"index"`
	UserID   Int    `json:"userid"`   // the account, created or found; 0 when refused
	Created  Bool   `json:"created"`  // this call created the account
	Enrolled Bool   `json:"enrolled"` // this call enrolled (false: refused, or enrolled already)
	Refusal  string `json:"refusal"`  // why the row was refused; "" when it was not
	Message  string `json:"message"`  // Moodle's words for the refusal
}

// Refused reports whether the plugin refused the row.
func (r BulkRow) Refused() bool { return r.Refusal != "" }

// RefusalError is the refusal as the error core's functions give, for
// reports; nil when the row was not refused.
func (r BulkRow) RefusalError(site string) error {
	if !r.Refused() {
		return nil
	}
	return &Error{Site: site, Function: FnCreateEnrolUsers, ErrorCode: r.Refusal, Message: r.Message}
}

// HasBulkEnrol reports whether the site's token offers
// local_bridge_create_enrol_users, as far as known (after a Probe).
func (c *Client) HasBulkEnrol() bool {
	s := c.Strategy()
	return s != nil && s.HasFunction(FnCreateEnrolUsers)
}

// BulkEnrol is HasBulkEnrol, probing the site first when it was not
// probed yet. A failed probe answers false: the core path then fails the
// same way, with its own error.
func (c *Client) BulkEnrol(ctx context.Context) bool {
	if c.Strategy() == nil {
		if _, err := c.Probe(ctx); err != nil {
			return false
		}
	}
	return c.HasBulkEnrol()
}

// CreateEnrolUsers calls local_bridge_create_enrol_users for people to
// enrol into courseID with roleID, chunked under the input-vars budget.
// The answer has one row per person, in order. The error is a whole
// call's (a course, role or capability problem, or the site); rows of
// the chunks answered before it keep their answer, the others are zero
// (Index -1).
func (c *Client) CreateEnrolUsers(ctx context.Context, courseID, roleID Int, people []BulkPerson) ([]BulkRow, error) {
	out := make([]BulkRow, len(people))
	for i := range out {
		out[i].Index = -1
	}
	chunks, err := chunkRows(c, "users", people, Params{"courseid": courseID, "roleid": roleID})
	if err != nil {
		return out, err
	}
	for _, idx := range chunks {
		var rows []BulkRow
		params := Params{"courseid": courseID, "roleid": roleID, "users": pick(people, idx)}
		if err := c.Call(ctx, FnCreateEnrolUsers, params, &rows); err != nil {
			return out, err
		}
		if len(rows) != len(idx) {
			return out, failure.Permanent(fmt.Errorf("moodle site %s: %s: %d rows in the answer for %d people",
				c.site.Name, FnCreateEnrolUsers, len(rows), len(idx)))
		}
		for _, r := range rows {
			k := int(r.Index)
			if k < 0 || k >= len(idx) {
				return out, failure.Permanent(fmt.Errorf("moodle site %s: %s: row index %d out of range (%d people)",
					c.site.Name, FnCreateEnrolUsers, k, len(idx)))
			}
			r.Index = Int(idx[k])
			out[idx[k]] = r
		}
	}
	return out, nil
}

// IsRowLevel reports a permanent Moodle error that rows of the call
// caused (invalidparameter, invaliduser…), as opposed to a retryable,
// site-level or transport error: core's batch helpers isolate such rows
// by bisection.
func IsRowLevel(err error) bool { return rowLevel(err) }
