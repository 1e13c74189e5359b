package fence

import (
	"context"
	"errors"
	"testing"
)

func TestCheck(t *testing.T) {
	if err := Check(context.Background()); err != nil {
		t.Fatalf("no checker: %v", err)
	}
	stop := errors.New("taken over")
	calls := 0
	ctx := With(context.Background(), func(context.Context) error { calls++; return stop })
	child, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := Check(child); !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("derived context: %v after %d call(s)", err, calls)
	}
}
