package certificate

import (
	"strings"
	"testing"
	"time"
)

// TestCollectiveReportGaiaBlocks: with a GAIA session, the report prints
// its cartouche and its people, then the others under their own title.
func TestCollectiveReportGaiaBlocks(t *testing.T) {
	r := Report{Course: course, IssuedAt: time.Date(2027, 3, 12, 0, 0, 0, 0, time.UTC),
		Participants: []Person{
			{UserID: 3, FirstName: "Hélène", LastName: "Lefèvre", Present: true},
			{UserID: 4, FirstName: "Invité", LastName: "Libre"},
			{UserID: 5, FirstName: "Zoé", LastName: "Garçon", Present: true},
		},
		Gaia: []GaiaBlock{{Title: "26A0050123 : Français cycle 2 / Module 45001 : Lire et écrire / Session du 11/01/2027 au 12/03/2027",
			UserIDs: map[int64]bool{3: true, 5: true}}}}
	doc, err := Collective(r)
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, doc.PDF)
	gaia := strings.Index(text, "Module 45001")
	others := strings.Index(text, "Autres participants non-inscrits à une session GAIA")
	if gaia < 0 || others < gaia {
		t.Fatalf("blocks missing or out of order:\n%s", text)
	}
	for name, inGaia := range map[string]bool{"Lefèvre": true, "Garçon": true, "Libre": false} {
		at := strings.Index(text, name)
		if at < 0 || (at > gaia && at < others) != inGaia || (at > others) == inGaia {
			t.Errorf("%s at %d (GAIA block %d, others %d):\n%s", name, at, gaia, others, text)
		}
	}
	if !strings.Contains(text, "Inscrits : 3") || !strings.Contains(text, "Présents : 2") {
		t.Fatalf("counts:\n%s", text)
	}
}
