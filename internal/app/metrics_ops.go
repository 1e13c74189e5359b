package app

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/magistere/bridge/internal/api"
)

// Metric names of the operations collector (see config/prometheus-alerts.yml).
const (
	metricCallDuration    = "bridge_moodle_call_duration_seconds"
	metricQueueDepth      = "bridge_queue_depth"
	metricQueueOldestDue  = "bridge_queue_oldest_due_seconds"
	metricScheduleLastOK  = "bridge_schedule_last_success_timestamp_seconds"
	metricScheduleEvery   = "bridge_schedule_interval_seconds"
	scheduleLookupMaxAge  = 30 * time.Second
	scheduleIntervalProbe = 3 // ticks averaged for a schedule's interval
)

// scheduleCache keeps the schedules' last successes between scrapes: a
// store query per schedule and domain at most every scheduleLookupMaxAge.
type scheduleCache struct {
	mu   sync.Mutex
	at   time.Time
	last map[[2]string]time.Time // (schedule, domain) -> last success
}

// operationsCollector reports web-service latency per domain and function,
// queue depth per kind and state, how late the queue is, and each
// schedule's last successful run and expected interval.
func (a *App) operationsCollector() api.Collector {
	cache := &scheduleCache{}
	return func(w *api.MetricsWriter) { a.collectOperations(w, cache) }
}

func (a *App) collectOperations(w *api.MetricsWriter, cache *scheduleCache) {
	for _, d := range a.Fleet.All() {
		lat := d.Client.Stats().Latency
		fns := make([]string, 0, len(lat))
		for fn := range lat {
			fns = append(fns, fn)
		}
		sort.Strings(fns)
		for _, fn := range fns {
			w.Histogram(metricCallDuration, "Web-service call durations by domain and function, in seconds (failed calls included).",
				map[string]string{"domain": d.Name(), "function": fn}, lat[fn])
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if depths, err := a.Store.QueueDepths(ctx); err == nil {
		for _, d := range depths {
			w.Sample(metricQueueDepth, "gauge", "Unfinished jobs by kind and state (queued includes jobs waiting for a retry).",
				map[string]string{"kind": d.Kind, "state": string(d.State)}, float64(d.N))
		}
	}
	now := time.Now()
	if oldest, err := a.Store.OldestDueQueued(ctx, now); err == nil {
		age := 0.0
		if !oldest.IsZero() {
			age = now.Sub(oldest).Seconds()
		}
		w.Sample(metricQueueOldestDue, "gauge", "How long the oldest due queued job has waited for a worker, in seconds (0 when none waits).", nil, age)
	}
	a.collectSchedules(ctx, w, now, cache)
}

func (a *App) collectSchedules(ctx context.Context, w *api.MetricsWriter, now time.Time, cache *scheduleCache) {
	parser := cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	cache.mu.Lock()
	defer cache.mu.Unlock()
	refresh := cache.last == nil || now.Sub(cache.at) >= scheduleLookupMaxAge
	if refresh {
		cache.last, cache.at = map[[2]string]time.Time{}, now
	}
	for _, s := range a.Cfg.Schedules {
		domains := []string{s.Domain}
		if s.Domain == "" {
			domains = nil
			for _, d := range a.Fleet.All() {
				domains = append(domains, d.Name())
			}
		}
		if sched, err := parser.Parse(s.Cron); err == nil {
			first := sched.Next(now)
			t := first
			for range scheduleIntervalProbe {
				t = sched.Next(t)
			}
			w.Sample(metricScheduleEvery, "gauge", "Expected time between two runs of the schedule, in seconds (from its cron spec).",
				map[string]string{"schedule": s.Name, "kind": s.Kind}, t.Sub(first).Seconds()/scheduleIntervalProbe)
		}
		for _, domain := range domains {
			key := [2]string{s.Name, domain}
			if refresh {
				last, err := a.Store.LastSucceeded(ctx, "cron:"+s.Name+":"+domain+":")
				if err != nil {
					continue
				}
				cache.last[key] = last
			}
			if last := cache.last[key]; !last.IsZero() {
				w.Sample(metricScheduleLastOK, "gauge", "Unix time the schedule's last job succeeded, per domain (absent until one did).",
					map[string]string{"schedule": s.Name, "kind": s.Kind, "domain": domain}, float64(last.Unix()))
			}
		}
	}
}
