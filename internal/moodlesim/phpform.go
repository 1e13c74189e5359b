package moodlesim

import (
	"net/url"
	"strconv"
	"strings"
)

// phpArr is a PHP array: ordered keys mapping to a string or a nested *phpArr.
type phpArr struct {
	keys []string
	vals map[string]any
	next int // next automatic index, as PHP's nNextFreeElement
}

func newPHPArr() *phpArr { return &phpArr{vals: map[string]any{}} }

func (a *phpArr) set(k string, v any) {
	if _, ok := a.vals[k]; !ok {
		a.keys = append(a.keys, k)
	}
	a.vals[k] = v
	if n, err := strconv.Atoi(k); err == nil && strconv.Itoa(n) == k && n >= a.next {
		a.next = n + 1
	}
}

func (a *phpArr) get(k string) (any, bool) {
	v, ok := a.vals[k]
	return v, ok
}

func (a *phpArr) del(k string) {
	if _, ok := a.vals[k]; !ok {
		return
	}
	delete(a.vals, k)
	for i, x := range a.keys {
		if x == k {
			a.keys = append(a.keys[:i], a.keys[i+1:]...)
			break
		}
	}
}

func (a *phpArr) len() int { return len(a.keys) }

// maxInputVars is PHP's max_input_vars on the recorded site. PHP registers
// a variable before it checks the count, so max+1 variables survive: that
// is why 2,000 enrol rows (6,003 vars) enrol exactly 1,666 users.
const maxInputVars = 5000

// postMaxSize is PHP's post_max_size (8M): bigger bodies lose every field.
const postMaxSize = 8 << 20

// formPair is one raw name=value variable, in request order.
type formPair struct{ name, value string }

// parseURLEncoded splits a urlencoded string in order, as PHP does.
func parseURLEncoded(s string) []formPair {
	var out []formPair
	for _, part := range strings.Split(s, "&") {
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, "=")
		n, err1 := url.QueryUnescape(name)
		v, err2 := url.QueryUnescape(value)
		if err1 != nil || err2 != nil || n == "" {
			continue
		}
		out = append(out, formPair{n, v})
	}
	return out
}

// registerVars builds a PHP superglobal from pairs, keeping max+1 vars.
func registerVars(pairs []formPair, dst *phpArr) {
	for i, p := range pairs {
		if i > maxInputVars {
			break
		}
		registerVar(dst, p.name, p.value)
	}
}

// registerVar stores name=value following PHP's php_register_variable:
// "a[0][b]" nests, "a[]" appends, a later scalar replaces an earlier value.
func registerVar(dst *phpArr, name, value string) {
	base, subs := splitPHPName(name)
	if base == "" {
		return
	}
	path := append([]string{base}, subs...)
	cur := dst
	for i, k := range path {
		if k == "\x00append" {
			k = strconv.Itoa(cur.next)
		}
		if i == len(path)-1 {
			cur.set(k, value)
			return
		}
		child, ok := cur.vals[k].(*phpArr)
		if !ok {
			child = newPHPArr()
			cur.set(k, child)
		}
		cur = child
	}
}

// splitPHPName turns "a[x][]" into "a", ["x", append].
func splitPHPName(name string) (string, []string) {
	i := strings.IndexByte(name, '[')
	if i <= 0 {
		return name, nil
	}
	base, rest := name[:i], name[i:]
	var subs []string
	for strings.HasPrefix(rest, "[") {
		j := strings.IndexByte(rest, ']')
		if j < 0 {
			break // PHP ignores a malformed tail
		}
		k := rest[1:j]
		if k == "" {
			k = "\x00append"
		}
		subs = append(subs, k)
		rest = rest[j+1:]
	}
	return base, subs
}

// mergeArr is PHP's array_merge($_GET, $_POST) for string keys.
func mergeArr(a, b *phpArr) *phpArr {
	out := newPHPArr()
	for _, k := range a.keys {
		out.set(k, a.vals[k])
	}
	for _, k := range b.keys {
		out.set(k, b.vals[k])
	}
	return out
}

// scalar returns the string value of a top-level var, if any.
func (a *phpArr) scalar(k string) (string, bool) {
	v, ok := a.vals[k].(string)
	return v, ok
}
