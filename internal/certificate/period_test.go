package certificate

import (
	"testing"
	"time"
)

func TestPeriodWording(t *testing.T) {
	d1 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	d2 := time.Date(2026, 3, 30, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		start, end time.Time
		want       string
	}{
		{d1, d2, "du 02/03/2026 au 30/03/2026"},
		{d1, time.Time{}, "à partir du 02/03/2026"},
		{time.Time{}, d2, "jusqu'au 30/03/2026"},
		{time.Time{}, time.Time{}, "dates non précisées"},
	} {
		if got := period(c.start, c.end); got != c.want {
			t.Errorf("period(%v, %v) = %q, want %q", c.start, c.end, got, c.want)
		}
	}
}

// A session starting on 7 September in Paris is stored as 22:00 UTC the
// day before; the certificate must still say the 7th.
func TestPeriodParisDays(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	start := time.Date(2026, 9, 7, 0, 0, 0, 0, paris).UTC()
	end := time.Date(2026, 10, 9, 0, 0, 0, 0, paris).UTC()
	if got, want := period(start, end), "du 07/09/2026 au 09/10/2026"; got != want {
		t.Errorf("period = %q, want %q", got, want)
	}
}
