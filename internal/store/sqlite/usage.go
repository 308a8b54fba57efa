package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"

	"github.com/vigil-sec/vigil/internal/store"
)

var _ store.UsageStore = (*DB)(nil)

// dayLayout is how a usage day is kept: text in this layout sorts by day.
const dayLayout = time.DateOnly

// AddUsage implements store.UsageStore. A record without a dimension, or
// whose amount is not a finite number, is an error and nothing is written.
func (db *DB) AddUsage(ctx context.Context, recs []store.UsageRecord) error {
	if len(recs) == 0 {
		return nil
	}
	for i, r := range recs {
		if r.Dimension == "" || math.IsNaN(r.Amount) || math.IsInf(r.Amount, 0) {
			return fmt.Errorf("add usage: record %d (dimension %q, amount %v): need a dimension and a finite amount", i, r.Dimension, r.Amount)
		}
	}
	const q = `INSERT INTO usage_daily (day, account, region, dimension, amount) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (day, account, region, dimension) DO UPDATE SET amount = amount + excluded.amount`
	err := db.write(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, q)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, r := range recs {
			if _, err := st.ExecContext(ctx, r.Day.UTC().Format(dayLayout), r.Account, r.Region, r.Dimension, r.Amount); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("add usage: %w", err)
	}
	return nil
}

// ListUsage implements store.UsageStore.
func (db *DB) ListUsage(ctx context.Context, from, to time.Time) ([]store.UsageRecord, error) {
	const q = `SELECT day, account, region, dimension, amount FROM usage_daily
		WHERE day >= ? AND day < ? ORDER BY day, account, region, dimension`
	rows, err := db.r.QueryContext(ctx, q, firstDayFrom(from), firstDayFrom(to))
	if err != nil {
		return nil, fmt.Errorf("list usage: %w", err)
	}
	defer rows.Close()
	var out []store.UsageRecord
	for rows.Next() {
		var r store.UsageRecord
		var day string
		if err := rows.Scan(&day, &r.Account, &r.Region, &r.Dimension, &r.Amount); err != nil {
			return nil, fmt.Errorf("list usage: %w", err)
		}
		if r.Day, err = time.Parse(dayLayout, day); err != nil {
			return nil, fmt.Errorf("list usage: day %q: %w", day, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list usage: %w", err)
	}
	return out, nil
}

// firstDayFrom returns the first day whose UTC midnight is at or after t,
// as kept in usage_daily: days d >= firstDayFrom(t) are those with
// midnight >= t.
func firstDayFrom(t time.Time) string {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	if day.Before(t) {
		day = day.AddDate(0, 0, 1)
	}
	return day.Format(dayLayout)
}
