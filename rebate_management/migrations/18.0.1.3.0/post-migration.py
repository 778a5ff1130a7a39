# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).


def migrate(cr, version):
    """Settlements before interim settlements settled whole periods: their
    base to date is their base, and nothing was settled before them."""
    cr.execute(
        """
        UPDATE rebate_settlement
           SET base_cumulative = base_total
         WHERE base_cumulative IS NULL
        """
    )
    cr.execute(
        """
        UPDATE rebate_settlement
           SET rebate_previous = 0.0
         WHERE rebate_previous IS NULL
        """
    )
