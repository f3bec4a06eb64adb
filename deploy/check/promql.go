package check

import (
	"fmt"
	"sort"
	"strings"
)

// promKeywords are PromQL words that are neither metrics nor followed by
// a parenthesis.
var promKeywords = map[string]bool{
	"and": true, "or": true, "unless": true, "bool": true, "offset": true, "inf": true, "nan": true,
	"atan2": true, "start": true, "end": true,
}

// aggregations may put their by/without clause before their argument.
var aggregations = map[string]bool{
	"sum": true, "min": true, "max": true, "avg": true, "group": true, "stddev": true, "stdvar": true,
	"count": true, "count_values": true, "bottomk": true, "topk": true, "quantile": true, "limitk": true, "limit_ratio": true,
}

// followedByLabelLister reports whether s starts with by or without and
// an opening parenthesis.
func followedByLabelLister(s string) bool {
	for _, w := range []string{"by", "without"} {
		if len(s) > len(w) && strings.EqualFold(s[:len(w)], w) && !isIdent(s[len(w)], true) {
			return strings.HasPrefix(strings.TrimLeft(s[len(w):], " \t\n\r"), "(")
		}
	}
	return false
}

// labelListers are followed by a parenthesised list of label names.
var labelListers = map[string]bool{
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
}

// MetricNames returns the metric names an expression selects, sorted and
// without repeats: every identifier outside label matchers ({…}), ranges
// ([…]), strings and label lists (by (…), on (…), …) that is not a
// function, an aggregation or a keyword. Grafana variables ($x, ${x},
// [[x]]) are skipped. It is a scanner, not a full PromQL parser: enough to
// tell which metrics a dashboard needs; an unbalanced bracket or quote is
// an error.
func MetricNames(expr string) ([]string, error) {
	seen := map[string]bool{}
	i, n := 0, len(expr)
	skipSpace := func(j int) int {
		for j < n && (expr[j] == ' ' || expr[j] == '\t' || expr[j] == '\n' || expr[j] == '\r') {
			j++
		}
		return j
	}
	// closing finds the index after the bracket closing the one at j,
	// skipping strings.
	closing := func(j int, open, close byte) (int, error) {
		depth := 0
		for k := j; k < n; k++ {
			switch c := expr[k]; c {
			case '"', '\'', '`':
				e, err := stringEnd(expr, k)
				if err != nil {
					return 0, err
				}
				k = e - 1
			case open:
				depth++
			case close:
				depth--
				if depth == 0 {
					return k + 1, nil
				}
			}
		}
		return 0, fmt.Errorf("unbalanced %q at offset %d in %q", open, j, expr)
	}
	for i < n {
		c := expr[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			e, err := stringEnd(expr, i)
			if err != nil {
				return nil, err
			}
			i = e
		case c == '{':
			e, err := closing(i, '{', '}')
			if err != nil {
				return nil, err
			}
			i = e
		case c == '[':
			e, err := closing(i, '[', ']')
			if err != nil {
				return nil, err
			}
			i = e
		case c == '$':
			i++
			if i < n && expr[i] == '{' {
				e, err := closing(i, '{', '}')
				if err != nil {
					return nil, err
				}
				i = e
				continue
			}
			for i < n && isIdent(expr[i], true) {
				i++
			}
		case c >= '0' && c <= '9' || c == '.' && i+1 < n && expr[i+1] >= '0' && expr[i+1] <= '9':
			for i < n && (isIdent(expr[i], true) || expr[i] == '.' || (expr[i] == '+' || expr[i] == '-') && (expr[i-1] == 'e' || expr[i-1] == 'E')) {
				i++
			}
		case isIdent(c, false):
			j := i
			for j < n && isIdent(expr[j], true) {
				j++
			}
			word := expr[i:j]
			k := skipSpace(j)
			lower := strings.ToLower(word)
			switch {
			case labelListers[lower]:
				if k < n && expr[k] == '(' {
					e, err := closing(k, '(', ')')
					if err != nil {
						return nil, err
					}
					j = e
				}
			case promKeywords[lower]:
			case k < n && expr[k] == '(':
				// a function or an aggregation
			case aggregations[lower] && followedByLabelLister(expr[k:]):
				// sum by (…) (…)
			default:
				seen[word] = true
			}
			i = j
		case c == '(' || c == ')':
			i++
		default:
			i++
		}
	}
	var out []string
	for w := range seen {
		out = append(out, w)
	}
	sort.Strings(out)
	return out, nil
}

func isIdent(c byte, rest bool) bool {
	return c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || rest && c >= '0' && c <= '9'
}

// stringEnd returns the index after the string literal starting at i.
func stringEnd(s string, i int) (int, error) {
	q := s[i]
	for k := i + 1; k < len(s); k++ {
		if s[k] == '\\' && q != '`' {
			k++
			continue
		}
		if s[k] == q {
			return k + 1, nil
		}
	}
	return 0, fmt.Errorf("unterminated string at offset %d in %q", i, s)
}

// TemplateQueryMetrics returns the metrics a Grafana Prometheus template
// variable's query selects: label_values(SELECTOR, label) → SELECTOR's,
// label_values(label) → none, query_result(EXPR) → EXPR's, metrics(re) →
// none; anything else is read as PromQL.
func TemplateQueryMetrics(q string) ([]string, error) {
	q = strings.TrimSpace(q)
	for _, fn := range []string{"label_values", "query_result", "metrics", "label_names"} {
		if !strings.HasPrefix(q, fn+"(") || !strings.HasSuffix(q, ")") {
			continue
		}
		inner := q[len(fn)+1 : len(q)-1]
		switch fn {
		case "query_result":
			return MetricNames(inner)
		case "label_values":
			if c := lastTopLevelComma(inner); c >= 0 {
				return MetricNames(inner[:c])
			}
		}
		return nil, nil
	}
	return MetricNames(q)
}

func lastTopLevelComma(s string) int {
	depth, last := 0, -1
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(', '{', '[':
			depth++
		case ')', '}', ']':
			depth--
		case ',':
			if depth == 0 {
				last = i
			}
		case '"', '\'', '`':
			if e, err := stringEnd(s, i); err == nil {
				i = e - 1
			}
		}
	}
	return last
}
