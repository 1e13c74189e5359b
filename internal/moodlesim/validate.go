package moodlesim

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// pd is an external-function parameter description, a small copy of
// Moodle's external_value / external_single_structure /
// external_multiple_structure, validated with the same rules and messages
// (external_api::validate_parameters) so debuginfo texts match.
type pd struct {
	kind int
	typ  string // PARAM_* value: "int", "text", "raw", "bool", ...
	keys []pkey
	elem *pd
	req  int
	def  any
}

type pkey struct {
	name string
	d    *pd
}

const (
	kValue = iota
	kSingle
	kMulti
)

const (
	reqRequired = iota
	reqOptional
	reqDefault
)

func val(typ string) *pd      { return &pd{kind: kValue, typ: typ} }
func vInt() *pd               { return val("int") }
func vText() *pd              { return val("text") }
func vRaw() *pd               { return val("raw") }
func vBool() *pd              { return val("bool") }
func single(keys ...pkey) *pd { return &pd{kind: kSingle, keys: keys} }
func multi(elem *pd) *pd      { return &pd{kind: kMulti, elem: elem} }
func k(name string, d *pd) pkey {
	return pkey{name: name, d: d}
}

// opt marks the parameter VALUE_OPTIONAL.
func (d *pd) opt() *pd { c := *d; c.req = reqOptional; return &c }

// dflt marks the parameter VALUE_DEFAULT with the given default.
func (d *pd) dflt(v any) *pd { c := *d; c.req = reqDefault; c.def = v; return &c }

// paramError is Moodle's invalid_parameter_exception: the message is fixed,
// the detail goes to debuginfo.
type paramError struct{ debug string }

func (e *paramError) Error() string { return "Invalid parameter value detected: " + e.debug }

func badParam(format string, args ...any) *paramError {
	return &paramError{debug: fmt.Sprintf(format, args...)}
}

// validate checks v (a string, *phpArr or a Go default) against d and
// returns the cleaned value: int, string, bool, float64, nil, P or []any.
func validate(d *pd, v any) (any, *paramError) {
	switch d.kind {
	case kSingle:
		return validateSingle(d, v)
	case kMulti:
		return validateMulti(d, v)
	}
	return validateValue(d, v)
}

func validateSingle(d *pd, v any) (any, *paramError) {
	arr, ok := asArr(v)
	if !ok {
		return nil, badParam("Only arrays accepted. The bad value is: '%s'", printR(v))
	}
	rest := newPHPArr()
	for _, key := range arr.keys {
		rest.set(key, arr.vals[key])
	}
	out := P{}
	for _, key := range d.keys {
		raw, present := arr.get(key.name)
		if !present {
			if key.d.req == reqRequired {
				return nil, badParam("Missing required key in single structure: %s", key.name)
			}
			if key.d.req == reqOptional {
				continue
			}
			raw = key.d.def
		}
		cleaned, err := validate(key.d, raw)
		if err != nil {
			return nil, badParam("%s => Invalid parameter value detected: %s", key.name, err.debug)
		}
		out[key.name] = cleaned
		rest.del(key.name)
	}
	if rest.len() > 0 {
		return nil, badParam("Unexpected keys (%s) detected in parameter array.", strings.Join(rest.keys, ", "))
	}
	return out, nil
}

func validateMulti(d *pd, v any) (any, *paramError) {
	if items, ok := v.([]any); ok { // a Go default such as []any{}
		v = sliceToArr(items)
	}
	arr, ok := asArr(v)
	if !ok {
		return nil, badParam("Only arrays accepted. The bad value is: '%s'", printR(v))
	}
	out := make([]any, 0, arr.len())
	for _, key := range arr.keys {
		cleaned, err := validate(d.elem, arr.vals[key])
		if err != nil {
			return nil, err
		}
		out = append(out, cleaned)
	}
	return out, nil
}

func asArr(v any) (*phpArr, bool) {
	a, ok := v.(*phpArr)
	return a, ok && a != nil
}

func sliceToArr(items []any) *phpArr {
	a := newPHPArr()
	for i, it := range items {
		a.set(strconv.Itoa(i), it)
	}
	return a
}

// printR approximates PHP's print_r for the error text.
func printR(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case *phpArr:
		return "Array"
	}
	return fmt.Sprint(v)
}

// paramPatterns are Moodle's PARAM_* checks, compiled when the simulator
// first validates a call, not when the bridge starts (the simulator is in
// every bridge binary, for `bridge demo`).
type paramPatterns struct {
	int, float, alpha, alnum, alnumExt, alphaExt, sequence, username, tag *regexp.Regexp
}

