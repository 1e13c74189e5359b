package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/offer"
	"github.com/magistere/bridge/internal/refusal"
	"github.com/magistere/bridge/internal/workflow"
)

// Every feature's refusal is one type, answered 409 with its code and its
// reason in French and English, wherever it sits in the error chain.
func TestEveryRefusalIsAnswered409WithBothReasons(t *testing.T) {
	s := &Server{log: zerolog.Nop()}
	for name, err := range map[string]error{
		"workflow": &workflow.Refusal{Code: "wrong_state", FR: "pas possible", EN: "not possible"},
		"offer":    &offer.Refusal{Code: "wrong_state", FR: "pas possible", EN: "not possible"},
		"wrapped":  fmt.Errorf("tracking: mark: %w", refusal.New("wrong_state", "pas %s", "not %s", "possible")),
		"job step": fmt.Errorf("jobs: step guard: %w", refusal.New("wrong_state", "pas possible", "not possible")),
	} {
		rec := httptest.NewRecorder()
		s.fail(rec, httptest.NewRequest(http.MethodPost, "/api/v1/x", nil), err)
		var body struct {
			Error   string          `json:"error"`
			Refusal refusal.Refusal `json:"refusal"`
		}
		if jerr := json.Unmarshal(rec.Body.Bytes(), &body); jerr != nil {
			t.Fatalf("%s: %v: %s", name, jerr, rec.Body)
		}
		want := refusal.Refusal{Code: "wrong_state", FR: "pas possible", EN: "not possible"}
		if rec.Code != http.StatusConflict || body.Error != "refused" || body.Refusal != want {
			t.Errorf("%s: %d %s; want 409 refused with %+v", name, rec.Code, rec.Body, want)
		}
	}
}
