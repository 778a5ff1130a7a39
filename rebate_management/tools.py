# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tools import SQL


def insert_rows(env, table, columns, vals_list, batch=1000):
    """INSERT ``vals_list`` into ``table`` in batches and return the new ids.

    For the engine's bulk writes (accruals, the settlements of a period
    close), where the ORM's per-record create work costs more than the
    business logic: the values must be complete and final (rounded amounts,
    no defaults or computed fields to fill); create and write user and date
    are set here.
    """
    ids = []
    for start in range(0, len(vals_list), batch):
        values = SQL(", ").join(
            SQL(
                "(%s, %s, %s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')",
                SQL(", ").join(vals.get(column) for column in columns),
                env.uid,
                env.uid,
            )
            for vals in vals_list[start : start + batch]
        )
        rows = env.execute_query(
            SQL(
                "INSERT INTO %s (%s, create_uid, write_uid, create_date, write_date)"
                " VALUES %s RETURNING id",
                SQL.identifier(table),
                SQL(", ").join(SQL.identifier(column) for column in columns),
                values,
            )
        )
        ids += [row[0] for row in rows]
    return ids
