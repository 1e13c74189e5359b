package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRelativePathsFollowTheFile: data_dir and the other paths are read
// relative to the file's folder, whatever the current directory.
func TestRelativePathsFollowTheFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "bridge.yaml")
	yaml := "data_dir: data\ncalendar_file: cal/calendar.csv\ngaia:\n  drop_dir: drop\n" +
		"domains:\n  - name: ac-a\n    wwwroot: https://a.example\n    token: t\n    zone: A\n    gaia:\n      drop_dir: /abs/drop\n"
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(p, nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	for key, got := range map[string]string{
		"data_dir": cfg.DataDir, "calendar_file": cfg.CalendarFile, "gaia.drop_dir": cfg.Gaia.DropDir,
	} {
		if !filepath.IsAbs(got) || filepath.Dir(got) != dir && filepath.Dir(filepath.Dir(got)) != dir {
			t.Errorf("%s = %q, want it under %s", key, got, dir)
		}
	}
	if cfg.Domains[0].Gaia.DropDir != "/abs/drop" {
		t.Errorf("an absolute path changed: %q", cfg.Domains[0].Gaia.DropDir)
	}
	// Without a file, defaults stay relative (to the current directory).
	if cfg, err := Load("", nil); err != nil || cfg.DataDir != "data" {
		t.Errorf("no file: data_dir %q, %v", cfg.DataDir, err)
	}
}

// TestOldKeyNames: clock_skew_seconds and rate_per_minute are still read
// (and said to be old); the new names win when both are given.
func TestOldKeyNames(t *testing.T) {
	dir := t.TempDir()
	write := func(yaml string) *Config {
		p := filepath.Join(dir, "b.yaml")
		if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(p, nil)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		return cfg
	}
	cfg := write("api:\n  clock_skew_seconds: 30\n  rate_per_minute: 120\n")
	if cfg.API.ClockSkew != 30*time.Second || cfg.API.ClockSkewSec != 30 || cfg.API.RatePerSecond != 2 || cfg.API.RatePerMin != 120 {
		t.Errorf("old names: %+v", cfg.API)
	}
	if len(cfg.Deprecated) != 2 {
		t.Errorf("deprecation lines: %q", cfg.Deprecated)
	}
	cfg = write("api:\n  clock_skew: 45s\n  rate_per_second: 0.5\n")
	if cfg.API.ClockSkewSec != 45 || cfg.API.RatePerMin != 30 || len(cfg.Deprecated) != 0 {
		t.Errorf("new names: %+v %q", cfg.API, cfg.Deprecated)
	}
	cfg = write("api:\n  clock_skew: 1m\n  clock_skew_seconds: 30\n")
	if cfg.API.ClockSkew != time.Minute {
		t.Errorf("clock_skew should win over clock_skew_seconds: %v", cfg.API.ClockSkew)
	}
	if d := Defaults(); d.API.ClockSkew != 5*time.Minute || d.API.RatePerMin != int(d.API.RatePerSecond*60) {
		t.Errorf("defaults disagree: %+v", d.API)
	}
	for d, want := range map[time.Duration]string{30 * time.Second: "30s", 5 * time.Minute: "5m", 6 * time.Hour: "6h", 90 * time.Minute: "1h30m", 1500 * time.Millisecond: "1.5s"} {
		if got := ShortDuration(d); got != want {
			t.Errorf("ShortDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