var patterns = sync.OnceValue(func() *paramPatterns {
	return &paramPatterns{
		int:      regexp.MustCompile(`^(0|-?[1-9][0-9]*)$`),
		float:    regexp.MustCompile(`(?i)^[+-]?[0-9]*\.?[0-9]*(e[-+]?[0-9]+)?$`),
		alpha:    regexp.MustCompile(`^[a-zA-Z]*$`),
		alnum:    regexp.MustCompile(`^[a-zA-Z0-9]*$`),
		alnumExt: regexp.MustCompile(`^[a-zA-Z0-9_-]*$`),
		alphaExt: regexp.MustCompile(`^[a-zA-Z_-]*$`),
		sequence: regexp.MustCompile(`^[0-9,]*$`),
		username: regexp.MustCompile(`^[a-z0-9._@-]*$`),
		tag:      regexp.MustCompile(`<[a-zA-Z/!?]`),
	}
})

func validateValue(d *pd, v any) (any, *paramError) {
	if _, isArr := v.(*phpArr); isArr {
		return nil, badParam("Scalar type expected, array or object received.")
	}
	if v == nil {
		return nil, nil // NULL_ALLOWED is Moodle's default for external_value
	}
	if s, ok := v.(string); ok {
		return cleanScalar(d.typ, s)
	}
	return v, nil // Go defaults are already typed
}

func cleanScalar(typ, s string) (any, *paramError) {
	fail := func() (any, *paramError) {
		return nil, badParam(`Invalid external api parameter: the value is "%s", the server was expecting "%s" type`, s, typ)
	}
	switch typ {
	case "int":
		n, err := strconv.Atoi(s)
		if !patterns().int.MatchString(s) || err != nil {
			return fail()
		}
		return n, nil
	case "bool":
		if s == "0" || s == "1" {
			return s == "1", nil
		}
		return fail()
	case "float":
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || !patterns().float.MatchString(s) {
			return fail()
		}
		return f, nil
	case "alpha":
		return matchOrFail(patterns().alpha, s, fail)
	case "alphanum":
		return matchOrFail(patterns().alnum, s, fail)
	case "alphaext":
		return matchOrFail(patterns().alphaExt, s, fail)
	case "alphanumext":
		return matchOrFail(patterns().alnumExt, s, fail)
	case "sequence":
		return matchOrFail(patterns().sequence, s, fail)
	case "username":
		if strings.TrimSpace(s) != s {
			return fail()
		}
		return matchOrFail(patterns().username, s, fail)
	case "text", "notags":
		if patterns().tag.MatchString(s) {
			return fail()
		}
	}
	return s, nil
}

func matchOrFail(re *regexp.Regexp, s string, fail func() (any, *paramError)) (any, *paramError) {
	if !re.MatchString(s) {
		return fail()
	}
	return s, nil
}

// P is a validated single structure.
type P map[string]any

// Has reports whether the key was sent (or has a default).
func (p P) Has(k string) bool { _, ok := p[k]; return ok && p[k] != nil }

// Int returns an int parameter (0 when absent).
func (p P) Int(k string) int {
	switch t := p[k].(type) {
	case int:
		return t
	case bool:
		if t {
			return 1
		}
	}
	return 0
}

// Str returns a string parameter ("" when absent).
func (p P) Str(k string) string { s, _ := p[k].(string); return s }

// Bool returns a bool parameter (false when absent).
func (p P) Bool(k string) bool {
	switch t := p[k].(type) {
	case bool:
		return t
	case int:
		return t != 0
	}
	return false
}

// Float returns a float parameter.
func (p P) Float(k string) float64 {
	switch t := p[k].(type) {
	case float64:
		return t
	case int:
		return float64(t)
	}
	return 0
}

// List returns a multiple structure of single structures.
func (p P) List(k string) []P {
	items, _ := p[k].([]any)
	out := make([]P, 0, len(items))
	for _, it := range items {
		if m, ok := it.(P); ok {
			out = append(out, m)
		}
	}
	return out
}

// Ints returns a multiple structure of ints.
func (p P) Ints(k string) []int {
	items, _ := p[k].([]any)
	out := make([]int, 0, len(items))
	for _, it := range items {
		if n, ok := it.(int); ok {
			out = append(out, n)
		}
	}
	return out
}

// Strs returns a multiple structure of strings.
func (p P) Strs(k string) []string {
	items, _ := p[k].([]any)
	out := make([]string, 0, len(items))
	for _, it := range items {
		if s, ok := it.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// options turns a [{name, value}] list into a map.
func (p P) options(k string) map[string]string {
	out := map[string]string{}
	for _, it := range p.List(k) {
		out[it.Str("name")] = it.Str("value")
	}
	return out
}
