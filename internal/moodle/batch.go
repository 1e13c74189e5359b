package moodle

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// PHP drops form variables over max_input_vars without an error, so every
// array call is cut into chunks that stay under the budget (with a margin)
// and under MaxRowsPerChunk rows.

// rowVarCounts says how many form variables each row costs under name.
func rowVarCounts[T any](name string, rows []T) ([]int, error) {
	counts := make([]int, len(rows))
	for i := range rows {
		pairs, err := EncodeParams(Params{name: []T{rows[i]}})
		if err != nil {
			return nil, err
		}
		counts[i] = len(pairs)
	}
	return counts, nil
}

// chunkIndexes groups row indexes greedily, in order, so that each group has
// at most maxRows rows and at most budget variables (a row over the budget
// alone still gets its own chunk: Call then refuses it with a clear error).
func chunkIndexes(idx []int, cost []int, maxRows, budget int) [][]int {
	var chunks [][]int
	var cur []int
	used := 0
	for _, i := range idx {
		if len(cur) > 0 && (len(cur) >= maxRows || used+cost[i] > budget) {
			chunks = append(chunks, cur)
			cur, used = nil, 0
		}
		cur = append(cur, i)
		used += cost[i]
	}
	if len(cur) > 0 {
		chunks = append(chunks, cur)
	}
	return chunks
}

// rowBudget is the variables left for rows once the fixed ones and extra
// top-level arguments are counted.
func (c *Client) valueBudget(extraVars int) int {
	return c.opts.varBudget() - fixedVars - extraVars
}

func chunkBy[T any](values []T, maxRows, budget int) [][]T {
	if len(values) == 0 {
		return [][]T{values}
	}
	var out [][]T
	size := max(1, min(maxRows, budget))
	for len(values) > 0 {
		n := min(size, len(values))
		out = append(out, values[:n])
		values = values[n:]
	}
	return out
}

// forEachChunk calls function once per chunk of rows (sent as name[i][…]),
// in order, stopping at the first error.
func forEachChunk[T any](ctx context.Context, c *Client, function, name string, rows []T, extra Params) error {
	chunks, err := chunkRows(c, name, rows, extra)
	if err != nil {
		return err
	}
	for _, idx := range chunks {
		params := Params{name: pick(rows, idx)}
		for k, v := range extra {
			params[k] = v
		}
		if err := c.Call(ctx, function, params, nil); err != nil {
			return err
		}
	}
	return nil
}

func chunkRows[T any](c *Client, name string, rows []T, extra Params) ([][]int, error) {
	cost, err := rowVarCounts(name, rows)
	if err != nil {
		return nil, callErrorf(c.site.Name, name, err)
	}
	extraPairs, err := EncodeParams(extra)
	if err != nil {
		return nil, callErrorf(c.site.Name, name, err)
	}
	return chunkIndexes(seq(len(rows)), cost, c.opts.MaxRowsPerChunk, c.valueBudget(len(extraPairs))), nil
}

