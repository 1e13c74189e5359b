package moodle

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/magistere/bridge/internal/failure"
)

// A create whose answer is lost (timeout, reset connection) may still have
// happened. The …Once helpers look the object up by its natural key when a
// create fails in a way that may hide a committed write, or that says the key
// is taken, and return the existing object instead of creating a second one.
// Retries remain the caller's: when the object is not found, the original
// error (with its verdict) is returned.

// CourseResult is a course created or found by its natural key.
type CourseResult struct {
	ID        Int
	ShortName string
	Existing  bool // found by shortname/idnumber, not created by this call
}

// CreateCourseOnce creates a course unless one with its shortname (or
// idnumber) already exists. Note that on shortnametaken it adopts whatever
// course holds the shortname: the shortname is the bridge's natural key.
func (c *Client) CreateCourseOnce(ctx context.Context, in CourseInput) (*CourseResult, error) {
	created, err := c.CreateCourses(ctx, []CourseInput{in})
	if err == nil {
		if len(created) != 1 {
			return nil, failure.Permanent(fmt.Errorf("moodle site %s: %s: %d courses in the answer, expected 1", c.site.Name, fnCreateCourses, len(created)))
		}
		return &CourseResult{ID: created[0].ID, ShortName: created[0].ShortName}, nil
	}
	if !mayExist(err, "shortnametaken", "courseidnumbertaken") {
		return nil, err
	}
	found, lerr := c.FindCourse(ctx, in.ShortName, "")
	if lerr == nil && found == nil && in.IDNumber != "" {
		found, lerr = c.FindCourse(ctx, "", in.IDNumber)
	}
	if lerr != nil {
		return nil, errors.Join(err, fmt.Errorf("natural-key lookup: %w", lerr))
	}
	if found == nil {
		return nil, err
	}
	return &CourseResult{ID: found.ID, ShortName: found.ShortName, Existing: true}, nil
}

// CategoryResult is a category created or found by its idnumber.
type CategoryResult struct {
	ID       Int
	Name     string
	Existing bool
}

// CreateCategoryOnce creates a category unless one with its idnumber exists.
// The idnumber is required: it is the only natural key of a category.
func (c *Client) CreateCategoryOnce(ctx context.Context, in CategoryInput) (*CategoryResult, error) {
	if in.IDNumber == "" {
		return nil, failure.Permanent(fmt.Errorf("moodle site %s: create category %q once: idnumber is required", c.site.Name, in.Name))
	}
	created, err := c.CreateCategories(ctx, []CategoryInput{in})
	if err == nil && len(created) == 1 {
		return &CategoryResult{ID: created[0].ID, Name: created[0].Name}, nil
	}
	if err == nil {
		return nil, failure.Permanent(fmt.Errorf("moodle site %s: %s: %d categories in the answer, expected 1", c.site.Name, fnCreateCategories, len(created)))
	}
	if !mayExist(err, "categoryidnumbertaken") {
		return nil, err
	}
	found, lerr := c.FindCategoryByIDNumber(ctx, in.IDNumber)
	if lerr != nil {
		return nil, errors.Join(err, fmt.Errorf("natural-key lookup: %w", lerr))
	}
	if found == nil {
		return nil, err
	}
	return &CategoryResult{ID: found.ID, Name: found.Name, Existing: true}, nil
}

