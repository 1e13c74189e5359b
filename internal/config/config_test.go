package config

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestLoadFileEnvAndSecretFiles(t *testing.T) {
	env := []string{
		"BRIDGE_LISTEN=0.0.0.0:1234",
		"BRIDGE_JOBS__WORKERS=7",
		"BRIDGE_DOMAIN_NATIONAL_TOKEN=fromenvtoken",
		"HOME=/root",
	}
	cfg, err := Load("testdata/good.yaml", env)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if cfg.Listen != "0.0.0.0:1234" {
		t.Errorf("listen = %q, want env override", cfg.Listen)
	}
	if cfg.Jobs.Workers != 7 {
		t.Errorf("jobs.workers = %d, want 7", cfg.Jobs.Workers)
	}
	nat, _ := cfg.Domain("national")
	if nat.Secret != "national-secret-from-file-0123456789abcdef" {
		t.Errorf("domains[0].secret from file = %q", nat.Secret)
	}
	if nat.Token != "fromenvtoken" {
		t.Errorf("national token = %q, want env override", nat.Token)
	}
	if nat.WWWRoot != "https://magistere.example.org/national" {
		t.Errorf("wwwroot not trimmed: %q", nat.WWWRoot)
	}
	g, _ := cfg.Domain("ac-guyane")
	if g.Token != "guyanetoken456" || g.DBPrefix != "mdl_" || g.MaxInputVars != 5000 {
		t.Errorf("guyane defaults/token wrong: %+v", g)
	}
	if g.Roles["formateur"] != "teacher" || g.Roles["participant"] != "student" {
		t.Errorf("roles = %v", g.Roles)
	}
}

func TestValidateNamesEveryKey(t *testing.T) {
	_, err := Load("testdata/bad.yaml", nil)
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("want Errors, got %v", err)
	}
	msg := err.Error()
	for _, key := range []string{"data_dir", "listen", "domains[0].wwwroot", "domains[0].token",
		"domains[1].name", "domains[1].zone", "domains[1].unknown_users", "domains[1].enrol_path", "national"} {
		if !strings.Contains(msg, key+":") {
			t.Errorf("error does not name %s:\n%s", key, msg)
		}
	}
}

func TestRedactedHidesEverySecret(t *testing.T) {
	cfg, err := Load("testdata/good.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Store.DSN = "bridge:storepass77@tcp(127.0.0.1:3306)/bridge"
	b, _ := json.Marshal(cfg.Redacted())
	for _, s := range append(cfg.Secrets(), "storepass77", "dbpass999") {
		if strings.Contains(string(b), s) {
			t.Errorf("redacted config contains secret %q", s)
		}
	}
	if !strings.Contains(string(b), "bridge:"+Redacted+"@tcp(127.0.0.1:3306)/bridge") {
		t.Errorf("dsn not redacted as expected: %s", b)
	}
	if cfg.Domains[0].Token == Redacted {
		t.Error("Redacted must not modify the original")
	}
}

func TestMissingSecretFileNamesKey(t *testing.T) {
	_, err := Load("testdata/missing_secret.yaml", nil)
	if err == nil || !strings.Contains(err.Error(), "domains[0].token_file") {
		t.Fatalf("want error naming domains[0].token_file, got %v", err)
	}
}

// TestSecretsLongDistinctAndNoAPISecret: `x` for two domains, a secret
// shorter than 32 bytes and the never-read api.secret are refused, each
// with a sentence naming its key.
func TestSecretsLongDistinctAndNoAPISecret(t *testing.T) {
	long := strings.Repeat("s", MinSecretBytes)
	cases := []struct {
		name    string
		secrets []string
		api     string
		want    []string
	}{
		{"weak and shared", []string{"x", "x"}, "", []string{"domains[0].secret: must be at least 32 bytes, got 1", "domains[1].secret: is the secret of domains[0] (a) too"}},
		{"31 bytes", []string{long[:31], long + "b"}, "", []string{"domains[0].secret: must be at least 32 bytes, got 31"}},
		{"long but shared", []string{long, long}, "", []string{"domains[1].secret: is the secret of domains[0] (a) too"}},
		{"api.secret", []string{long + "a", long + "b"}, long + "c", []string{"api.secret: is not used"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := Defaults()
			c.API.Secret = tc.api
			for i, s := range tc.secrets {
				c.Domains = append(c.Domains, Domain{Name: string(rune('a' + i)), WWWRoot: "https://x.example", Token: "t", Secret: s,
					Zone: "A", Unknown: "reject", MaxInputVars: 1000})
			}
			err := c.Validate()
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
	c := Defaults()
	for i, s := range []string{long + "a", long + "b"} {
		c.Domains = append(c.Domains, Domain{Name: string(rune('a' + i)), WWWRoot: "https://x.example", Token: "t", Secret: s,
			Zone: "A", Unknown: "reject", MaxInputVars: 1000})
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("two long distinct secrets: %v", err)
	}
	if got := c.Secrets(); len(got) != 4 {
		t.Fatalf("Secrets() lists every token and secret, short ones too: %d", len(got))
	}
}
