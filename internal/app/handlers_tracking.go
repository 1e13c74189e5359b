package app

import "github.com/magistere/bridge/internal/tracking"

// The tracking job kinds (tracking.sync, tracking.certificates,
// tracking.attendance_mirror) are registered by their service: see
// tracking.Service.Register.
func init() {
	handlerSets = append(handlerSets, func(a *App) { a.Tracking.Register(a.Registry) })
}

// Kept for the callers of the previous version (the CLI's tracking sync
// and its tests): the names now live in package tracking.
const TrackingSyncChunk = tracking.SyncChunk

type (
	// TrackingSyncResult is a tracking.sync job's result.
	TrackingSyncResult = tracking.SyncResult
	// TrackingSyncCourse is one course's snapshot in TrackingSyncResult.
	TrackingSyncCourse = tracking.SyncCourse
)
