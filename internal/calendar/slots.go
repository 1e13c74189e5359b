package calendar

import (
	"fmt"
	"strings"
	"time"
)

// ParseSlot reads a virtual-class slot, a local time of the académie:
// "JJ/MM/AAAA HH:MM" (also "JJ/MM/AAAA HHhMM" and "YYYY-MM-DD HH:MM").
func ParseSlot(s string) (time.Time, error) {
	s = strings.Join(strings.Fields(s), " ")
	for _, layout := range []string{"02/01/2006 15:04", "2/1/2006 15:04", "2006-01-02 15:04", "02/01/2006 15h04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf(`virtual-class slot %q: want "JJ/MM/AAAA HH:MM"`, s)
}
