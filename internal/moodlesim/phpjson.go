package moodlesim

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// obj is a JSON object whose key order is kept, because Moodle's answers
// have a stable key order and byte-level clients may depend on it.
type obj []kv

type kv struct {
	K string
	V any
}

// o builds an obj from alternating keys and values.
func o(pairs ...any) obj {
	out := make(obj, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, kv{K: pairs[i].(string), V: pairs[i+1]})
	}
	return out
}

// add appends a key only when keep is true (Moodle omits optional keys).
func (b obj) addIf(keep bool, k string, v any) obj {
	if keep {
		return append(b, kv{K: k, V: v})
	}
	return b
}

// get returns the value stored under k.
func (b obj) get(k string) (any, bool) {
	for _, e := range b {
		if e.K == k {
			return e.V, true
		}
	}
	return nil, false
}

// xmlNull is an optional key that Moodle's JSON output omits but its XML
// output renders as <VALUE null="null"/> (the XML writer walks the return
// description, the JSON writer the cleaned value).
type xmlNull struct{}

// phpJSON encodes v the way PHP's json_encode does by default: "/" becomes
// "\/" and every non-ASCII character a \uXXXX escape.
func phpJSON(v any) []byte {
	var b bytes.Buffer
	encodeJSON(&b, v)
	return b.Bytes()
}

func encodeJSON(b *bytes.Buffer, v any) {
	switch t := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case int:
		b.WriteString(strconv.Itoa(t))
	case int64:
		b.WriteString(strconv.FormatInt(t, 10))
	case float64:
		b.WriteString(phpFloat(t))
	case string:
		encodeJSONString(b, t)
	case obj:
		encodeJSONObj(b, t)
	case []obj:
		b.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				b.WriteByte(',')
			}
			encodeJSONObj(b, e)
		}
		b.WriteByte(']')
	case []string:
		b.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				b.WriteByte(',')
			}
			encodeJSONString(b, e)
		}
		b.WriteByte(']')
	case []any:
		b.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				b.WriteByte(',')
			}
			encodeJSON(b, e)
		}
		b.WriteByte(']')
	default:
		panic(fmt.Sprintf("moodlesim: cannot encode %T", v))
	}
}

func encodeJSONObj(b *bytes.Buffer, t obj) {
	b.WriteByte('{')
	first := true
	for _, e := range t {
		if _, skip := e.V.(xmlNull); skip {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		encodeJSONString(b, e.K)
		b.WriteByte(':')
		encodeJSON(b, e.V)
	}
	b.WriteByte('}')
}

// phpFloat mirrors PHP >= 7.1 (serialize_precision=-1): shortest repr,
// integral floats keep a ".0".
func phpFloat(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return "0"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		s = strconv.FormatFloat(f, 'f', -1, 64) + ".0"
	}
	return s
}

const hexDigits = "0123456789abcdef"

func encodeJSONString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '/':
			b.WriteString(`\/`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || r >= 0x7f:
			writeUnicodeEscape(b, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}

func writeUnicodeEscape(b *bytes.Buffer, r rune) {
	if r == utf8.RuneError {
		r = 0xfffd
	}
	if r > 0xffff {
		r -= 0x10000
		writeU16(b, 0xd800+(r>>10))
		writeU16(b, 0xdc00+(r&0x3ff))
		return
	}
	writeU16(b, r)
}

func writeU16(b *bytes.Buffer, r rune) {
	b.WriteString(`\u`)
	for shift := 12; shift >= 0; shift -= 4 {
		b.WriteByte(hexDigits[(r>>uint(shift))&0xf])
	}
}

// phpXML renders a success answer like Moodle's REST server in XML mode.
func phpXML(v any) []byte {
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<RESPONSE>\n")
	if v != nil {
		encodeXML(&b, v)
	}
	b.WriteString("</RESPONSE>\n")
	return b.Bytes()
}

func encodeXML(b *bytes.Buffer, v any) {
	switch t := v.(type) {
	case nil, xmlNull:
		b.WriteString("<VALUE null=\"null\"/>\n")
	case obj:
		b.WriteString("<SINGLE>\n")
		for _, e := range t {
			b.WriteString(`<KEY name="` + htmlEscape(e.K) + `">`)
			encodeXML(b, e.V)
			b.WriteString("</KEY>\n")
		}
		b.WriteString("</SINGLE>\n")
	case []obj:
		b.WriteString("<MULTIPLE>\n")
		for _, e := range t {
			encodeXML(b, e)
		}
		b.WriteString("</MULTIPLE>\n")
	case []string:
		b.WriteString("<MULTIPLE>\n")
		for _, e := range t {
			encodeXML(b, e)
		}
		b.WriteString("</MULTIPLE>\n")
	case []any:
		b.WriteString("<MULTIPLE>\n")
		for _, e := range t {
			encodeXML(b, e)
		}
		b.WriteString("</MULTIPLE>\n")
	default:
		b.WriteString("<VALUE>" + htmlEscape(xmlScalar(t)) + "</VALUE>\n")
	}
}

// xmlScalar prints scalars as PHP's string conversion does (true is "1").
func xmlScalar(v any) string {
	switch t := v.(type) {
	case bool:
		if t {
			return "1"
		}
		return "0"
	case int:
		return strconv.Itoa(t)
	case int64:
		return strconv.FormatInt(t, 10)
	case float64:
		return strconv.FormatFloat(t, 'g', -1, 64)
	case string:
		return t
	}
	return fmt.Sprint(v)
}

// htmlEscape mirrors PHP 8.1+ htmlspecialchars defaults (ENT_QUOTES).
func htmlEscape(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '\'':
			b.WriteString("&#039;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
