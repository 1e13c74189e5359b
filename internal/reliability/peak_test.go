package reliability

import (
	"runtime"
	"testing"
	"time"
)

// TestPeakMeterSeesATransientAllocation: a 64 MiB buffer that is freed
// before Stop still shows in the peak (a final ReadMemStats would miss it).
func TestPeakMeterSeesATransientAllocation(t *testing.T) {
	runtime.GC()
	m := StartPeakMeter(time.Millisecond)
	buf := make([]byte, 64<<20)
	for i := range buf {
		buf[i] = byte(i)
	}
	m.sample() // the ticker may not have fired yet on a loaded machine
	runtime.KeepAlive(buf)
	runtime.GC()
	if peak := m.Stop(); peak < 64<<20 {
		t.Fatalf("peak %d MiB, want at least 64", peak>>20)
	}
}
