package exec

import "github.com/apache/arrow-go/v18/arrow"

// lender keeps the batch an operator last lent and releases it when the
// next one is lent or the operator closes.
type lender struct{ cur arrow.RecordBatch }

// lend hands out b (which the operator owns, +1) until the next call.
func (l *lender) lend(b arrow.RecordBatch) arrow.RecordBatch {
	l.drop()
	l.cur = b
	return b
}

func (l *lender) drop() {
	if l.cur != nil {
		l.cur.Release()
		l.cur = nil
	}
}
