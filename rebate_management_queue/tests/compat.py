# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What queue_job's test helpers need of Odoo that an Odoo 18.0 source may
lack, imported before them (tests/__init__.py).

queue_job 18.0.4's ``tests/common.py`` registers its patched methods in
``odoo.tests.common.SETATTR_SOURCES`` (known sources of patched model
methods, which later Odoo 18.0 sources warn about otherwise); an earlier 18.0
source, as the one the project's scripts run, has none, and importing the
helpers fails. An empty one stands in there: nothing else reads it.
"""

from odoo.tests import common

if not hasattr(common, "SETATTR_SOURCES"):
    common.SETATTR_SOURCES = {}
