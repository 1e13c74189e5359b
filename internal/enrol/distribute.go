package enrol

import (
	"sort"
)

// Person is what Distribute needs of a participant.
type Person struct {
	Key           string // normalised e-mail (or username/idnumber)
	Establishment string
}

// Distribute spreads people over n sessions evenly and deterministically
// and returns each person's session index (0..n-1). People are taken in
// the order of their keys and cut into consecutive blocks whose sizes
// differ by at most one. With keepEstablishment, people of one
// établissement stay together: établissements (largest first, then by
// name) go to the least filled session, so sessions can then differ by
// more than one person; people without an établissement are spread one
// by one afterwards.
func Distribute(people []Person, n int, keepEstablishment bool) []int {
	out := make([]int, len(people))
	if n <= 1 || len(people) == 0 {
		return out
	}
	order := make([]int, len(people))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return people[order[a]].Key < people[order[b]].Key })
	if !keepEstablishment {
		for pos, i := range order {
			out[i] = pos * n / len(people)
		}
		return out
	}
	return distributeByEstablishment(people, order, n, out)
}

func distributeByEstablishment(people []Person, order []int, n int, out []int) []int {
	groups := map[string][]int{}
	var loners []int
	var keys []string
	for _, i := range order {
		est := people[i].Establishment
		if est == "" {
			loners = append(loners, i)
			continue
		}
		if _, ok := groups[est]; !ok {
			keys = append(keys, est)
		}
		groups[est] = append(groups[est], i)
	}
	sort.SliceStable(keys, func(a, b int) bool {
		la, lb := len(groups[keys[a]]), len(groups[keys[b]])
		if la != lb {
			return la > lb
		}
		return keys[a] < keys[b]
	})
	load := make([]int, n)
	for _, k := range keys {
		s := leastLoaded(load)
		for _, i := range groups[k] {
			out[i] = s
		}
		load[s] += len(groups[k])
	}
	for _, i := range loners {
		s := leastLoaded(load)
		out[i] = s
		load[s]++
	}
	return out
}

func leastLoaded(load []int) int {
	best := 0
	for s, l := range load {
		if l < load[best] {
			best = s
		}
	}
	return best
}
