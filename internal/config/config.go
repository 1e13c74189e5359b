// Package config loads the bridge's configuration: a YAML file, then
// BRIDGE_* environment overrides, then *_file secrets, then defaults.
// Validate reports every problem with the key it concerns, and Redacted
// gives a copy safe to print or log.
package config

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"

	"github.com/magistere/bridge/internal/calendar"
)

// EnvPrefix is the prefix of environment overrides. A double underscore
// separates levels: BRIDGE_STORE__DSN sets store.dsn, BRIDGE_DATA_DIR sets
// data_dir. Per-domain secrets use BRIDGE_DOMAIN_<NAME>_TOKEN and
// BRIDGE_DOMAIN_<NAME>_SECRET (NAME upper-cased, '-' and '.' as '_').
const EnvPrefix = "BRIDGE_"

// Redacted replaces every secret in printed configuration.
const Redacted = "********"

// Config is the whole configuration of one bridge process.
type Config struct {
	DataDir   string        `koanf:"data_dir" json:"data_dir"`
	Listen    string        `koanf:"listen" json:"listen"`
	LogFormat string        `koanf:"log_format" json:"log_format"`
	LogLevel  string        `koanf:"log_level" json:"log_level"`
	Store     StoreConfig   `koanf:"store" json:"store"`
	API       APIConfig     `koanf:"api" json:"api"`
	Jobs      JobsConfig    `koanf:"jobs" json:"jobs"`
	Domains   []Domain      `koanf:"domains" json:"domains"`
	National  string        `koanf:"national" json:"national"`
	Schedules []ScheduleCfg `koanf:"schedules" json:"schedules,omitempty"`
	// CalendarFile is the school-calendar data file (see calendar.DataFormat)
	// that `bridge calendar update --from` writes. Empty means
	// <data_dir>/calendar.csv. While the file does not exist, or is older
	// than the copy embedded in the binary, the embedded copy is used.
	CalendarFile string `koanf:"calendar_file" json:"calendar_file,omitempty"`
	// Gaia is where the ministry's nightly GAIA drop arrives (job
	// gaia.scan); a domain takes part with its gaia_code.
	Gaia GaiaConfig `koanf:"gaia" json:"gaia"`
	// Privacy: how long what names people is kept (uploads, enrolment
	// reports, finished jobs' checkpoints and files); job privacy.purge
	// runs daily on purge_cron.
	Privacy PrivacyConfig `koanf:"privacy" json:"privacy"`
	// Deprecated lists the old key names the file used, with the new
	// name (the CLI prints one line each).
	Deprecated []string `koanf:"-" json:"-"`
	// DataDirAsWritten is data_dir as the file wrote it, when relative
	// (resolved against the file's folder since; it was read from the
	// current directory before): the CLI warns when a store is left there.
	DataDirAsWritten string `koanf:"-" json:"-"`
}

// applyOldKeys reads the old names of renamed keys when the new ones are
// absent, keeps both fields consistent, and says which old names were used.
func (c *Config) applyOldKeys(k *koanf.Koanf) []string {
	var old []string
	if k.Exists("api.clock_skew_seconds") {
		old = append(old, "api.clock_skew_seconds is an old name: write api.clock_skew: "+ShortDuration(time.Duration(c.API.ClockSkewSec)*time.Second))
		if !k.Exists("api.clock_skew") {
			c.API.ClockSkew = time.Duration(c.API.ClockSkewSec) * time.Second
		}
	}
	c.API.ClockSkewSec = int(c.API.ClockSkew / time.Second)
	if k.Exists("api.rate_per_minute") {
		old = append(old, fmt.Sprintf("api.rate_per_minute is an old name: write api.rate_per_second: %g", float64(c.API.RatePerMin)/60))
		if !k.Exists("api.rate_per_second") {
			c.API.RatePerSecond = float64(c.API.RatePerMin) / 60
		}
	}
	c.API.RatePerMin = int(math.Round(c.API.RatePerSecond * 60))
	return old
}

