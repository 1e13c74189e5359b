package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magistere/bridge/internal/api"
	"github.com/magistere/bridge/internal/config"
)

func TestCalendarMetrics(t *testing.T) {
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	a := &App{Cfg: &cfg}
	w := &api.MetricsWriter{}
	a.collectCalendarMetrics(w)
	out := w.String()
	for _, want := range []string{
		"bridge_calendar_data_ok 1",
		`bridge_calendar_last_covered_date{zone="A"} 1846281600`,       // 2028-07-04
		`bridge_calendar_last_covered_date{zone="reunion"} 1814486400`, // 2027-07-02
		`bridge_calendar_last_covered_date{zone="guyane"} 0`,
		"# TYPE bridge_calendar_last_covered_date gauge",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %q:\n%s", want, out)
		}
	}
	// A damaged calendar_file is visible, not a silent embedded fallback.
	os.WriteFile(filepath.Join(cfg.DataDir, "calendar.csv"), []byte("garbage\n"), 0o644)
	w = &api.MetricsWriter{}
	a.collectCalendarMetrics(w)
	if out := w.String(); !strings.Contains(out, "bridge_calendar_data_ok 0") || strings.Contains(out, "last_covered") {
		t.Errorf("damaged file:\n%s", out)
	}
}
