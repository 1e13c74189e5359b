package failure

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestVerdicts(t *testing.T) {
	base := errors.New("boom")
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain", base, false},
		{"retryable", Retryable(base), true},
		{"wrapped retryable", fmt.Errorf("step: %w", Retryable(base)), true},
		{"permanent", Permanent(base), false},
		{"deadline", fmt.Errorf("call: %w", context.DeadlineExceeded), true},
		{"canceled", context.Canceled, false},
		{"outer verdict wins", Permanent(fmt.Errorf("x: %w", Retryable(base))), false},
	}
	for _, c := range cases {
		if got := IsRetryable(c.err); got != c.want {
			t.Errorf("%s: IsRetryable = %v, want %v", c.name, got, c.want)
		}
	}
	if !errors.Is(Retryable(base), base) {
		t.Error("Retryable must keep the wrapped error reachable")
	}
	if Retryable(nil) != nil || Permanent(nil) != nil {
		t.Error("nil must stay nil")
	}
}
