# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).


def migrate(cr, version):
    """A settlement's document is a credit note or, for a negative settlement,
    a claw-back invoice: its link is renamed from credit_note_id to
    document_id, keeping the links."""
    cr.execute(
        """
        SELECT 1 FROM information_schema.columns
         WHERE table_name = 'rebate_settlement' AND column_name = 'credit_note_id'
        """
    )
    if not cr.fetchone():
        return
    cr.execute(
        "ALTER TABLE rebate_settlement RENAME COLUMN credit_note_id TO document_id"
    )
