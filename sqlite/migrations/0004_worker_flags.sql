-- The Adult (self-declared) and Masters (operator-granted) system
-- qualifications, and MTurk's extra 5 % fee on HITs that require Masters.
ALTER TABLE workers ADD COLUMN adult INTEGER NOT NULL DEFAULT 0;
ALTER TABLE workers ADD COLUMN masters INTEGER NOT NULL DEFAULT 0;

-- Live HITs whose type requires Masters reserve the higher fee from now on.
CREATE TEMP TABLE masters_reprice AS
    SELECT h.id, h.requester_id,
           h.funded * (t.reward_cents + max(1, (t.reward_cents * (CASE WHEN h.max_assignments >= 10 THEN 45 ELSE 25 END) + 99) / 100))
             - h.reserved_cents AS diff
    FROM hits h JOIN hit_types t ON t.id = h.hit_type_id
    WHERE h.funded > 0
      AND ((t.qualification_requirements LIKE '%"2F1QJWKUDD8XADTFD2Q0G6UTO95ALH","Comparator":"%'
            AND t.qualification_requirements NOT LIKE '%"2F1QJWKUDD8XADTFD2Q0G6UTO95ALH","Comparator":"DoesNotExist"%')
        OR (t.qualification_requirements LIKE '%"2ARFPLSP75KLA8M8DH1HTEQVJT3SY6","Comparator":"%'
            AND t.qualification_requirements NOT LIKE '%"2ARFPLSP75KLA8M8DH1HTEQVJT3SY6","Comparator":"DoesNotExist"%'));
UPDATE hits SET reserved_cents = reserved_cents + (SELECT diff FROM masters_reprice m WHERE m.id = hits.id)
    WHERE id IN (SELECT id FROM masters_reprice);
UPDATE requesters SET balance_cents = balance_cents - coalesce((SELECT sum(diff) FROM masters_reprice m WHERE m.requester_id = requesters.id), 0);
INSERT INTO ledger (at, kind, from_account, to_account, amount_cents, ref)
    SELECT CAST(strftime('%s', 'now') AS INTEGER) * 1000, 'reserve', 'requester:' || requester_id, 'hit:' || id, diff, id
    FROM masters_reprice WHERE diff > 0;
DROP TABLE masters_reprice;
