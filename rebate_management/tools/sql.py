# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from contextlib import contextmanager
from datetime import date

from odoo.tools import SQL

# (written without quotes in an array's text)
_PLAIN_ELEMENT_TYPES = (int, float)
# (the types whose values all print without quotes: an exact type, not a
# subclass such as bool or datetime)
_BARE_ELEMENT_TYPES = frozenset({int, float, date})


def values_table(alias, columns, rows):
    """``rows`` as the table ``unnest(...) AS alias(column, ...)``: one array
    parameter per column, so that thousands of rows cost three parameters,
    not a placeholder each. ``columns``: (name, SQL type) pairs.

    Each array goes as the text of an array (array_literal), which the
    server reads in one go: a list parameter goes as ARRAY[...] with a typed
    constant per value, which the server parses one by one (for the 3,840
    periods of the default bench's close, 20 ms more than the text)."""
    arrays = list(zip(*rows, strict=True)) or [()] * len(columns)
    return SQL(
        "unnest(%s) AS %s(%s)",
        SQL(", ").join(
            SQL("%s::%s[]", array_literal(array), SQL(sql_type))
            for array, (_name, sql_type) in zip(arrays, columns, strict=True)
        ),
        SQL.identifier(alias),
        SQL(", ").join(SQL.identifier(name) for name, _type in columns),
    )


def array_literal(values):
    """``values`` as the text of a PostgreSQL array, cast to the array's
    type where it is used (``'{1,NULL,"it''s"}'::varchar[]``): None is NULL,
    booleans ``t`` and ``f``, numbers as they print, anything else (text,
    dates) its ``str`` quoted."""
    if set(map(type, values)) <= _BARE_ELEMENT_TYPES:
        # (most columns: ids and dates, written as they print, in one map)
        return "{%s}" % ",".join(map(str, values))
    return "{%s}" % ",".join(map(_array_element, values))


def _array_element(value):
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, _PLAIN_ELEMENT_TYPES):
        return str(value)
    return '"%s"' % str(value).replace("\\", "\\\\").replace('"', '\\"')


@contextmanager
def without_jit(cr):
    """Run the block's statements without PostgreSQL's JIT compilation, then
    set it back as it was: for a query of many small index lookups whose
    estimated cost crosses jit_above_cost, compiling costs more than the
    query (the accrual digests of the 443 settlements the default bench's
    close secures: 20 ms of compilation for 25 ms of work). When the block
    raises, rolling back the transaction (or the savepoint) it ran in sets
    it back."""
    cr.execute("SELECT current_setting('jit'), set_config('jit', 'off', true)")
    previous = cr.fetchone()[0]
    yield
    cr.execute(SQL("SELECT set_config('jit', %s, true)", previous))
