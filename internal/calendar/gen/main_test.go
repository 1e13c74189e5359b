package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestConvertGroupsConsecutiveDaysPerZone(t *testing.T) {
	daily := `date,vacances_zone_a,vacances_zone_b,vacances_zone_c,nom_vacances
2014-12-30,True,False,False,Vacances de Noël
2014-12-31,True,False,False,Vacances de Noël
2015-01-01,True,True,False,Vacances de Noël
2015-01-02,False,True,False,Vacances de Noël
2015-01-03,False,False,False,
2015-02-07,False,False,True,Vacances d'hiver
2015-02-08,False,False,True,Vacances d'hiver
2015-02-09,False,False,True,Pont
`
	var out bytes.Buffer
	from := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := convert(strings.NewReader(daily), &out, from); err != nil {
		t.Fatalf("convert: %v", err)
	}
	want := `zone,start,end,name
A,2014-12-30,2015-01-01,Vacances de Noël
B,2015-01-01,2015-01-02,Vacances de Noël
C,2015-02-07,2015-02-08,Vacances d'hiver
C,2015-02-09,2015-02-09,Pont
`
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestConvertDropsRangesEndingBeforeFrom(t *testing.T) {
	daily := `date,vacances_zone_a,vacances_zone_b,vacances_zone_c,nom_vacances
2014-10-20,True,True,True,Toussaint
2014-10-21,False,False,False,
`
	var out bytes.Buffer
	if err := convert(strings.NewReader(daily), &out, time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatalf("convert: %v", err)
	}
	if got := out.String(); got != "zone,start,end,name\n" {
		t.Fatalf("expected only the header, got %q", got)
	}
}

func TestConvertRejectsBadDate(t *testing.T) {
	daily := "date,a,b,c,n\n2015-13-01,True,True,True,X\n"
	var out bytes.Buffer
	if err := convert(strings.NewReader(daily), &out, time.Time{}); err == nil {
		t.Fatal("expected an error for an invalid date")
	}
}
