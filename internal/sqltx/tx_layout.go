package sqltx

import (
	"context"

	"github.com/hitd/hitd"
)

// This file holds the Tx methods for HIT layouts.

const layoutCols = `id, requester_id, name, html, created_at, deleted`

func scanLayout(row interface{ Scan(...any) error }) (*hitd.HITLayout, error) {
	var l hitd.HITLayout
	var created, deleted int64
	if err := row.Scan(&l.ID, &l.RequesterID, &l.Name, &l.HTML, &created, &deleted); err != nil {
		return nil, noRows(err)
	}
	l.CreationTime, l.Deleted = fromMS(created), deleted == 1
	return &l, nil
}

func (t *txn) InsertLayout(ctx context.Context, l *hitd.HITLayout) error {
	_, err := t.exec(ctx, `INSERT INTO hit_layouts (`+layoutCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
		l.ID, l.RequesterID, l.Name, l.HTML, ms(l.CreationTime), boolInt(l.Deleted))
	if t.d.IsUnique(err) {
		return hitd.ErrDuplicate
	}
	return err
}

func (t *txn) UpdateLayout(ctx context.Context, l *hitd.HITLayout) error {
	res, err := t.exec(ctx, `UPDATE hit_layouts SET name = ?, deleted = ? WHERE id = ?`, l.Name, boolInt(l.Deleted), l.ID)
	return affectedOne(res, err)
}

func (t *txn) Layout(ctx context.Context, id string) (*hitd.HITLayout, error) {
	return scanLayout(t.queryRow(ctx, `SELECT `+layoutCols+` FROM hit_layouts WHERE id = ?`, id))
}

func (t *txn) ListLayouts(ctx context.Context, requesterID string) ([]*hitd.HITLayout, error) {
	rows, err := t.query(ctx, `SELECT `+layoutCols+` FROM hit_layouts INDEXED BY hit_layouts_live_by_requester
		WHERE requester_id = ? AND deleted = 0 ORDER BY seq`, requesterID)
	return collect(rows, err, scanLayout)
}

func (t *txn) UpdateLayoutHTML(ctx context.Context, id, html string) error {
	res, err := t.exec(ctx, `UPDATE hit_layouts SET html = ? WHERE id = ?`, html, id)
	return affectedOne(res, err)
}
