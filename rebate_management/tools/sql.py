# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tools import SQL


def values_table(alias, columns, rows):
    """``rows`` as the table ``unnest(...) AS alias(column, ...)``: one array
    parameter per column, so that thousands of rows cost three parameters,
    not a placeholder each. ``columns``: (name, SQL type) pairs."""
    arrays = list(zip(*rows, strict=True)) or [()] * len(columns)
    return SQL(
        "unnest(%s) AS %s(%s)",
        SQL(", ").join(
            SQL("%s::%s[]", list(array), SQL(sql_type))
            for array, (_name, sql_type) in zip(arrays, columns, strict=True)
        ),
        SQL.identifier(alias),
        SQL(", ").join(SQL.identifier(name) for name, _type in columns),
    )
