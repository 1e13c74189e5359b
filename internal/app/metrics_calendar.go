package app

import (
	"github.com/magistere/bridge/internal/api"
	"github.com/magistere/bridge/internal/calendar"
)

// collectCalendarMetrics reports, per school-calendar zone, the last day
// the calendar data in use knows completely (0 for a zone it has no dates
// for), so an alert can fire months before planning checks go blind; and
// whether the data could be read at all.
func (a *App) collectCalendarMetrics(w *api.MetricsWriter) {
	data, err := calendar.Effective(a.Cfg.CalendarPath())
	ok := 0.0
	if err == nil {
		ok = 1
	}
	w.Sample("bridge_calendar_data_ok", "gauge", "1 when the school-calendar data (calendar_file or the embedded copy) is readable.", nil, ok)
	if err != nil {
		return
	}
	w.Sample("bridge_calendar_data_taken_date", "gauge", "Date the school-calendar data in use was taken, Unix seconds (midnight UTC).", nil, float64(data.Taken.Unix()))
	for _, zone := range data.Zones() {
		v := 0.0
		if last, ok := data.LastCovered(zone); ok {
			v = float64(last.Unix())
		}
		w.Sample("bridge_calendar_last_covered_date", "gauge", "Last day whose school holidays the calendar data knows, per zone, Unix seconds (midnight UTC); 0 when none.",
			map[string]string{"zone": zone}, v)
	}
}