// resolvePaths makes every relative path of the file relative to the
// file's folder, not to the current directory: `cd / && bridge --config
// /etc/bridge/bridge.yaml …` opens the same store as anywhere else.
func (c *Config) resolvePaths(base string) {
	abs := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(base, *p)
		}
	}
	if c.DataDir != "" && !filepath.IsAbs(c.DataDir) {
		c.DataDirAsWritten = c.DataDir
	}
	abs(&c.DataDir)
	abs(&c.CalendarFile)
	abs(&c.Gaia.DropDir)
	for i := range c.Domains {
		abs(&c.Domains[i].Gaia.DropDir)
	}
}

// ShortDuration prints a duration as it is written in the file: 30s, 5m,
// 6h, 1h30m (not 5m0s, nor nanoseconds).
func ShortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// CalendarPath is the calendar data file in effect: calendar_file, or
// calendar.csv in data_dir.
func (c *Config) CalendarPath() string {
	if c.CalendarFile != "" {
		return c.CalendarFile
	}
	return filepath.Join(c.DataDir, "calendar.csv")
}

// PrivacyConfig: retention_days (default 90; 0 keeps everything, which
// the CNIL expects to be justified) and when the daily purge runs.
type PrivacyConfig struct {
	RetentionDays int    `koanf:"retention_days" json:"retention_days"`
	PurgeCron     string `koanf:"purge_cron" json:"purge_cron"`
}

// GaiaConfig: drop_dir holds one dated directory (YYYYMMDD) a night, with
// three files per académie ({code}_Formations_{date}.csv...); grace is how
// long a partial drop is held back before what is there is imported (the
// missing file then an error).
type GaiaConfig struct {
	DropDir string        `koanf:"drop_dir" json:"drop_dir,omitempty"`
	Grace   time.Duration `koanf:"grace" json:"grace,omitempty"`
}

// DomainGaia is a domain's own GAIA drop directory (overrides gaia.drop_dir).
type DomainGaia struct {
	DropDir string `koanf:"drop_dir" json:"drop_dir,omitempty"`
}

// GaiaDropDir is the drop directory in effect for a domain ("" if none).
func (c *Config) GaiaDropDir(d Domain) string {
	if d.Gaia.DropDir != "" {
		return d.Gaia.DropDir
	}
	return c.Gaia.DropDir
}

// StoreConfig selects the bridge's own database.
type StoreConfig struct {
	// DSN empty means the embedded SQLite file in data_dir; otherwise a
	// go-sql-driver/mysql DSN (user:pass@tcp(host:3306)/bridge).
	DSN     string `koanf:"dsn" json:"dsn"`
	DSNFile string `koanf:"dsn_file" json:"dsn_file,omitempty"`
}

// APIConfig configures the HTTP API used by the Moodle plugins.
type APIConfig struct {
	Secret      string `koanf:"secret" json:"secret"`
	SecretFile  string `koanf:"secret_file" json:"secret_file,omitempty"`
	MaxUploadMB int    `koanf:"max_upload_mb" json:"max_upload_mb"`
	// RatePerSecond is the signed API's limit per domain (0: unlimited),
	// the same unit as a domain's rate_per_second. RatePerMin is what the
	// limiter counts; rate_per_minute is its old name, still read.
	RatePerSecond float64 `koanf:"rate_per_second" json:"rate_per_second"`
	RatePerMin    int     `koanf:"rate_per_minute" json:"-"`
	// ClockSkew: signed requests older or newer than this are refused.
	// clock_skew_seconds is its old name (an integer), still read.
	ClockSkew    time.Duration `koanf:"clock_skew" json:"clock_skew"`
	ClockSkewSec int           `koanf:"clock_skew_seconds" json:"-"`
	// MaxUploads is how many CSV uploads and previews are read at once;
	// more get 503 and retry.
	MaxUploads int `koanf:"max_concurrent_uploads" json:"max_concurrent_uploads"`
	// HTTP server timeouts: a client that trickles its headers or body, or
	// keeps an idle connection, loses it after these.
	ReadHeaderTimeout time.Duration `koanf:"read_header_timeout" json:"read_header_timeout"`
	ReadTimeout       time.Duration `koanf:"read_timeout" json:"read_timeout"`
	WriteTimeout      time.Duration `koanf:"write_timeout" json:"write_timeout"`
	IdleTimeout       time.Duration `koanf:"idle_timeout" json:"idle_timeout"`
}

