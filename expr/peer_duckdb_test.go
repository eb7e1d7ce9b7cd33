package expr

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sluice-ml/sluice/expr/eval"
)

// requireDuckDB returns the node binary and the peer script, skipping the
// test when node or @duckdb/node-api is missing (`make peers`) and failing
// it instead when CI is set.
func requireDuckDB(t *testing.T) (string, string) {
	t.Helper()
	missing := func(why string) {
		if os.Getenv("CI") != "" {
			t.Fatalf("peer unavailable under CI: %s (run `make peers`)", why)
		}
		t.Skipf("peer unavailable: %s (run `make peers`)", why)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("no node on PATH")
	}
	peers := filepath.Join("..", "tools", "peers")
	if _, err := os.Stat(filepath.Join(peers, "node_modules", "@duckdb", "node-api")); err != nil {
		missing("tools/peers/node_modules/@duckdb/node-api is missing")
	}
	script, err := filepath.Abs(filepath.Join(peers, "duckdb_sql.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	return node, script
}

// peerWords avoids the few characters whose case mappings differ between
// Go's unicode tables and DuckDB's utf8proc (ß, the Turkish dotless i).
var peerWords = []string{"", "a", "ab", "b", "Subscriber", "Customer", "zz", "é", "a_b%c", "ÉcolE", "naïve ünï",
	"Hello World", "ÀÖ ça", "%", "_", "x!y", "1234567890", "aaa", "bab", "😀 ok"}

// peerExprs pairs an expression with its DuckDB spelling ("" when the
// same text).
var peerExprs = [][2]string{
	{"lower(s)", ""}, {"upper(p)", ""}, {"lower(p)", ""}, {"upper(s)", ""}, {"length(s)", ""}, {"length(p)", ""},
	{"substr(s, j)", "substring(s, j)"}, {"substr(p, j, k)", "substring(p, j, k)"}, {"substr(s, 2, 3)", "substring(s, 2, 3)"},
	{"substr(p, -3, k)", "substring(p, -3, k)"}, {"substr(s, j, -2)", "substring(s, j, -2)"},
	{"concat(s, p)", ""}, {"concat(s, '-', p, '|')", ""}, {"concat(p)", ""},
	{"starts_with(s, 'a')", ""}, {"starts_with(p, s)", ""},
	{"s like 'a%'", ""}, {"p like '%b%'", ""}, {"s like '_'", ""}, {"p like '%!%%' escape '!'", ""}, {"s like 'É%E'", ""},
	{"p like '%a_b%'", ""}, {"s not like '%o%'", ""}, {"p like 'x!!y' escape '!'", ""}, {"s like '%_%_%'", ""}, {"p like ''", ""},
	{"case when j > 0 then s when j < 0 then p else 'zero' end", ""}, {"case s when 'a' then 1 when 'ab' then 2 else j end", ""},
	{"if(j > k, lower(s), upper(p))", ""}, {"case when s is null then 'none' end", ""},
	{"day_of_week(ts)", "isodow(ts)"}, {"day_of_week(u)", "isodow(u)"},
	{"date_diff('microsecond', ts, u)", ""}, {"date_diff('millisecond', ts, u)", ""}, {"date_diff('second', ts, u)", ""},
	{"date_diff('minute', ts, u)", ""}, {"date_diff('hour', u, ts)", ""}, {"date_diff('day', ts, u)", ""},
	{"date_diff('week', ts, u)", ""}, {"date_diff('month', ts, u)", ""}, {"date_diff('quarter', u, ts)", ""},
	{"date_diff('year', ts, u)", ""}, {"date_diff('day', ts, '2019-06-01 12:00:00')", "date_diff('day', ts, TIMESTAMP '2019-06-01 12:00:00')"},
	{"cast(j as string)", "cast(j as varchar)"}, {"try_cast(s as int64)", "try_cast(s as bigint)"},
}

// TestPeerDuckDB evaluates the string, like, case and date functions on
// 400 random rows here and in DuckDB and compares every value.
func TestPeerDuckDB(t *testing.T) {
	node, script := requireDuckDB(t)
	const rows = 400
	rng := rand.New(rand.NewPCG(11, 12))
	type row struct {
		s, p        string
		sNull       bool
		pNull       bool
		j, k        int64
		jNull, kNul bool
		ts, u       int64 // microseconds
		tsNull      bool
		uNull       bool
	}
	randTs := func() int64 {
		// 1890..2090, half of them within a few days of each other around 2020.
		if rng.IntN(2) == 0 {
			return 1_577_836_800_000_000 + rng.Int64N(20*86400*1_000_000)
		}
		return rng.Int64N(6_300_000_000)*1_000_000 - 2_500_000_000_000_000 + rng.Int64N(1_000_000)
	}
	data := make([]row, rows)
	for i := range data {
		data[i] = row{
			s: peerWords[rng.IntN(len(peerWords))], p: peerWords[rng.IntN(len(peerWords))],
			sNull: rng.IntN(8) == 0, pNull: rng.IntN(8) == 0,
			j: rng.Int64N(17) - 8, k: rng.Int64N(14) - 3, jNull: rng.IntN(10) == 0, kNul: rng.IntN(10) == 0,
			ts: randTs(), u: randTs(), tsNull: rng.IntN(10) == 0, uNull: rng.IntN(10) == 0,
		}
	}
	// DuckDB side.
	lit := func(s string, null bool) string {
		if null {
			return "NULL"
		}
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	num := func(v int64, null bool) string {
		if null {
			return "NULL"
		}
		return fmt.Sprint(v)
	}
	tsLit := func(v int64, null bool) string {
		if null {
			return "NULL"
		}
		return "TIMESTAMP '" + time.UnixMicro(v).UTC().Format("2006-01-02 15:04:05.000000") + "'"
	}
	var values []string
	for i, r := range data {
		values = append(values, fmt.Sprintf("(%d, %s, %s, %s, %s, %s, %s)", i, lit(r.s, r.sNull), lit(r.p, r.pNull),
			num(r.j, r.jNull), num(r.k, r.kNul), tsLit(r.ts, r.tsNull), tsLit(r.u, r.uNull)))
	}
	var sel []string
	for c, pe := range peerExprs {
		d := pe[1]
		if d == "" {
			d = pe[0]
		}
		sel = append(sel, fmt.Sprintf("%s AS c%d", d, c))
	}
	job := map[string]any{
		"setup": []string{
			"CREATE TABLE t (id INTEGER, s VARCHAR, p VARCHAR, j BIGINT, k BIGINT, ts TIMESTAMP, u TIMESTAMP)",
			"INSERT INTO t VALUES " + strings.Join(values, ", "),
		},
		"query": "SELECT " + strings.Join(sel, ", ") + " FROM t ORDER BY id",
	}
	dir := t.TempDir()
	jobFile := filepath.Join(dir, "job.json")
	b, _ := json.Marshal(job)
	if err := os.WriteFile(jobFile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, script, jobFile)
	cmd.Dir = filepath.Join("..", "tools", "peers")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("duckdb peer: %v: %s", err, stderr.String())
	}
	var duck []map[string]any
	if err := json.Unmarshal(out, &duck); err != nil {
		t.Fatalf("duckdb peer output: %v", err)
	}
	if len(duck) != rows {
		t.Fatalf("duckdb returned %d rows, want %d", len(duck), rows)
	}

	// Our side: s dictionary-encoded, p plain, the batch sliced at an offset.
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	const off = 3
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: eval.DictString, Nullable: true}, {Name: "p", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "j", Type: arrow.PrimitiveTypes.Int64, Nullable: true}, {Name: "k", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "ts", Type: tsType, Nullable: true}, {Name: "u", Type: tsType, Nullable: true},
	}, nil)
	sb := array.NewBuilder(mem, eval.DictString).(*array.BinaryDictionaryBuilder)
	pb := array.NewStringBuilder(mem)
	jb, kb := array.NewInt64Builder(mem), array.NewInt64Builder(mem)
	tb, ub := array.NewTimestampBuilder(mem, tsType.(*arrow.TimestampType)), array.NewTimestampBuilder(mem, tsType.(*arrow.TimestampType))
	for range off {
		sb.AppendString("pad")
		pb.Append("pad")
		jb.Append(0)
		kb.Append(0)
		tb.Append(0)
		ub.Append(0)
	}
	for _, r := range data {
		if r.sNull {
			sb.AppendNull()
		} else if err := sb.AppendString(r.s); err != nil {
			t.Fatal(err)
		}
		pb.AppendValues([]string{r.p}, []bool{!r.pNull})
		jb.AppendValues([]int64{r.j}, []bool{!r.jNull})
		kb.AppendValues([]int64{r.k}, []bool{!r.kNul})
		tb.AppendValues([]arrow.Timestamp{arrow.Timestamp(r.ts)}, []bool{!r.tsNull})
		ub.AppendValues([]arrow.Timestamp{arrow.Timestamp(r.u)}, []bool{!r.uNull})
	}
	var cols []arrow.Array
	for _, bld := range []array.Builder{sb, pb, jb, kb, tb, ub} {
		cols = append(cols, bld.NewArray())
		bld.Release()
	}
	full := array.NewRecordBatch(schema, cols, int64(off+rows))
	for _, c := range cols {
		c.Release()
	}
	batch := full.NewSlice(off, off+rows)
	full.Release()
	defer batch.Release()

	for c, pe := range peerExprs {
		e, err := Parse(pe[0])
		if err != nil {
			t.Fatalf("Parse(%q): %v", pe[0], err)
		}
		bnd, err := Bind(e, schema)
		if err != nil {
			t.Fatalf("Bind(%q): %v", pe[0], err)
		}
		got, err := bnd.Eval(batch, mem)
		if err != nil {
			t.Fatalf("%s: %v", pe[0], err)
		}
		bad := 0
		for i := range rows {
			want := duck[i][fmt.Sprintf("c%d", c)]
			g := cell(got, i)
			var ours any
			switch {
			case g.null:
				ours = nil
			case g.k == eval.Bool:
				ours = g.b
			case g.k == eval.Str:
				ours = g.s
			default:
				ours = fmt.Sprint(g.i)
			}
			if ours != want {
				if bad++; bad <= 3 {
					t.Errorf("%s row %d (%+v): got %#v, DuckDB %#v", pe[0], i, data[i], ours, want)
				}
			}
		}
		got.Release()
	}
}
