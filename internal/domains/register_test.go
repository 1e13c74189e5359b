package domains

import (
	"testing"

	"github.com/magistere/bridge/internal/jobs"
)

// TestRegisterBindsDomainsBootstrap: the service registers its own job
// kind (app only calls Register), and nothing else.
func TestRegisterBindsDomainsBootstrap(t *testing.T) {
	reg := jobs.NewRegistry()
	New(nil, nil, nil).Register(reg)
	if _, ok := reg.Lookup(KindBootstrap); !ok {
		t.Errorf("Register leaves %s without a handler", KindBootstrap)
	}
	if n := len(reg.Kinds()); n != 1 {
		t.Errorf("Register bound %d kinds (%v), want only %s", n, reg.Kinds(), KindBootstrap)
	}
}
