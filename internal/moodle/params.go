package moodle

import (
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Params are the arguments of one web-service function. Values may be
// strings, numbers, booleans (sent as 1/0), maps, slices and structs (their
// `json` tags name the keys, `omitempty` skips zero values), nested to any
// depth; nil pointers, maps and slices are left out.
type Params map[string]any

// Pair is one form variable as PHP will see it, e.g. users[0][email].
type Pair struct {
	Key   string
	Value string
}

// EncodeParams flattens params into PHP's indexed-array form. The order is
// deterministic: map and struct keys sorted per level, slices in order.
func EncodeParams(params Params) ([]Pair, error) {
	var out []Pair
	if err := encodeValue("", reflect.ValueOf(map[string]any(params)), &out); err != nil {
		return nil, err
	}
	return out, nil
}

// FormBody renders pairs as an application/x-www-form-urlencoded body,
// keeping their order (url.Values would re-sort and lose slice order).
func FormBody(pairs []Pair) string {
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p.Key))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(p.Value))
	}
	return b.String()
}

func childKey(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "[" + name + "]"
}

func encodeValue(prefix string, v reflect.Value, out *[]Pair) error {
	if !v.IsValid() {
		return nil
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return encodeValue(prefix, v.Elem(), out)
	case reflect.Map:
		return encodeMap(prefix, v, out)
	case reflect.Struct:
		return encodeStruct(prefix, v, out)
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if err := encodeValue(childKey(prefix, strconv.Itoa(i)), v.Index(i), out); err != nil {
				return err
			}
		}
		return nil
	}
	if prefix == "" {
		return fmt.Errorf("encode params: a scalar needs a name")
	}
	s, err := scalarString(v)
	if err != nil {
		return fmt.Errorf("encode params %s: %w", prefix, err)
	}
	*out = append(*out, Pair{Key: prefix, Value: s})
	return nil
}

func scalarString(v reflect.Value) (string, error) {
	switch v.Kind() {
	case reflect.String:
		return v.String(), nil
	case reflect.Bool:
		if v.Bool() {
			return "1", nil
		}
		return "0", nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10), nil
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'f', -1, 64), nil
	}
	return "", fmt.Errorf("unsupported type %s", v.Type())
}

func encodeMap(prefix string, v reflect.Value, out *[]Pair) error {
	if v.IsNil() {
		return nil
	}
	if v.Type().Key().Kind() != reflect.String {
		return fmt.Errorf("encode params %s: map keys must be strings", prefix)
	}
	keys := make([]string, 0, v.Len())
	for _, k := range v.MapKeys() {
		keys = append(keys, k.String())
	}
	sort.Strings(keys)
	for _, k := range keys {
		val := v.MapIndex(reflect.ValueOf(k).Convert(v.Type().Key()))
		if err := encodeValue(childKey(prefix, k), val, out); err != nil {
			return err
		}
	}
	return nil
}

type structField struct {
	name      string
	index     int
	omitEmpty bool
}

func structFields(t reflect.Type) []structField {
	fields := make([]structField, 0, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fields = append(fields, structField{name: name, index: i, omitEmpty: strings.Contains(opts, "omitempty")})
	}
	sort.Slice(fields, func(a, b int) bool { return fields[a].name < fields[b].name })
	return fields
}

func encodeStruct(prefix string, v reflect.Value, out *[]Pair) error {
	for _, f := range structFields(v.Type()) {
		fv := v.Field(f.index)
		if f.omitEmpty && fv.IsZero() {
			continue
		}
		if err := encodeValue(childKey(prefix, f.name), fv, out); err != nil {
			return err
		}
	}
	return nil
}

// DecodeForm rebuilds nested Params from flat PHP-style keys (the inverse of
// EncodeParams, used to replay recorded requests). Numeric levels become
// slices when their indexes are 0..n-1.
func DecodeForm(values map[string]string) (Params, error) {
	root := map[string]any{}
	for key, val := range values {
		path, err := splitKey(key)
		if err != nil {
			return nil, err
		}
		node := root
		for _, part := range path[:len(path)-1] {
			child, ok := node[part].(map[string]any)
			if !ok {
				child = map[string]any{}
				node[part] = child
			}
			node = child
		}
		node[path[len(path)-1]] = val
	}
	// The top level is always named parameters, even when every name is
	// a number ("0=x"): only nested levels become lists.
	for k, v := range root {
		root[k] = listify(v)
	}
	return Params(root), nil
}

func splitKey(key string) ([]string, error) {
	head, rest, found := strings.Cut(key, "[")
	path := []string{head}
	for found {
		var part string
		part, rest, found = strings.Cut(rest, "]")
		if !found {
			return nil, fmt.Errorf("decode form: unbalanced key %q", key)
		}
		path = append(path, part)
		if rest == "" {
			break
		}
		if rest[0] != '[' {
			return nil, fmt.Errorf("decode form: malformed key %q", key)
		}
		rest, found = rest[1:], true
	}
	return path, nil
}

func listify(node any) any {
	m, ok := node.(map[string]any)
	if !ok {
		return node
	}
	for k, v := range m {
		m[k] = listify(v)
	}
	list := make([]any, len(m))
	for k, v := range m {
		i, err := strconv.Atoi(k)
		if err != nil || i < 0 || i >= len(m) || strconv.Itoa(i) != k {
			return m
		}
		list[i] = v
	}
	if len(list) == 0 {
		return m
	}
	return list
}

// Ptr returns a pointer to v, for optional input fields where the zero value
// is meaningful (visible=0, suspend=0).
func Ptr[T any](v T) *T { return &v }
