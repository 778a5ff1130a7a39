# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import pathlib

from babel.messages.extract import extract

from odoo.tests import BaseCase, tagged


@tagged("post_install", "-at_install")
class TestRebateTerms(BaseCase):
    """Every Python file of the repository's addons gives its terms to the
    exporter: babel, which Odoo's export uses, gives up on a whole file
    when a translated call holds an f-string, and its terms silently miss
    from the template."""

    def test_every_file_yields_its_terms(self):
        root = pathlib.Path(__file__).resolve().parents[2]
        files = [
            path
            for addon in ("rebate_management", "rebate_management_sale")
            for path in sorted((root / addon).rglob("*.py"))
            if "tests" not in path.parts
        ]
        self.assertTrue(files)
        for path in files:
            with self.subTest(path=str(path.relative_to(root))), path.open("rb") as f:
                list(extract("python", f, keywords={"_": None, "_lt": None}))
