package moodle

import "context"

// CourseCompletion is core_completion_get_course_completion_status's answer.
type CourseCompletion struct {
	Completed   Bool                 `json:"completed"`
	Aggregation Int                  `json:"aggregation"`
	Completions []CriteriaCompletion `json:"completions"`
}

// CriteriaCompletion is the state of one completion criterion.
type CriteriaCompletion struct {
	Type          Int    `json:"type"`
	Title         string `json:"title"`
	Status        string `json:"status"`
	Complete      Bool   `json:"complete"`
	TimeCompleted Int    `json:"timecompleted"`
}

// GetCourseCompletionStatus reads a user's course completion. Errors to
// expect: notenroled, nocriteriaset, cannotviewreport (completion disabled).
func (c *Client) GetCourseCompletionStatus(ctx context.Context, courseID, userID Int) (*CourseCompletion, Warnings, error) {
	var out struct {
		CompletionStatus CourseCompletion `json:"completionstatus"`
		Warnings         Warnings         `json:"warnings"`
	}
	if err := c.Call(ctx, fnCourseCompletionStatus, Params{"courseid": courseID, "userid": userID}, &out); err != nil {
		return nil, nil, err
	}
	return &out.CompletionStatus, out.Warnings, nil
}

// ActivityCompletion is one activity's completion state for a user.
type ActivityCompletion struct {
	CMID              Int    `json:"cmid"`
	ModName           string `json:"modname"`
	Instance          Int    `json:"instance"`
	State             Int    `json:"state"`
	TimeCompleted     Int    `json:"timecompleted"`
	Tracking          Int    `json:"tracking"`
	OverrideBy        Int    `json:"overrideby"`
	HasCompletion     Bool   `json:"hascompletion"`
	IsAutomatic       Bool   `json:"isautomatic"`
	IsTrackedUser     Bool   `json:"istrackeduser"`
	UserVisible       Bool   `json:"uservisible"`
	IsOverallComplete Bool   `json:"isoverallcomplete"`
}

// GetActivitiesCompletionStatus reads a user's activity completion states.
func (c *Client) GetActivitiesCompletionStatus(ctx context.Context, courseID, userID Int) ([]ActivityCompletion, Warnings, error) {
	var out struct {
		Statuses []ActivityCompletion `json:"statuses"`
		Warnings Warnings             `json:"warnings"`
	}
	if err := c.Call(ctx, fnActivitiesCompletion, Params{"courseid": courseID, "userid": userID}, &out); err != nil {
		return nil, nil, err
	}
	return out.Statuses, out.Warnings, nil
}

// OverrideActivityCompletion sets another user's activity completion (3.4+);
// newState is 0 (incomplete) or 1 (complete).
func (c *Client) OverrideActivityCompletion(ctx context.Context, userID, cmID Int, newState int) (*ActivityCompletion, error) {
	var out ActivityCompletion
	err := c.Call(ctx, fnOverrideActivityComplete, Params{"userid": userID, "cmid": cmID, "newstate": newState}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}
