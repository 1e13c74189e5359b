package api

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// repoRoot walks up from the working directory to the directory holding go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the working directory")
		}
		dir = parent
	}
}

type signingVector struct {
	Name, Secret, Method, URI, Timestamp, Nonce, Domain, User, Body, Canonical, Signature string
}

// The vectors are shared with the PHP tests (tests/standalone/signer_test.php):
// both languages must produce the same canonical strings and signatures.
func TestSharedSigningVectors(t *testing.T) {
	path := filepath.Join(repoRoot(t), "moodle-plugins/local/bridge/tests/fixtures/signing_vectors.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("shared vectors: %v", err)
	}
	var file struct{ Vectors []signingVector }
	if err := json.Unmarshal(raw, &file); err != nil || len(file.Vectors) == 0 {
		t.Fatalf("decode %s: %v", path, err)
	}
	for _, v := range file.Vectors {
		canon := CanonicalString(v.Method, v.URI, v.Timestamp, v.Nonce, v.Domain, v.User, []byte(v.Body))
		if canon != v.Canonical {
			t.Errorf("%s: canonical\n%q\nwant\n%q", v.Name, canon, v.Canonical)
		}
		if sig := Signature([]byte(v.Secret), canon); sig != v.Signature || sig != hmacHex([]byte(v.Secret), v.Canonical) {
			t.Errorf("%s: signature %s, want %s", v.Name, sig, v.Signature)
		}
	}
}

// TestPHPClientInterop runs the PHP bridge_client against the Go Verifier.
// PHP is required in CI; elsewhere the test skips when php is absent.
func TestPHPClientInterop(t *testing.T) {
	php, err := exec.LookPath("php")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("php is not on PATH and CI=true: run scripts/php-deps.sh")
		}
		t.Skip("php not on PATH; the PHP interop test needs it (scripts/php-deps.sh installs it)")
	}
	secrets := map[string][]byte{"ac-php": []byte("php-interop-secret-0123456789"), "ac-other": []byte("other-secret")}
	v := NewVerifier(func(d string) ([]byte, bool) { s, ok := secrets[d]; return s, ok }, VerifierOptions{})
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		c, _ := CallerFrom(r.Context())
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"domain": c.Domain, "user": c.UserID, "method": r.Method, "uri": r.RequestURI, "body": string(body),
		})
	})
	srv := httptest.NewServer(v.Middleware(mux))
	defer srv.Close()

	root := repoRoot(t)
	cmd := exec.Command(php, "testdata/interop.php",
		filepath.Join(root, "moodle-plugins/local/bridge/classes"), srv.URL+"/bridge", "ac-php", string(secrets["ac-php"]))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("php interop script: %v\n%s", err, out)
	}
	var got map[string]struct {
		Status int
		Data   map[string]any
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("script output is not JSON: %v\n%s", err, out)
	}
	ok := got["ok"]
	if ok.Status != 200 || ok.Data["domain"] != "ac-php" || ok.Data["user"] != float64(42) ||
		ok.Data["method"] != "POST" || ok.Data["body"] != `{"courseid":7,"name":"Parcours é"}` ||
		!strings.HasPrefix(ok.Data["uri"].(string), "/bridge/api/v1/echo?") {
		t.Errorf("signed PHP request: %+v", ok)
	}
	if g := got["get"]; g.Status != 200 || g.Data["uri"] != "/bridge/api/v1/echo" || g.Data["user"] != float64(0) {
		t.Errorf("GET without query: %+v", g)
	}
	if g := got["replay_first"]; g.Status != 200 {
		t.Errorf("first use of the fixed nonce: %+v", g)
	}
	for _, name := range []string{"tampered_body", "tampered_query", "stale", "future", "replay", "wrong_secret", "other_domain_secret"} {
		g, present := got[name]
		if !present || g.Status != http.StatusUnauthorized {
			t.Errorf("%s: want 401, got %+v (present %v)", name, g, present)
		}
		if g.Data["error"] != "unauthorized" || len(g.Data) != 1 {
			t.Errorf("%s: 401 body must carry no detail: %v", name, g.Data)
		}
	}
}
