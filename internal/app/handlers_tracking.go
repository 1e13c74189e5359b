package app

import (
	"context"
	"fmt"

	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/tracking"
)

// tracking.sync refreshes the progress snapshots of one domain's sessions
// (payload course_ids, or every session when empty). Schedule it in
// `schedules`, e.g. cron "*/30 * * * *", kind tracking.sync, a domain.
func init() {
	handlerSets = append(handlerSets, func(a *App) {
		svc := tracking.New(a.Store, a.Fleet)
		a.Registry.Register(tracking.KindSync, func(ctx context.Context, run *jobs.Run) (any, error) {
			return trackingSync(ctx, svc, run)
		})
	})
}

func trackingSync(ctx context.Context, svc *tracking.Service, run *jobs.Run) (any, error) {
	var p tracking.SyncPayload
	if err := run.Decode(&p); err != nil {
		return nil, err
	}
	if run.Domain() == "" {
		return nil, fmt.Errorf("tracking.sync: the job has no domain")
	}
	run.Progress(0, len(p.CourseIDs), "reading progress")
	snaps, err := svc.Sync(ctx, run.Domain(), p.CourseIDs)
	if err != nil {
		return nil, err
	}
	run.Progress(len(snaps), len(snaps), "snapshots stored")
	return map[string]int{"sessions": len(snaps)}, nil
}