// JobsConfig tunes the durable job workers.
type JobsConfig struct {
	Workers       int           `koanf:"workers" json:"workers"`
	LeaseDuration time.Duration `koanf:"lease_duration" json:"lease_duration"`
	MaxAttempts   int           `koanf:"max_attempts" json:"max_attempts"`
	MaxBackoff    time.Duration `koanf:"max_backoff" json:"max_backoff"`
	ShutdownGrace time.Duration `koanf:"shutdown_grace" json:"shutdown_grace"`
}

// ScheduleCfg is one cron entry: it only enqueues a job of Kind.
type ScheduleCfg struct {
	Name   string `koanf:"name" json:"name"`
	Cron   string `koanf:"cron" json:"cron"`
	Kind   string `koanf:"kind" json:"kind"`
	Domain string `koanf:"domain" json:"domain,omitempty"`
}

// CertificateIssuer is the service that issues a domain's attendance
// certificates and who signs them; every field is optional (a missing one
// leaves its line out).
type CertificateIssuer struct {
	Service        string `koanf:"service" json:"service,omitempty"`                 // e.g. "Délégation académique à la formation (DAFPEN)"
	Signatory      string `koanf:"signatory" json:"signatory,omitempty"`             // the signatory's name
	SignatoryTitle string `koanf:"signatory_title" json:"signatory_title,omitempty"` // their function, e.g. "Délégué académique à la formation"
	City           string `koanf:"city" json:"city,omitempty"`                       // "Fait à <city>, le …"
}

// Domain is one Moodle site: the national hub or an académie.
type Domain struct {
	Name       string `koanf:"name" json:"name"`
	WWWRoot    string `koanf:"wwwroot" json:"wwwroot"`
	Token      string `koanf:"token" json:"token"`
	TokenFile  string `koanf:"token_file" json:"token_file,omitempty"`
	Secret     string `koanf:"secret" json:"secret"`
	SecretFile string `koanf:"secret_file" json:"secret_file,omitempty"`
	// DBDSN is an optional read-only DSN of the site's Moodle database,
	// used for bulk reads (progress, enrolments).
	DBDSN    string `koanf:"db_dsn" json:"db_dsn,omitempty"`
	DBPrefix string `koanf:"db_prefix" json:"db_prefix"`
	// Zone is the school-holiday zone: A, B, C, or an overseas académie
	// whose ranges come from Holidays.
	Zone         string            `koanf:"zone" json:"zone"`
	Region       string            `koanf:"region" json:"region,omitempty"`
	Holidays     []string          `koanf:"holidays" json:"holidays,omitempty"`
	MaxInputVars int               `koanf:"max_input_vars" json:"max_input_vars"`
	Concurrency  int               `koanf:"concurrency" json:"concurrency"`
	RatePerSec   float64           `koanf:"rate_per_second" json:"rate_per_second"`
	Timeout      time.Duration     `koanf:"timeout" json:"timeout"`
	Roles        map[string]string `koanf:"roles" json:"roles,omitempty"`
	// ManagerRoles are the shortnames that make a gestionnaire in a
	// course (default: manager).
	ManagerRoles []string `koanf:"manager_roles" json:"manager_roles,omitempty"`
	Unknown      string   `koanf:"unknown_users" json:"unknown_users"`
	// SubCategories are extra categories under the lifecycle skeleton
	// (circonscriptions, départements…), created by `domains bootstrap`.
	SubCategories []SubCategory `koanf:"subcategories" json:"subcategories,omitempty"`
	CreateAuth    string        `koanf:"create_auth" json:"create_auth"`
	// CreateAuths are the login methods a block (or an API call's auth=)
	// may choose for the accounts it creates; create_auth is always one of
	// them and the default. Empty: create_auth only.
	CreateAuths []string `koanf:"create_auths" json:"create_auths,omitempty"`
	// EnrolPath is how accounts are created and enrolled: "auto" (default)
	// uses local_bridge_create_enrol_users where the site offers it (one
	// call per chunk, e-mails checked with one indexed query), core's
	// functions otherwise; "core" always uses core_user_create_users and
	// enrol_manual_enrol_users.
	EnrolPath string `koanf:"enrol_path" json:"enrol_path"`
	// ArchiveAfterDays archives a session automatically (job archive.auto)
	// this many days after its end date; 0 turns automatic archiving off.
	ArchiveAfterDays int `koanf:"archive_after_days" json:"archive_after_days"`
	// ArchiveBackup and ArchiveNotify make every automatic archive keep a
	// final backup and notify the participants, as `bridge archive
	// --backup --notify` does for one session.
	ArchiveBackup bool `koanf:"archive_backup" json:"archive_backup"`
	ArchiveNotify bool `koanf:"archive_notify" json:"archive_notify"`
	// TrashRetentionDays deletes a course left in the Corbeille this many
	// days (after a verified backup, job archive.retention); 0 = never.
	TrashRetentionDays int `koanf:"trash_retention_days" json:"trash_retention_days"`
	// AttendanceMirror also marks Moodle's course completion (through
	// local_bridge) when a formateur marks "Formation terminée" in a block.
	AttendanceMirror bool `koanf:"attendance_mirror" json:"attendance_mirror"`
	// DisplayName is how the certificates name the académie ("Académie de
	// Rennes"); empty: the domain's name.
	DisplayName string `koanf:"display_name" json:"display_name,omitempty"`
	// Certificate is who issues the attendance certificates.
	Certificate CertificateIssuer `koanf:"certificate" json:"certificate"`
	// GaiaCode is the académie's code in GAIA drop file names (e.g. "A05"
	// in A05_Stagiaires_20260115.csv); empty: the domain takes no drop.
	GaiaCode string     `koanf:"gaia_code" json:"gaia_code,omitempty"`
	Gaia     DomainGaia `koanf:"gaia" json:"gaia"`
}

