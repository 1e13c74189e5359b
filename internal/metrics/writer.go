// Package metrics is the bridge's Prometheus side, written by hand (no
// client library): a text-format writer, a small histogram, and the
// process-wide counters other packages increment (job runs, lease
// takeovers, fenced writes) or gauges they set (SetGauge).
package metrics

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Writer accumulates Prometheus text format (version 0.0.4), one HELP/TYPE
// header per family however many collectors add samples to it.
type Writer struct {
	families map[string]*family
	order    []string
}

type family struct {
	help, kind string
	samples    []string
}

func (m *Writer) family(name, kind, help string) *family {
	if m.families == nil {
		m.families = map[string]*family{}
	}
	f, ok := m.families[name]
	if !ok {
		f = &family{help: help, kind: kind}
		m.families[name] = f
		m.order = append(m.order, name)
	}
	return f
}

// Sample adds one sample of a counter or gauge family.
func (m *Writer) Sample(name, kind, help string, labels map[string]string, value float64) {
	f := m.family(name, kind, help)
	f.samples = append(f.samples, name+formatLabels(labels, "", "")+" "+formatValue(value))
}

// Histogram adds one histogram (its _bucket, _sum and _count series) to the
// family name, which must not end in _bucket, _sum or _count.
func (m *Writer) Histogram(name, help string, labels map[string]string, h HistogramSnapshot) {
	f := m.family(name, "histogram", help)
	var cum uint64
	for i, b := range h.Bounds {
		cum += h.Counts[i]
		f.samples = append(f.samples, name+"_bucket"+formatLabels(labels, "le", formatValue(b))+" "+strconv.FormatUint(cum, 10))
	}
	f.samples = append(f.samples,
		name+"_bucket"+formatLabels(labels, "le", "+Inf")+" "+strconv.FormatUint(h.Count, 10),
		name+"_sum"+formatLabels(labels, "", "")+" "+formatValue(h.Sum),
		name+"_count"+formatLabels(labels, "", "")+" "+strconv.FormatUint(h.Count, 10))
}

// Names lists the families written so far, in order.
func (m *Writer) Names() []string { return append([]string(nil), m.order...) }

func (m *Writer) String() string {
	var b strings.Builder
	for _, name := range m.order {
		f := m.families[name]
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, f.help, name, f.kind)
		for _, s := range f.samples {
			b.WriteString(s)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// formatLabels renders labels sorted by name, plus extra=extraValue last
// when extra is not empty (the histogram's le).
func formatLabels(labels map[string]string, extra, extraValue string) string {
	if len(labels) == 0 && extra == "" {
		return ""
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys)+1)
	for _, k := range keys {
		parts = append(parts, k+`="`+labelEscaper.Replace(labels[k])+`"`)
	}
	if extra != "" {
		parts = append(parts, extra+`="`+extraValue+`"`)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func formatValue(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
