package moodle

import "context"

// local_bridge functions: backup/restore run asynchronously in Moodle
// (backup_controller / restore_controller); poll their status.

// Job statuses of local_bridge's asynchronous operations.
const (
	StatusPending = "pending"
	StatusRunning = "running"
	StatusDone    = "done"
	StatusFailed  = "failed"
)

// BackupStarted is local_bridge_backup_course's answer.
type BackupStarted struct {
	BackupID string `json:"backupid"`
	Status   string `json:"status"`
}

// BackupStatus is local_bridge_get_backup_status's answer; FileURL is a
// pluginfile URL to pass to Download.
type BackupStatus struct {
	Status      string `json:"status"`
	Progress    Float  `json:"progress"`
	FileName    string `json:"filename"`
	FileSize    Int    `json:"filesize"`
	ContentHash string `json:"contenthash"`
	FileURL     string `json:"fileurl"`
	Error       string `json:"error"`
}

// RestoreStarted is local_bridge_restore_course's answer.
type RestoreStarted struct {
	RestoreID string `json:"restoreid"`
	Status    string `json:"status"`
}

// RestoreStatus is local_bridge_get_restore_status's answer.
type RestoreStatus struct {
	Status   string `json:"status"`
	Progress Float  `json:"progress"`
	CourseID Int    `json:"courseid"`
	Error    string `json:"error"`
}

// RestoreInput is local_bridge_restore_course's arguments.
type RestoreInput struct {
	DraftItemID Int    `json:"draftitemid"`
	CategoryID  Int    `json:"categoryid"`
	FullName    string `json:"fullname"`
	ShortName   string `json:"shortname"`
}

// BackupCourse starts a course backup.
func (c *Client) BackupCourse(ctx context.Context, courseID Int) (*BackupStarted, error) {
	var out BackupStarted
	if err := c.Call(ctx, fnBackupCourse, Params{"courseid": courseID}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetBackupStatus polls a backup.
func (c *Client) GetBackupStatus(ctx context.Context, backupID string) (*BackupStatus, error) {
	var out BackupStatus
	if err := c.Call(ctx, fnBackupStatus, Params{"backupid": backupID}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RestoreCourse starts restoring an uploaded backup (a draft item) as a new course.
func (c *Client) RestoreCourse(ctx context.Context, in RestoreInput) (*RestoreStarted, error) {
	var out RestoreStarted
	if err := c.Call(ctx, fnRestoreCourse, paramsOf(in), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetRestoreStatus polls a restore.
func (c *Client) GetRestoreStatus(ctx context.Context, restoreID string) (*RestoreStatus, error) {
	var out RestoreStatus
	if err := c.Call(ctx, fnRestoreStatus, Params{"restoreid": restoreID}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// SelfEnrolment is local_bridge_enable_self_enrolment's answer.
type SelfEnrolment struct {
	InstanceID Int  `json:"instanceid"`
	Enabled    Bool `json:"enabled"`
}

// EnableSelfEnrolment turns a course's self enrolment on or off; password
// (an enrolment key, a secret) is optional and sent only when non-empty.
// roleID, when not 0, is the role self-enrolled users get (local_bridge
// 2025060200); 0 leaves the site's enrol_self default.
func (c *Client) EnableSelfEnrolment(ctx context.Context, courseID Int, enable bool, password string, roleID Int) (*SelfEnrolment, error) {
	params := Params{"courseid": courseID, "enable": enable}
	if password != "" {
		params["password"] = password
	}
	if roleID > 0 {
		params["roleid"] = roleID
	}
	var out SelfEnrolment
	if err := c.Call(ctx, fnEnableSelfEnrolment, params, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// FreezeContext freezes (read-only) or unfreezes a course's context.
func (c *Client) FreezeContext(ctx context.Context, courseID Int, freeze bool) (bool, error) {
	var out struct {
		Frozen Bool `json:"frozen"`
	}
	if err := c.Call(ctx, fnFreezeContext, Params{"courseid": courseID, "freeze": freeze}, &out); err != nil {
		return false, err
	}
	return bool(out.Frozen), nil
}

// MarkCourseComplete marks (or unmarks) another user's course completion,
// which core cannot do for anyone but the token's owner.
func (c *Client) MarkCourseComplete(ctx context.Context, courseID, userID Int, complete bool) (bool, error) {
	var out struct {
		Completed Bool `json:"completed"`
	}
	params := Params{"courseid": courseID, "userid": userID, "complete": complete}
	if err := c.Call(ctx, fnMarkCourseComplete, params, &out); err != nil {
		return false, err
	}
	return bool(out.Completed), nil
}
