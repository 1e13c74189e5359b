package tracking

import (
	"testing"

	"github.com/magistere/bridge/internal/jobs"
)

// TestRegisterBindsEveryTrackingKind: the service registers its own job
// kinds (app only calls Register), and nothing else.
func TestRegisterBindsEveryTrackingKind(t *testing.T) {
	reg := jobs.NewRegistry()
	New(nil, nil).Register(reg)
	for _, kind := range []string{KindSync, KindCertificates, KindAttendanceMirror} {
		if _, ok := reg.Lookup(kind); !ok {
			t.Errorf("Register leaves %s without a handler", kind)
		}
	}
	if n := len(reg.Kinds()); n != 3 {
		t.Errorf("Register bound %d kinds (%v), want the 3 tracking kinds", n, reg.Kinds())
	}
}
