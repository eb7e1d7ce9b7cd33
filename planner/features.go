package planner

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-ml/sluice/jobspec"
	"github.com/sluice-ml/sluice/planner/catalog"
	"github.com/sluice-ml/sluice/planner/logical"
)

// Statistics a fit can need, in the order they are listed.
const (
	NeedMoments      = "moments"       // count, mean, M2, min, max (Chan et al. merge)
	NeedLog1pMoments = "log1p-moments" // moments of log1p(x)
	NeedQuantiles    = "quantiles"     // a mergeable quantile sketch or exact selection
	NeedValueCounts  = "value-counts"  // counts per distinct value
)

var needOrder = []string{NeedMoments, NeedLog1pMoments, NeedQuantiles, NeedValueCounts}

// FeaturePlan is what the fit and transform stages do for one feature.
type FeaturePlan struct {
	Name         string // output name (the feature's name)
	Source       string // the column it reads
	Derived      bool   // Source is a derived column
	SourceType   arrow.DataType
	Transform    string       // jobspec.T*
	Params       []logical.KV // transform parameters (top_k, min_count, buckets, min, max)
	Needs        []string     // statistics fitted on train rows, for the transform and the fill
	FillKind     string       // jobspec.Fill*
	FillValue    any          // for FillValue
	OutputType   arrow.DataType
	OutputFields []string // onehot: "name=*" (the values are known only after fitting)
}

// LabelPlan is the label column and its null rule.
type LabelPlan struct {
	Name      string
	Type      arrow.DataType // kept as is in the output
	FillKind  string
	FillValue any
	Needs     []string
}

// AggCompute is one output column of an aggregate table.
type AggCompute struct {
	Name       string
	Func       string // jobspec.Agg*
	Column     string // "" for count()
	InputType  arrow.DataType
	OutputType arrow.DataType
}

// AggPlan is one group-by table.
type AggPlan struct {
	Name       string
	By         []string
	Compute    []AggCompute
	Partitions int // hash partitions of the exchange between partial and final aggregation
}

func fillKind(f jobspec.Fill) string {
	if f.Kind == "" {
		return jobspec.FillNone
	}
	return f.Kind
}

// fillNeeds is the statistic a fill rule fits, or "".
func fillNeeds(kind string) string {
	switch kind {
	case jobspec.FillMean:
		return NeedMoments
	case jobspec.FillMedian:
		return NeedQuantiles
	case jobspec.FillMode:
		return NeedValueCounts
	}
	return ""
}

func transformNeeds(t string) string {
	switch t {
	case jobspec.TZScore, jobspec.TMinMax:
		return NeedMoments
	case jobspec.TLog1p:
		return NeedLog1pMoments
	case jobspec.TBucketize:
		return NeedQuantiles
	case jobspec.TVocab, jobspec.TOneHot:
		return NeedValueCounts
	}
	return ""
}

// orderedNeeds keeps the non-empty needs, once each, in needOrder.
func orderedNeeds(needs ...string) []string {
	var out []string
	for _, n := range needOrder {
		if slices.Contains(needs, n) {
			out = append(out, n)
		}
	}
	return out
}

func transformParams(f jobspec.Feature) []logical.KV {
	var kvs []logical.KV
	switch f.Transform {
	case jobspec.TVocab, jobspec.TOneHot:
		if f.TopK > 0 {
			kvs = append(kvs, logical.KV{Key: "top_k", Value: strconv.Itoa(f.TopK)})
		}
		if f.MinCount > 1 {
			kvs = append(kvs, logical.KV{Key: "min_count", Value: strconv.FormatInt(f.MinCount, 10)})
		}
	case jobspec.TBucketize, jobspec.THash:
		kvs = append(kvs, logical.KV{Key: "buckets", Value: strconv.Itoa(f.Buckets)})
	case jobspec.TClip:
		if f.Min != nil {
			kvs = append(kvs, logical.KV{Key: "min", Value: fmtFloat(*f.Min)})
		}
		if f.Max != nil {
			kvs = append(kvs, logical.KV{Key: "max", Value: fmtFloat(*f.Max)})
		}
	}
	return kvs
}