// CreateUsersOnce creates the users that do not exist yet. It looks every
// username up first (one cheap call per few hundred names: a previous attempt
// may have committed rows whose answer was lost), creates only the missing
// ones in bisected chunks, and looks up again the rows that failed or were
// left untried. Rows found by username are OK and Existing. The error is the
// batch's stopping error when rows remain Pending.
func (c *Client) CreateUsersOnce(ctx context.Context, users []UserInput) (*BatchResult[CreatedUser], error) {
	res := &BatchResult[CreatedUser]{Rows: make([]RowOutcome[CreatedUser], len(users))}
	if err := c.adoptExisting(ctx, users, res); err != nil {
		return res, err
	}
	missing := res.Pending()
	if len(missing) == 0 {
		return res, nil
	}
	created, err := c.CreateUsersBatch(ctx, pick(users, missing))
	res.Calls += created.Calls
	res.MailFailure = created.MailFailure
	for k, i := range missing {
		res.Rows[i] = created.Rows[k]
	}
	if err == nil && len(created.Failed()) == 0 {
		return res, nil
	}
	if err != nil && !failure.IsRetryable(err) {
		return res, err // site-level (bad token…): a lookup would fail the same way
	}
	if lerr := c.adoptExisting(ctx, users, res); lerr != nil {
		return res, errors.Join(err, lerr)
	}
	if len(res.Pending()) == 0 {
		return res, nil
	}
	return res, err
}

// CreateUsersFree is CreateUsersOnce for users whose usernames were just
// found free (a plan's look-up): it skips the look-up before creating, and
// still adopts existing accounts for the rows that failed or were left
// untried (a lost answer may hide a committed create).
func (c *Client) CreateUsersFree(ctx context.Context, users []UserInput) (*BatchResult[CreatedUser], error) {
	created, err := c.CreateUsersBatch(ctx, users)
	if err == nil && len(created.Failed()) == 0 {
		return created, nil
	}
	if err != nil && !failure.IsRetryable(err) {
		return created, err
	}
	if lerr := c.adoptExisting(ctx, users, created); lerr != nil {
		return created, errors.Join(err, lerr)
	}
	if len(created.Pending()) == 0 {
		return created, nil
	}
	return created, err
}

// BulkPartSize is how many rows one round of a bulk call takes:
// BatchParallel chunks of MaxRowsPerChunk rows.
func (c *Client) BulkPartSize() int { return c.opts.MaxRowsPerChunk * c.opts.BatchParallel }

// ChunkRows is how many rows one bulk call takes at most (MaxRowsPerChunk;
// the input-vars budget may cut a call further).
func (c *Client) ChunkRows() int { return c.opts.MaxRowsPerChunk }

// BulkWindow is the client's adaptive bound on bulk calls in flight:
// starting at BatchParallel, at most Concurrency (the domain's
// concurrency). It lives as long as the client, so what one job learnt of
// the site serves the next.
func (c *Client) BulkWindow() *Window { return c.window }

// adoptExisting marks OK and Existing the not-OK rows whose username exists.
func (c *Client) adoptExisting(ctx context.Context, users []UserInput, res *BatchResult[CreatedUser]) error {
	var names []string
	for i, row := range res.Rows {
		if !row.OK {
			names = append(names, users[i].Username)
		}
	}
	if len(names) == 0 {
		return nil
	}
	lookup := c.GetUsersByField
	if c.LeanLookups(ctx) {
		lookup = c.FindUsers
	}
	found, err := lookup(ctx, "username", names)
	res.Calls += len(chunkBy(names, c.opts.MaxRowsPerChunk*5, c.valueBudget(1)))
	if err != nil {
		return fmt.Errorf("natural-key lookup: %w", err)
	}
	byName := make(map[string]User, len(found))
	for _, u := range found {
		byName[strings.ToLower(u.Username)] = u
	}
	for i := range res.Rows {
		u, ok := byName[strings.ToLower(users[i].Username)]
		if res.Rows[i].OK || !ok {
			continue
		}
		res.Rows[i] = RowOutcome[CreatedUser]{OK: true, Existing: true, Value: CreatedUser{ID: u.ID, Username: u.Username}}
	}
	return nil
}

// mayExist reports errors after which the object may exist: a lost answer
// (retryable) or the natural key reported taken.
func mayExist(err error, takenCodes ...string) bool {
	if failure.IsRetryable(err) {
		return true
	}
	for _, code := range takenCodes {
		if IsErrorCode(err, code) {
			return true
		}
	}
	return false
}