// SubCategory is a configured category under one of the skeleton's
// categories. Parent is a skeleton key (gabarit, parcours, demonstration,
// session, autoinscription, autoinscription_locale, archive, corbeille).
// IDNumber identifies it on the site; empty, it is derived from Parent and
// Name, so renaming it in Moodle later breaks nothing.
type SubCategory struct {
	Parent   string `koanf:"parent" json:"parent"`
	Name     string `koanf:"name" json:"name"`
	IDNumber string `koanf:"idnumber" json:"idnumber,omitempty"`
}

// SkeletonKeys are the categories every domain gets at bootstrap.
var SkeletonKeys = []string{"gabarit", "parcours", "demonstration", "session", "autoinscription", "autoinscription_locale", "archive", "corbeille"}

// Defaults returns a configuration with every default set and no domain.
func Defaults() Config {
	return Config{
		DataDir:   "data",
		Listen:    "127.0.0.1:8470",
		LogFormat: "json",
		LogLevel:  "info",
		API: APIConfig{MaxUploadMB: 20, RatePerSecond: 10, RatePerMin: 600, ClockSkew: 5 * time.Minute, ClockSkewSec: 300,
			MaxUploads: 4, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 2 * time.Minute,
			WriteTimeout: 3 * time.Minute, IdleTimeout: time.Minute},
		Jobs: JobsConfig{Workers: 4, LeaseDuration: 30 * time.Second, MaxAttempts: 8,
			MaxBackoff: 5 * time.Minute, ShutdownGrace: 10 * time.Second},
		Gaia:    GaiaConfig{Grace: 6 * time.Hour},
		Privacy: PrivacyConfig{RetentionDays: 90, PurgeCron: "40 4 * * *"},
	}
}

// DefaultRoles maps the bridge's role names to a stock Moodle's shortnames.
var DefaultRoles = map[string]string{
	"participant": "student",
	"formateur":   "editingteacher",
	"tuteur":      "teacher",
	"concepteur":  "editingteacher",
}

