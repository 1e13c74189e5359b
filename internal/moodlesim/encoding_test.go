package moodlesim

import (
	"encoding/json"
	"strings"
	"testing"
)

func decodeJSON(b []byte, v any) error { return json.Unmarshal(b, v) }

func TestPHPJSONEscaping(t *testing.T) {
	got := string(phpJSON(o("url", "http://x/a", "name", "Lætitia — é", "n", 1, "f", 0.5, "g", 1.0, "b", true, "z", nil,
		"skip", xmlNull{}, "list", []any{}, "emoji", "😀", "ctl", "a\nb\x01")))
	want := `{"url":"http:\/\/x\/a","name":"L\u00e6titia \u2014 \u00e9","n":1,"f":0.5,"g":1.0,"b":true,"z":null,"list":[],"emoji":"\ud83d\ude00","ctl":"a\nb\u0001"}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestPHPFormParsing(t *testing.T) {
	arr := newPHPArr()
	registerVars(parseURLEncoded("a[0][b]=1&a[0][c]=2&a[]=x&s=v&s=w&c[k]=z"), arr)
	a := arr.vals["a"].(*phpArr)
	if strings.Join(a.keys, ",") != "0,1" || a.vals["1"] != "x" {
		t.Fatalf("a = %v %v", a.keys, a.vals)
	}
	if arr.vals["s"] != "w" {
		t.Fatalf("later value must win: %v", arr.vals["s"])
	}
	_, perr := validate(single(k("c", multi(single(k("k", vText()))))), arr.del2("a", "s"))
	if perr == nil || perr.debug != "c => Invalid parameter value detected: Only arrays accepted. The bad value is: 'z'" {
		t.Fatalf("unindexed array: %v", perr)
	}
}

func (a *phpArr) del2(keys ...string) *phpArr {
	for _, key := range keys {
		a.del(key)
	}
	return a
}

func TestComparerReportsDiffPath(t *testing.T) {
	r := &replayer{itemID: map[string]string{}}
	want, _ := decodeOrdered([]byte(`[{"id":2,"idnumber":"DOM-ACAD","timemodified":1795361617,"visible":1}]`))
	got, _ := decodeOrdered([]byte(`[{"id":2,"idnumber":null,"timemodified":1800000000,"visible":true}]`))
	c := &comparer{r: r}
	c.compare("response.$", "", want, got)
	joined := strings.Join(c.diffs, "\n")
	if len(c.diffs) != 2 || !strings.Contains(joined, `response.$[0].idnumber: want "DOM-ACAD" got null`) ||
		!strings.Contains(joined, `response.$[0].visible: want 1 got true`) {
		t.Fatalf("diffs: %v", c.diffs)
	}
}

func TestXMLSuccessShape(t *testing.T) {
	got := string(phpXML(o("a", 1, "b", []obj{o("x", true)}, "n", xmlNull{})))
	want := "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<RESPONSE>\n<SINGLE>\n<KEY name=\"a\"><VALUE>1</VALUE>\n</KEY>\n<KEY name=\"b\"><MULTIPLE>\n<SINGLE>\n<KEY name=\"x\"><VALUE>1</VALUE>\n</KEY>\n</SINGLE>\n</MULTIPLE>\n</KEY>\n<KEY name=\"n\"><VALUE null=\"null\"/>\n</KEY>\n</SINGLE>\n</RESPONSE>\n"
	if got != want {
		t.Fatalf("got %q", got)
	}
}
