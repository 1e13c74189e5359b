package app

import (
	"context"
	"time"

	"github.com/magistere/bridge/internal/jobs"
	"github.com/magistere/bridge/internal/privacy"
)

// privacy.purge: what names people goes once privacy.retention_days have
// passed. Every process schedules it daily (privacy.purge_cron) without
// configuration: the schedule is keyed by its period, so replicas run it
// once.
func init() {
	handlerSets = append(handlerSets, func(a *App) { a.Registry.Register(privacy.KindPurge, a.privacyPurge) })
}

func (a *App) privacyPurge(ctx context.Context, run *jobs.Run) (any, error) {
	return privacy.Purge(ctx, a.Store, time.Now(), a.Cfg.Privacy.RetentionDays, false, "cron:"+privacy.KindPurge)
}

// addPrivacySchedule enqueues privacy.purge on privacy.purge_cron, for the
// whole store (no domain); a missed day is not caught up at start (the
// next day's purge covers it).
func (a *App) addPrivacySchedule() error {
	if a.Cfg.Privacy.RetentionDays <= 0 || a.Cfg.Privacy.PurgeCron == "" {
		return nil
	}
	return a.Sched.AddEntry(jobs.Entry{Spec: a.Cfg.Privacy.PurgeCron, Kind: privacy.KindPurge, KeyPrefix: "cron:privacy-purge", TicksOnly: true,
		Payload: func(time.Time) (any, error) { return map[string]string{}, nil }})
}