func pick[T any](rows []T, idx []int) []T {
	out := make([]T, len(idx))
	for i, j := range idx {
		out[i] = rows[j]
	}
	return out
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// RowOutcome is what happened to one row of a batch. A row neither OK nor
// with Err was not attempted: the batch stopped on an error first.
type RowOutcome[R any] struct {
	OK       bool
	Value    R     // the row's answer, when the function returns one per row
	Err      error // the Moodle error of the smallest failing call holding the row
	Existing bool  // found by its natural key rather than created (…Once helpers)
}

// BatchResult reports per-row outcomes of a chunked, bisected batch.
type BatchResult[R any] struct {
	Rows  []RowOutcome[R]
	Calls int // HTTP calls made, including the bisection
	// MailFailure is set when a call answered "Message was not sent.": its
	// rows were committed and are counted OK.
	MailFailure error
}

// Failed lists the indexes of rows Moodle rejected.
func (b *BatchResult[R]) Failed() []int {
	return b.indexes(func(o RowOutcome[R]) bool { return o.Err != nil })
}

// Pending lists the indexes of rows not attempted.
func (b *BatchResult[R]) Pending() []int {
	return b.indexes(func(o RowOutcome[R]) bool { return !o.OK && o.Err == nil })
}

// Succeeded counts the OK rows.
func (b *BatchResult[R]) Succeeded() int {
	return len(b.indexes(func(o RowOutcome[R]) bool { return o.OK }))
}

func (b *BatchResult[R]) indexes(keep func(RowOutcome[R]) bool) []int {
	var out []int
	for i, o := range b.Rows {
		if keep(o) {
			out = append(out, i)
		}
	}
	return out
}

// rowLevel reports a permanent Moodle error that one or more rows caused
// (invalidparameter, invaliduser, password policy…): bisection can isolate
// them. Retryable, site-level and transport errors stop the batch instead.
func rowLevel(err error) bool {
	var me *Error
	return errors.As(err, &me) && !me.Retryable() && !me.siteLevel() && !me.IsMailFailure()
}

// bisector applies an all-or-nothing function to many rows. Each chunk is
// tried once; a chunk failing on a row-level error is halved, and each
// halving costs exactly one call, on the first half:
//   - first half OK: its rows are applied and the failure is in the second
//     half, which is halved in turn without being called whole;
//   - first half fails: the search goes on inside it, and the second half is
//     set aside, untried, for a later round (all set-aside rows of a round
//     are re-chunked together).
//
// So n rows with one bad row cost 1 + h calls, h <= ceil(log2 n) halvings,
// plus one call re-sending the set-aside rows when the bad row ever sat in a
// first half (1,000 rows in one chunk: 11 calls whether the bad row is first
// or last). A row isolated alone takes the error of the smallest failing
// call that contained it.
type bisector[T, R any] struct {
	mu   sync.Mutex // guards res.Calls and res.MailFailure; rows are each written by one chunk
	c    *Client
	rows []T
	call func(context.Context, []T) ([]R, error)
	res  *BatchResult[R]
}

func runBisect[T, R any](ctx context.Context, c *Client, name string, rows []T,
	call func(context.Context, []T) ([]R, error)) (*BatchResult[R], error) {
	b := &bisector[T, R]{c: c, rows: rows, call: call, res: &BatchResult[R]{Rows: make([]RowOutcome[R], len(rows))}}
	cost, err := rowVarCounts(name, rows)
	if err != nil {
		return b.res, callErrorf(c.site.Name, name, err)
	}
	pending := seq(len(rows))
	for len(pending) > 0 {
		setAside, err := b.round(ctx, chunkIndexes(pending, cost, c.opts.MaxRowsPerChunk, c.valueBudget(0)))
		if err != nil {
			return b.res, err
		}
		sort.Ints(setAside)
		pending = setAside
	}
	return b.res, nil
}

// round applies chunks, BatchParallel at a time. The first error stops
// new chunks from starting; chunks in flight finish and keep their
// outcome, the rest stay Pending.
func (b *bisector[T, R]) round(ctx context.Context, chunks [][]int) ([]int, error) {
	var (
		mu       sync.Mutex
		setAside []int
		firstErr error
		wg       sync.WaitGroup
	)
	sem := make(chan struct{}, b.c.opts.BatchParallel)
	for _, chunk := range chunks {
		sem <- struct{}{}
		mu.Lock()
		stop := firstErr != nil
		mu.Unlock()
		if stop {
			<-sem
			break
		}
		wg.Add(1)
		go func(chunk []int) {
			defer wg.Done()
			defer func() { <-sem }()
			aside, err := b.apply(ctx, chunk)
			mu.Lock()
			defer mu.Unlock()
			setAside = append(setAside, aside...)
			if err != nil && firstErr == nil {
				firstErr = err
			}
		}(chunk)
	}
	wg.Wait()
	return setAside, firstErr
}

// apply tries a chunk never tried before and isolates its bad rows.
func (b *bisector[T, R]) apply(ctx context.Context, idx []int) ([]int, error) {
	err := b.try(ctx, idx)
	if err == nil {
		return nil, nil
	}
	if !rowLevel(err) {
		return nil, err
	}
	return b.isolate(ctx, idx, err)
}

// isolate narrows idx, known to fail with err, down to one bad row.
func (b *bisector[T, R]) isolate(ctx context.Context, idx []int, err error) ([]int, error) {
	var setAside []int
	for len(idx) > 1 {
		first, second := idx[:len(idx)/2], idx[len(idx)/2:]
		ferr := b.try(ctx, first)
		switch {
		case ferr == nil:
			idx = second
		case !rowLevel(ferr):
			return setAside, ferr
		default:
			setAside = append(setAside, second...)
			idx, err = first, ferr
		}
	}
	b.res.Rows[idx[0]].Err = err
	return setAside, nil
}

// try makes one call with the rows at idx and records their success.
func (b *bisector[T, R]) try(ctx context.Context, idx []int) error {
	values, err := b.call(ctx, pick(b.rows, idx))
	b.mu.Lock()
	b.res.Calls++
	if err != nil && IsMailFailure(err) {
		b.res.MailFailure, err = err, nil
	}
	b.mu.Unlock()
	if err != nil {
		return err
	}
	for k, i := range idx {
		b.res.Rows[i].OK = true
		if len(values) == len(idx) {
			b.res.Rows[i].Value = values[k]
		}
	}
	return nil
}

// CreateUsersBatch creates many users: chunked under the input-vars budget,
// bad rows isolated by bisection and the rest created. The error is the one
// that stopped the batch (retryable or site-level); rows it left untried
// are Pending.
func (c *Client) CreateUsersBatch(ctx context.Context, users []UserInput) (*BatchResult[CreatedUser], error) {
	return runBisect(ctx, c, "users", users, c.CreateUsers)
}

// EnrolUsersBatch enrols many rows the same way as CreateUsersBatch.
func (c *Client) EnrolUsersBatch(ctx context.Context, rows []Enrolment) (*BatchResult[struct{}], error) {
	return runBisect(ctx, c, "enrolments", rows, func(ctx context.Context, sub []Enrolment) ([]struct{}, error) {
		return nil, c.EnrolUsers(ctx, sub)
	})
}

func joinComma(s []string) string { return strings.Join(s, ",") }
func itoa(n int64) string         { return strconv.FormatInt(n, 10) }
