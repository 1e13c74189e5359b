package gaia

import (
	"testing"

	"github.com/rs/zerolog"

	"github.com/magistere/bridge/internal/jobs"
)

// TestRegisterBindsEveryGaiaKind: the service registers its own job kinds
// (app only calls Register), and nothing else.
func TestRegisterBindsEveryGaiaKind(t *testing.T) {
	reg := jobs.NewRegistry()
	New(nil, nil, nil, zerolog.Nop(), Lifecycle{}).Register(reg)
	for _, kind := range []string{KindSync, KindScan} {
		if _, ok := reg.Lookup(kind); !ok {
			t.Errorf("Register leaves %s without a handler", kind)
		}
	}
	if n := len(reg.Kinds()); n != 2 {
		t.Errorf("Register bound %d kinds (%v), want the 2 gaia kinds", n, reg.Kinds())
	}
}
