package moodle

import (
	"context"
	"testing"

	"github.com/magistere/bridge/internal/failure"
)

// The server commits the course, then drops the connection: the create
// looks failed (retryable) but the lookup by shortname finds the course.
func TestCreateCourseOnceAfterLostAnswer(t *testing.T) {
	f := newFakeMoodle(t)
	c := newTestClient(t, f.srv.URL, nil, Options{})
	in := CourseInput{FullName: "Parcours", ShortName: "PARC-1", CategoryID: 3}
	ctx := context.Background()

	plain, err := c.CreateCourses(ctx, []CourseInput{{FullName: "x", ShortName: "PLAIN", CategoryID: 3}})
	if err != nil || len(plain) != 1 {
		t.Fatalf("setup: %v", err)
	}
	f.dropOnce[fnCreateCourses] = true
	got, err := c.CreateCourseOnce(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Existing || got.ShortName != "PARC-1" || got.ID != Int(f.courses["PARC-1"]) {
		t.Errorf("got %+v", got)
	}
	// A retry by the job queue: shortnametaken, adopted, still one course.
	again, err := c.CreateCourseOnce(ctx, in)
	if err != nil || again.ID != got.ID || !again.Existing {
		t.Fatalf("retry: %+v %v", again, err)
	}
	if len(f.courses) != 2 || f.callCount(fnCreateCourses) != 3 {
		t.Errorf("courses %d, create calls %d", len(f.courses), f.callCount(fnCreateCourses))
	}
}

func TestCreateCourseOnceNotFoundKeepsRetryableError(t *testing.T) {
	f := newFakeMoodle(t)
	f.failWith[fnCreateCourses] = "dmlwriteexception"
	c := newTestClient(t, f.srv.URL, nil, Options{})
	_, err := c.CreateCourseOnce(context.Background(), CourseInput{FullName: "x", ShortName: "NEW-1", CategoryID: 3})
	if !failure.IsRetryable(err) || !IsErrorCode(err, "dmlwriteexception") {
		t.Fatalf("want the retryable error, got %v", err)
	}
	if f.callCount(fnGetCoursesByField) != 1 {
		t.Error("a lookup by shortname must have been made")
	}
}

func TestCreateCategoryOnce(t *testing.T) {
	f := newFakeMoodle(t)
	f.dropOnce[fnCreateCategories] = true
	c := newTestClient(t, f.srv.URL, nil, Options{})
	got, err := c.CreateCategoryOnce(context.Background(), CategoryInput{Name: "Domaine", IDNumber: "DOM-1"})
	if err != nil || !got.Existing || got.ID != Int(f.categories["DOM-1"]) || len(f.categories) != 1 {
		t.Fatalf("got %+v, %v, categories %v", got, err, f.categories)
	}
	if _, err := c.CreateCategoryOnce(context.Background(), CategoryInput{Name: "No key"}); err == nil || failure.IsRetryable(err) {
		t.Fatalf("a category without idnumber must be refused permanently: %v", err)
	}
}

func TestCreateUsersOnceAfterLostAnswer(t *testing.T) {
	f := newFakeMoodle(t)
	f.dropOnce[fnCreateUsers] = true // the first chunk commits, then drops
	c := newTestClient(t, f.srv.URL, nil, Options{MaxRowsPerChunk: 50, BatchParallel: 1})
	users := makeUsers(120)
	ctx := context.Background()
	res, err := c.CreateUsersOnce(ctx, users)
	// The batch stopped after the first chunk: 50 found, 70 still pending.
	if !failure.IsRetryable(err) || len(res.Pending()) != 70 {
		t.Fatalf("first run: err %v, pending %d", err, len(res.Pending()))
	}
	if !res.Rows[0].Existing || !res.Rows[49].OK || res.Rows[0].Value.ID == 0 {
		t.Errorf("rows of the lost chunk: %+v", res.Rows[0])
	}
	// The retry creates the rest; rows already there come back Existing.
	res, err = c.CreateUsersOnce(ctx, users)
	if err != nil || res.Succeeded() != 120 || f.userCount("user") != 120 {
		t.Fatalf("retry: %v, ok %d, server %d", err, res.Succeeded(), f.userCount("user"))
	}
	existing := 0
	for _, r := range res.Rows {
		if r.Existing {
			existing++
		}
	}
	if existing != 50 || f.callCount(fnCreateUsers) != 1+2 {
		t.Errorf("existing %d, want 50; create calls %d, want 3", existing, f.callCount(fnCreateUsers))
	}
}
