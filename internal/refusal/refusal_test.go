package refusal_test

import (
	"fmt"
	"testing"

	"github.com/magistere/bridge/internal/failure"
	"github.com/magistere/bridge/internal/refusal"
)

func TestRefusalIsFoundThroughWrapsAndIsPermanent(t *testing.T) {
	err := fmt.Errorf("jobs: step guard: %w", refusal.New("wrong_state", "pas depuis « %s »", "not from %s", "Gabarit"))
	r, ok := refusal.As(err)
	if !ok || r.Code != "wrong_state" || r.FR != "pas depuis « Gabarit »" || r.EN != "not from Gabarit" {
		t.Fatalf("As = %+v, %v", r, ok)
	}
	if !refusal.Is(err, "wrong_state") || refusal.Is(err, "other") || refusal.Is(fmt.Errorf("plain"), "wrong_state") {
		t.Fatal("Is does not match the code")
	}
	if failure.IsRetryable(err) {
		t.Fatal("a refusal must be permanent")
	}
	if got := r.Error(); got != "refused (wrong_state): not from Gabarit / pas depuis « Gabarit »" {
		t.Fatalf("Error() = %q", got)
	}
}