// Load reads path (optional when empty), applies the environment and the
// *_file secrets, fills defaults and validates.
func Load(path string, environ []string) (*Config, error) {
	k := koanf.New(".")
	if path != "" {
		if err := k.Load(file.Provider(path), yaml.Parser()); err != nil {
			return nil, &Error{Key: "--config", Problem: fmt.Sprintf("cannot read %s: %v", path, err),
				FR: fmt.Sprintf("impossible de lire %s : %v ; vérifier le chemin et la syntaxe YAML", path, err)}
		}
	}
	if err := k.Load(confmap.Provider(envOverrides(environ), "."), nil); err != nil {
		return nil, fmt.Errorf("reading environment: %w", err)
	}
	cfg := Defaults()
	if err := k.UnmarshalWithConf("", &cfg, koanf.UnmarshalConf{Tag: "koanf"}); err != nil {
		return nil, &Error{Key: "(file)", Problem: err.Error(),
			FR: fmt.Sprintf("une valeur n'a pas le type attendu (%v) ; la corriger dans le fichier", err)}
	}
	applyDomainEnv(&cfg, environ)
	cfg.Deprecated = cfg.applyOldKeys(k)
	if err := cfg.readSecretFiles(filepath.Dir(path)); err != nil {
		return nil, err
	}
	if path != "" {
		base, err := filepath.Abs(filepath.Dir(path))
		if err != nil {
			base = filepath.Dir(path)
		}
		cfg.resolvePaths(base)
	}
	cfg.fillDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// envOverrides maps BRIDGE_STORE__DSN=x to {"store.dsn": "x"}. Per-domain
// variables are handled by applyDomainEnv; BRIDGE_CONFIG names the file and
// BRIDGE_TEST_* belong to the test suite.
func envOverrides(environ []string) map[string]any {
	out := map[string]any{}
	for _, kv := range environ {
		i := strings.IndexByte(kv, '=')
		if i < 0 || !strings.HasPrefix(kv, EnvPrefix) {
			continue
		}
		k := strings.TrimPrefix(kv[:i], EnvPrefix)
		if strings.HasPrefix(k, "DOMAIN_") || k == "CONFIG" || strings.HasPrefix(k, "TEST_") || k == "REQUIRE_MYSQL" {
			continue
		}
		out[strings.ToLower(strings.ReplaceAll(k, "__", "."))] = kv[i+1:]
	}
	return out
}

func applyDomainEnv(cfg *Config, environ []string) {
	vars := map[string]string{}
	for _, kv := range environ {
		if i := strings.IndexByte(kv, '='); i > 0 {
			vars[kv[:i]] = kv[i+1:]
		}
	}
	for i := range cfg.Domains {
		d := &cfg.Domains[i]
		name := strings.NewReplacer("-", "_", ".", "_").Replace(strings.ToUpper(d.Name))
		if v, ok := vars[EnvPrefix+"DOMAIN_"+name+"_TOKEN"]; ok {
			d.Token = v
		}
		if v, ok := vars[EnvPrefix+"DOMAIN_"+name+"_SECRET"]; ok {
			d.Secret = v
		}
	}
}

func (c *Config) readSecretFiles(base string) error {
	read := func(key, path string, dst *string) error {
		if path == "" {
			return nil
		}
		if !filepath.IsAbs(path) && base != "" {
			path = filepath.Join(base, path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			// The path is not a secret; its content is.
			return &Error{Key: key, Problem: fmt.Sprintf("cannot read secret file %s: %v", path, errors.Unwrap(err)),
				FR: fmt.Sprintf("impossible de lire le fichier secret %s : %v", path, errors.Unwrap(err))}
		}
		*dst = strings.TrimSpace(string(b))
		return nil
	}
	if err := read("store.dsn_file", c.Store.DSNFile, &c.Store.DSN); err != nil {
		return err
	}
	if err := read("api.secret_file", c.API.SecretFile, &c.API.Secret); err != nil {
		return err
	}
	for i := range c.Domains {
		d := &c.Domains[i]
		if err := read(fmt.Sprintf("domains[%d].token_file", i), d.TokenFile, &d.Token); err != nil {
			return err
		}
		if err := read(fmt.Sprintf("domains[%d].secret_file", i), d.SecretFile, &d.Secret); err != nil {
			return err
		}
	}
	return nil
}

func (c *Config) fillDefaults() {
	d := Defaults()
	if c.Jobs.Workers <= 0 {
		c.Jobs.Workers = d.Jobs.Workers
	}
	for i := range c.Domains {
		dom := &c.Domains[i]
		dom.WWWRoot = strings.TrimRight(dom.WWWRoot, "/")
		if dom.DBPrefix == "" {
			dom.DBPrefix = "mdl_"
		}
		if dom.MaxInputVars == 0 {
			dom.MaxInputVars = 5000
		}
		if dom.Concurrency == 0 {
			dom.Concurrency = 4
		}
		if dom.Timeout == 0 {
			dom.Timeout = 60 * time.Second
		}
		if dom.Unknown == "" {
			dom.Unknown = "reject"
		}
		if dom.CreateAuth == "" {
			dom.CreateAuth = "manual"
		}
		if dom.EnrolPath == "" {
			dom.EnrolPath = "auto"
		}
		roles := map[string]string{}
		for k, v := range DefaultRoles {
			roles[k] = v
		}
		for k, v := range dom.Roles {
			roles[strings.ToLower(k)] = v
		}
		dom.Roles = roles
	}
}

// AllowedCreateAuths is the domain's create_auth followed by the other
// create_auths, without repeats: the login methods created accounts may get.
func (d Domain) AllowedCreateAuths() []string {
	first := d.CreateAuth
	if first == "" {
		first = "manual"
	}
	out := []string{first}
	for _, a := range d.CreateAuths {
		if a = strings.TrimSpace(a); a != "" && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// Domain returns the domain called name.
func (c *Config) Domain(name string) (*Domain, bool) {
	for i := range c.Domains {
		if c.Domains[i].Name == name {
			return &c.Domains[i], true
		}
	}
	return nil, false
}

// Error is a configuration problem tied to one key.
type Error struct {
	Key     string
	Problem string
	// FR is the problem in French (the CLI's --lang fr); empty: Problem.
	FR string
}

func (e *Error) Error() string { return e.Key + ": " + e.Problem }

// French is the error as a French sentence: the key, then the problem.
func (e *Error) French() string {
	p := e.FR
	if p == "" {
		p = e.Problem
	}
	return e.Key + " : " + p
}

// Errors gathers every problem found by Validate.
type Errors []*Error

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return "invalid configuration:\n  " + strings.Join(parts, "\n  ")
}

// French is every problem in French, one a line.
func (es Errors) French() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.French()
	}
	return "configuration invalide :\n  " + strings.Join(parts, "\n  ")
}

// Validate checks every key and returns all problems at once.
func (c *Config) Validate() error {
	var errs Errors
	// Each problem is written in English and in French, over the same
	// arguments.
	add := func(key, en, fr string, args ...any) {
		errs = append(errs, &Error{Key: key, Problem: fmt.Sprintf(en, args...), FR: fmt.Sprintf(fr, args...)})
	}
	if c.DataDir == "" {
		add("data_dir", "must not be empty", "ne doit pas être vide")
	}
	if c.Listen == "" || !strings.Contains(c.Listen, ":") {
		add("listen", "must be host:port, got %q", "doit être de la forme hôte:port, pas %q", c.Listen)
	}
	switch c.LogFormat {
	case "json", "console":
	default:
		add("log_format", "must be json or console, got %q", "doit valoir json ou console, pas %q", c.LogFormat)
	}
	if c.Store.DSN != "" && !strings.Contains(c.Store.DSN, "/") {
		add("store.dsn", "must be empty (embedded SQLite) or a MySQL DSN like user:pass@tcp(host:3306)/bridge",
			"doit être vide (SQLite intégré) ou un DSN MySQL comme user:pass@tcp(hôte:3306)/bridge")
	}
	if c.API.MaxUploadMB <= 0 {
		add("api.max_upload_mb", "must be positive", "doit être positif")
	}
	if c.API.MaxUploads <= 0 {
		add("api.max_concurrent_uploads", "must be positive", "doit être positif")
	}
	for key, d := range map[string]time.Duration{"read_header_timeout": c.API.ReadHeaderTimeout,
		"read_timeout": c.API.ReadTimeout, "write_timeout": c.API.WriteTimeout, "idle_timeout": c.API.IdleTimeout} {
		if d < time.Second {
			add("api."+key, "must be at least 1s, got %s", "doit valoir au moins 1s, pas %s", d)
		}
	}
	if c.Jobs.LeaseDuration < time.Second {
		add("jobs.lease_duration", "must be at least 1s, got %s", "doit valoir au moins 1s, pas %s", c.Jobs.LeaseDuration)
	}
	if c.Jobs.MaxAttempts < 1 {
		add("jobs.max_attempts", "must be at least 1", "doit valoir au moins 1")
	}
	cal, err := calendar.Effective(c.CalendarPath())
	if err != nil {
		add("calendar_file", "%s: fix the file or remove it to use the embedded copy",
			"%s : corriger le fichier, ou le retirer pour utiliser la copie intégrée", strings.TrimPrefix(err.Error(), "calendar_file: "))
	}
	if c.Privacy.RetentionDays < 0 {
		add("privacy.retention_days", "must be 0 (keep everything) or a number of days, got %d",
			"doit valoir 0 (tout garder) ou un nombre de jours, pas %d", c.Privacy.RetentionDays)
	}
	if c.Gaia.Grace < 0 {
		add("gaia.grace", "must not be negative", "ne doit pas être négatif")
	}
	if c.API.Secret != "" {
		add("api.secret", "is not used: each domain signs with its own domains[].secret (at least %d bytes, distinct per domain); remove api.secret and api.secret_file",
			"ne sert pas : chaque domaine signe avec son propre domains[].secret (au moins %d octets, distinct par domaine) ; retirer api.secret et api.secret_file", MinSecretBytes)
	}
	validateSecrets(c.Domains, add)
	seen := map[string]bool{}
	for i, d := range c.Domains {
		key := fmt.Sprintf("domains[%d]", i)
		validateDomain(key, d, seen, add)
		if d.GaiaCode != "" && strings.Trim(d.GaiaCode, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			add(key+".gaia_code", "letters, digits and '-' only, got %q", "lettres, chiffres et « - » seulement, pas %q", d.GaiaCode)
		}
		if d.GaiaCode != "" && c.GaiaDropDir(d) == "" {
			add(key+".gaia_code", "needs a drop directory: set gaia.drop_dir, or gaia.drop_dir in this domain",
				"demande un dossier de dépôt : renseigner gaia.drop_dir, globalement ou dans ce domaine")
		}
		if cal == nil {
			continue
		}
		if _, err := cal.CheckZone(d.Zone); err != nil {
			add(key+".zone", "%s", "%s", strings.TrimPrefix(err.Error(), "calendar: "))
		}
	}
	if c.National != "" && !seen[c.National] {
		add("national", "names no configured domain: %q", "ne nomme aucun domaine configuré : %q", c.National)
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// MinSecretBytes is the shortest shared secret accepted: an HMAC key
// shorter than the hash's 32 bytes only weakens it.
const MinSecretBytes = 32

// validateSecrets: every domain's secret long enough and its own (a secret
// shared by two domains lets one académie's site sign for the other).
func validateSecrets(domains []Domain, add func(key, en, fr string, args ...any)) {
	owner := map[string]int{}
	for i, d := range domains {
		if d.Secret == "" {
			continue
		}
		key := fmt.Sprintf("domains[%d].secret", i)
		if len(d.Secret) < MinSecretBytes {
			add(key, "must be at least %d bytes, got %d: generate one with `openssl rand -hex 32` and set the same value in local_bridge on %s",
				"doit compter au moins %d octets, pas %d : en générer un avec `openssl rand -hex 32` et mettre la même valeur dans local_bridge sur %s",
				MinSecretBytes, len(d.Secret), d.Name)
		}
		if j, dup := owner[d.Secret]; dup {
			add(key, "is the secret of domains[%d] (%s) too: each domain needs its own",
				"est aussi le secret de domains[%d] (%s) : chaque domaine doit avoir le sien", j, domains[j].Name)
			continue
		}
		owner[d.Secret] = i
	}
}

func validateDomain(key string, d Domain, seen map[string]bool, add func(key, en, fr string, args ...any)) {
	if d.Name == "" {
		add(key+".name", "must not be empty", "ne doit pas être vide")
	} else if seen[d.Name] {
		add(key+".name", "duplicate domain name %q", "le nom de domaine %q figure deux fois", d.Name)
	} else if strings.ContainsAny(d.Name, " /?#") {
		add(key+".name", "must not contain spaces, '/', '?' or '#': %q", "ne doit contenir ni espace, ni « / », ni « ? », ni « # » : %q", d.Name)
	}
	seen[d.Name] = true
	if u, err := url.Parse(d.WWWRoot); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		add(key+".wwwroot", "must be an http(s) URL, got %q", "doit être une URL http(s), pas %q", d.WWWRoot)
	}
	if d.Token == "" {
		add(key+".token", "is required (or token_file, or BRIDGE_DOMAIN_<NAME>_TOKEN)", "est obligatoire (ou token_file, ou BRIDGE_DOMAIN_<NOM>_TOKEN)")
	}
	if _, err := calendar.ParseRanges(d.Holidays); err != nil {
		add(key+".holidays", "%s", "%s", strings.TrimPrefix(err.Error(), "calendar: "))
	}
	if d.Unknown != "reject" && d.Unknown != "create" {
		add(key+".unknown_users", "must be reject or create, got %q", "doit valoir reject ou create, pas %q", d.Unknown)
	}
	if d.EnrolPath != "" && d.EnrolPath != "auto" && d.EnrolPath != "core" {
		add(key+".enrol_path", "must be auto or core, got %q", "doit valoir auto ou core, pas %q", d.EnrolPath)
	}
	for j, sc := range d.SubCategories {
		k := fmt.Sprintf("%s.subcategories[%d]", key, j)
		if !contains(SkeletonKeys, sc.Parent) {
			add(k+".parent", "must be one of %s, got %q", "doit être l'une de %s, pas %q", strings.Join(SkeletonKeys, ", "), sc.Parent)
		}
		if strings.TrimSpace(sc.Name) == "" {
			add(k+".name", "must not be empty", "ne doit pas être vide")
		}
	}
	if d.MaxInputVars < 100 {
		add(key+".max_input_vars", "must be at least 100, got %d", "doit valoir au moins 100, pas %d", d.MaxInputVars)
	}
}

// Redacted returns a copy with every secret replaced, safe to print.
func (c Config) Redacted() Config {
	out := c
	if out.Store.DSN != "" {
		out.Store.DSN = redactDSN(out.Store.DSN)
	}
	out.API.Secret = redact(out.API.Secret)
	out.Domains = make([]Domain, len(c.Domains))
	for i, d := range c.Domains {
		d.Token = redact(d.Token)
		d.Secret = redact(d.Secret)
		d.DBDSN = redactDSN(d.DBDSN)
		out.Domains[i] = d
	}
	return out
}

func redact(s string) string {
	if s == "" {
		return ""
	}
	return Redacted
}

// redactDSN hides the password of user:password@tcp(...)/db.
func redactDSN(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	if at < 0 {
		return dsn
	}
	cred := dsn[:at]
	if colon := strings.IndexByte(cred, ':'); colon >= 0 {
		return cred[:colon] + ":" + Redacted + dsn[at:]
	}
	return dsn
}

// Secrets lists every secret value of the configuration, whatever its
// length, so that tests and the log sanitizer can check none of them leaks.
func (c *Config) Secrets() []string {
	var out []string
	add := func(s string) {
		if s != "" {
			out = append(out, s)
		}
	}
	add(c.API.Secret)
	for _, d := range c.Domains {
		add(d.Token)
		add(d.Secret)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