func featurePlans(job *jobspec.Job, c *catalog.Catalog) []FeaturePlan {
	out := make([]FeaturePlan, 0, len(job.Features))
	for _, f := range job.Features {
		col, _ := c.Lookup(f.Name)
		fk := fillKind(f.Fill)
		fp := FeaturePlan{
			Name: f.Name, Source: f.Name, Derived: col.Derived, SourceType: col.Type,
			Transform: f.Transform, Params: transformParams(f),
			Needs:    orderedNeeds(transformNeeds(f.Transform), fillNeeds(fk)),
			FillKind: fk, FillValue: f.Fill.Value,
			OutputType:   arrow.PrimitiveTypes.Float32,
			OutputFields: []string{f.Name},
		}
		switch f.Transform {
		case jobspec.TVocab, jobspec.THash, jobspec.TBucketize:
			fp.OutputType = arrow.PrimitiveTypes.Int32
		case jobspec.TOneHot:
			fp.OutputFields = []string{f.Name + "=*"}
		}
		out = append(out, fp)
	}
	return out
}

func labelPlan(job *jobspec.Job, c *catalog.Catalog) *LabelPlan {
	if job.Label == nil {
		return nil
	}
	col, _ := c.Lookup(job.Label.Name)
	fk := fillKind(job.Label.Fill)
	return &LabelPlan{Name: job.Label.Name, Type: col.Type, FillKind: fk, FillValue: job.Label.Fill.Value,
		Needs: orderedNeeds(fillNeeds(fk))}
}

// aggOutputType is the result type of an aggregate function on a column type.
func aggOutputType(fn string, in arrow.DataType) arrow.DataType {
	switch fn {
	case jobspec.AggCount, jobspec.AggCountDistinct:
		return arrow.PrimitiveTypes.Int64
	case jobspec.AggSum:
		if in.ID() == arrow.FLOAT64 {
			return arrow.PrimitiveTypes.Float64
		}
		return arrow.PrimitiveTypes.Int64
	case jobspec.AggMin, jobspec.AggMax:
		if in.ID() == arrow.BOOL {
			return arrow.FixedWidthTypes.Boolean
		}
		return in
	}
	return arrow.PrimitiveTypes.Float64
}

func aggPlans(job *jobspec.Job, c *catalog.Catalog, partitions int) []AggPlan {
	out := make([]AggPlan, 0, len(job.Aggregates))
	for _, a := range job.Aggregates {
		ap := AggPlan{Name: a.Name, By: append([]string(nil), a.By...), Partitions: partitions}
		if len(a.By) == 0 {
			ap.Partitions = 1
		}
		for _, e := range a.Compute {
			ac := AggCompute{Name: e.Name, Func: e.Func, Column: e.Column}
			if e.Column != "" {
				col, _ := c.Lookup(e.Column)
				ac.InputType = col.Type
			}
			ac.OutputType = aggOutputType(e.Func, ac.InputType)
			ap.Compute = append(ap.Compute, ac)
		}
		out = append(out, ap)
	}
	return out
}

// computeList is `[trips=count(), mean_duration=mean(tripduration)]`.
func (a AggPlan) computeList() string {
	s := make([]string, len(a.Compute))
	for i, c := range a.Compute {
		s[i] = fmt.Sprintf("%s=%s(%s)", c.Name, c.Func, c.Column)
	}
	return logical.List(s)
}

// transformList is `[tripduration=zscore, end_station_id=hash(buckets=1024)]`.
func transformList(fs []FeaturePlan) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = f.Name + "=" + f.Transform
		if len(f.Params) > 0 {
			ps := make([]string, len(f.Params))
			for j, kv := range f.Params {
				ps[j] = kv.Key + "=" + kv.Value
			}
			s[i] += "(" + strings.Join(ps, ",") + ")"
		}
	}
	return logical.List(s)
}

// fillList is `[tripduration=median, birth_year=value(0)]` for the fills that
// replace nulls (not none, not drop); label last.
func fillList(fs []FeaturePlan, l *LabelPlan) []string {
	var s []string
	add := func(name, kind string, v any) {
		switch kind {
		case jobspec.FillNone, jobspec.FillDrop:
		case jobspec.FillValue:
			s = append(s, fmt.Sprintf("%s=value(%v)", name, v))
		default:
			s = append(s, name+"="+kind)
		}
	}
	for _, f := range fs {
		add(f.Name, f.FillKind, f.FillValue)
	}
	if l != nil {
		add(l.Name, l.FillKind, l.FillValue)
	}
	return s
}

// statsList is `[tripduration:quantiles, gender:value-counts]`.
func statsList(fs []FeaturePlan, l *LabelPlan) []string {
	var s []string
	for _, f := range fs {
		for _, n := range f.Needs {
			s = append(s, f.Name+":"+n)
		}
	}
	if l != nil {
		for _, n := range l.Needs {
			s = append(s, l.Name+":"+n)
		}
	}
	return s
}
